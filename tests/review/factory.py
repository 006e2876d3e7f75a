"""Stored conversations for the review tests, built from Rasa's own event classes."""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, UserUttered

TURNS = (("hi", "greet"), ("how do I report domestic abuse", "how_to_report"))


def conversation(start: float, turns: Sequence[Tuple[str, str]] = TURNS) -> List[Dict[str, Any]]:
    """The events Rasa stores for a conversation that began at `start` (seconds), one turn every 3 s."""
    events: List[Event] = [
        ActionExecuted("action_session_start", timestamp=start),
        SessionStarted(timestamp=start),
        ActionExecuted("action_listen", timestamp=start),
    ]
    for number, (text, intent) in enumerate(turns, start=1):
        at = start + 3 * number
        events += [
            UserUttered(text, {"name": intent, "confidence": 0.9}, timestamp=at, input_channel="rest"),
            ActionExecuted(f"utter_{intent}", timestamp=at),
            BotUttered("An answer.", timestamp=at),
            ActionExecuted("action_listen", timestamp=at),
        ]
    return [event.as_dict() for event in events]
