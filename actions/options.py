"""The answer to a long or mixed message: which response answers a topic, and the other topics as buttons.

The content is in domain.yml (the responses); this module only names each topic's response and its button title.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set

import yaml

DOMAIN = Path(__file__).resolve().parent.parent / "domain.yml"

# The response that answers each topic (as the rules in data/rules/answers.yml do).
RESPONSE_OF: Dict[str, str] = {
    "leave_home": "utter_leave_home",
    "how_to_report": "utter_how_to_report",
    "what_happens_report": "utter_what_happens_report",
    "clares_law": "utter_clares_law",
    "refuge": "utter_refuge",
    "what_is_abuse": "utter_what_is_abuse",
    "own_behaviour": "utter_own_behaviour",
    "my_rights": "utter_my_rights",
    "find_support": "utter_find_support",
    "worried_about_someone": "utter_worried_about_someone",
    "deaf_or_cant_speak": "utter_communication_routes",
    "describe_abuse": "utter_describe_abuse",
    "feel_unsafe": "utter_feel_unsafe",
    "privacy": "utter_privacy",
}
# The title of each topic offered as a button (components/topics.py OFFERED).
TITLE_OF: Dict[str, str] = {
    "leave_home": "Leaving home",
    "how_to_report": "How to report",
    "what_happens_report": "What happens when I call",
    "clares_law": "Clare's Law",
    "refuge": "Refuges",
    "what_is_abuse": "What counts as abuse",
    "own_behaviour": "My own behaviour",
    "my_rights": "My rights",
    "find_support": "Support services",
    "worried_about_someone": "Worried about someone",
    "deaf_or_cant_speak": "I'm deaf or can't speak",
    "feel_unsafe": "I'm scared",
    "privacy": "Is this chat private?",
}


@lru_cache(maxsize=1)
def responses() -> Dict[str, List[Dict[str, Any]]]:
    """The domain's responses (read once)."""
    return yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]


def payloads_of(response: str) -> Set[str]:
    """Every button payload of any variation of a response."""
    return {b.get("payload", "") for v in responses().get(response, []) for b in v.get("buttons") or []}


def other_topic_buttons(topic: str, others: Iterable[str]) -> List[Dict[str, str]]:
    """Buttons for the other likely topics: none the answer already offers, none for the topic answered."""
    taken = payloads_of(RESPONSE_OF.get(topic, ""))
    buttons = []
    for other in dict.fromkeys(others):
        payload = f"/{other}"
        if other != topic and other in TITLE_OF and payload not in taken:
            buttons.append({"title": TITLE_OF[other], "payload": payload})
    return buttons


def more_response(topic: Optional[str]) -> str:
    """The "Tell me more" response of a topic's answer, or the list of topics when it has none."""
    more = f"{RESPONSE_OF.get(topic or '', '')}_more"
    return more if more in responses() else "utter_how_can_i_help"
