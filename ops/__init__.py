"""What runs around Rasa: settings, the process supervisor, an HTTP client, nginx's configuration, the production stack's
launcher, preflight and health checks. Nothing here is imported by Rasa; the app imports only `ops.settings`."""
