"""The website demo page and its server (web/server.py)."""
