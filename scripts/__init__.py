"""Helper scripts: set-up, serving and evaluation."""
