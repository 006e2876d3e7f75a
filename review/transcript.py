"""A conversation as trainers see it: redacted user turns with intent, confidence, entities and danger verdicts.

Bot turns are the domain's own responses and are shown as sent.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List

from review.redact import redact, redact_danger
from review.store import HIDDEN_ACTIONS, is_escalation


def turns(events: List[Dict[str, Any]], corrections: Dict[int, str]) -> List[Dict[str, Any]]:
    """User and bot turns (index = position in the event list), redacted, with corrections applied."""
    out: List[Dict[str, Any]] = []
    for index, event in enumerate(events):
        kind = event.get("event")
        when = datetime.fromtimestamp(float(event.get("timestamp") or 0), timezone.utc).strftime("%H:%M:%S")
        if kind == "user":
            parse = event.get("parse_data") or {}
            intent = parse.get("intent") or {}
            out.append(
                {
                    "kind": "user",
                    "index": index,
                    "time": when,
                    "text": redact(str(event.get("text") or "")),
                    "intent": intent.get("name") or "",
                    "confidence": intent.get("confidence"),
                    "entities": [
                        {"entity": e.get("entity"), "value": redact(str(e.get("value")))} for e in parse.get("entities") or []
                    ],
                    "danger": redact_danger(parse["danger"]) if isinstance(parse.get("danger"), dict) else None,
                    "correction": corrections.get(index),
                    "escalated": is_escalation(event),
                }
            )
        elif kind == "bot":
            custom = (event.get("data") or {}).get("custom")
            out.append(
                {
                    "kind": "bot",
                    "index": index,
                    "time": when,
                    "text": str(event.get("text") or ""),
                    "custom": custom,
                    "escalated": is_escalation(event),
                }
            )
        elif kind == "action" and event.get("name") not in HIDDEN_ACTIONS:
            out.append({"kind": "action", "index": index, "time": when, "name": event.get("name")})
        elif kind == "active_loop":
            # A form starting or ending (the emergency after 999 guidance); test stories need it.
            out.append({"kind": "loop", "index": index, "time": when, "name": event.get("name")})
        elif kind == "slot" and out and out[-1]["kind"] in ("action", "bot", "slot"):
            # Slots set by the bot's actions (values stay out of the page; test stories need them).
            out.append({"kind": "slot", "index": index, "time": when, "name": event.get("name"), "value": event.get("value")})
    return out
