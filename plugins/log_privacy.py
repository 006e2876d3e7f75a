"""No message text or sender id in the logs of a Rasa process, at any level, whoever logs.

- Rasa's structured log events (structlog) carry text under known keys (`text`, `parse_data_text`, `user_message`,
  ...): `redact_event` blanks them, in place of Rasa's anonymizer (which does nothing without Rasa Pro).
- Any other log line (Rasa's f-strings, sanic, SQLAlchemy, tracebacks) is checked when it is made: the texts and
  sender ids of the messages this process handled lately (`remember`, called by channels/edge.py for each message)
  are replaced by REDACTED, in the message and in the traceback.
`install()` is called by plugins/patches.apply(), before Rasa configures its logging.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections import OrderedDict
from typing import Any, Dict, Optional

REDACTED = "[redacted]"
REMEMBERED = 2000  # recent values kept for redaction
MIN_CHARS = 4  # shorter values ("ok", "1") are too common to be personal, and would blank ordinary words
TEXT_KEYS = frozenset(
    {
        "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities", "prediction_events",
        "tracker_latest_message", "prefilled_slots", "message", "response", "slot_candidates", "rasa_event", "rasa_events",
        "tracker_states", "current_states", "old_states", "successes", "current_entity", "next_entity", "states", "entity",
        "token_text", "user_message", "json_message", "sender_id", "conversation_id", "tracker",
    }
)  # fmt: skip

_recent: "OrderedDict[str, None]" = OrderedDict()
_guard = threading.Lock()


def remember(*values: Optional[str]) -> None:
    """Keeps these values (a message's text, its sender id) out of every log line from now on."""
    with _guard:
        for value in values:
            if value and len(value) >= MIN_CHARS:
                _recent[value] = None
                _recent.move_to_end(value)
        while len(_recent) > REMEMBERED:
            _recent.popitem(last=False)


def redact(line: str) -> str:
    """The line with every remembered value replaced."""
    with _guard:
        found = [value for value in _recent if value in line]
    for value in sorted(found, key=len, reverse=True):
        line = line.replace(value, REDACTED)
    return line


def redact_event(_: Any, __: str, event: Dict[str, Any]) -> Dict[str, Any]:
    """A structlog processor: the event with the values of text-bearing keys blanked."""
    return {key: REDACTED if key in TEXT_KEYS and value not in (None, "") else value for key, value in event.items()}


def install() -> None:
    """Redacts every log record when it is made, and Rasa's structured events before they are rendered."""
    from rasa.utils import log_utils

    log_utils._anonymizer = redact_event  # read when Rasa configures structlog, after this
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, "redacts", False):
        return

    def redacted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record fails where logging reports it, not here
            return record
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        return record

    redacted_record.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacted_record)
