"""Custom NLU components: input guard, communication need, and the immediate-danger detector."""
