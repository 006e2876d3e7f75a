"""Health of a Rasa replica, for nginx, Kubernetes probes and operators (no conversation is touched).

- GET /webhooks/health/live: 200 while the server answers (liveness);
- GET /webhooks/health/ready: 200 when the model is loaded and the tracker store's database answers, else 503
  (readiness: a replica whose database fails takes no traffic, rather than acknowledging turns it cannot store).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from plugins.tracker_store import reachable


class HealthInput(InputChannel):
    """Liveness and readiness routes under /webhooks/health/."""

    @classmethod
    def name(cls) -> Text:
        """The routes' prefix: /webhooks/health/."""
        return "health"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Nothing to configure."""
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The two routes; neither handles a message."""
        health = Blueprint("health_webhook", __name__)

        @health.route("/live", methods=["GET"])
        async def live(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @health.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            checks = {"model": bool(agent and agent.is_ready())}
            checks["tracker_store"] = bool(agent) and await reachable(agent.tracker_store)
            return response.json(checks, status=200 if all(checks.values()) else 503)

        return health
