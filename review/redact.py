"""Redacts personal data (names, phone numbers, e-mail addresses, UK postcodes, street addresses) from text.

No named-entity model is available offline, so names are found by patterns ("my name is X", "I'm X", "called X",
titles, any capitalised word) checked against a list of common English words: spaCy's stop words plus
every lower-case word of the bot's own training data and responses.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet

import phonenumbers

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDERS = {"NAME": "[NAME]", "PHONE": "[PHONE]", "EMAIL": "[EMAIL]", "POSTCODE": "[POSTCODE]", "ADDRESS": "[ADDRESS]"}
# The bot's own safety numbers are not personal data.
SAFE_NUMBERS = {"999", "101", "18001101", "08082000247", "55", "18000", "112", "116123"}
PROPER_WORDS = {
    "i",
    "derbyshire",
    "constabulary",
    "police",
    "uk",
    "england",
    "britain",
    "bsl",
    "sms",
    "whatsapp",
    "facebook",
    "messenger",
    "telegram",
    "google",
    "covid",
    "coronavirus",
    "galop",
    "respect",
    "refuge",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "christmas",
    "ok",
    "okay",
}

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE)
STREET_TYPES = (
    r"street|st|road|rd|avenue|ave|lane|ln|close|drive|way|crescent|court|ct|place|pl|gardens|terrace|"
    r"grove|hill|park|row|walk|mews|square|sq|view|rise|green|parade|boulevard"
)
STREET = re.compile(rf"\b\d{{1,4}}[a-z]?,?\s+(?:[A-Za-z'-]+\s+){{1,3}}(?:{STREET_TYPES})\b\.?", re.IGNORECASE)
NAMED_STREET = re.compile(rf"\b(?:[A-Z][a-z'-]+\s+){{1,2}}(?i:{STREET_TYPES.replace('st|', '')})\b(?!-)")
FLAT = re.compile(r"\b(?:flat|apartment|apt|unit|house number|number)\s+\d{1,4}[a-z]?\b", re.IGNORECASE)
DIGITS = re.compile(r"\+?\d[\d\s().-]{6,}\d")
NAME_WORD = r"[A-Za-z][a-z'-]+"
INTRO = re.compile(
    rf"\b(?:my name is|my name's|name is|i am called|i'm called|call me)\s+({NAME_WORD}(?-i:\s+[A-Z][a-z'-]+)?)", re.IGNORECASE
)
SELF = re.compile(r"\b(?:I'm|I’m|Im|I am|this is|it's|it is)\s+([A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?)")
CALLED = re.compile(rf"\b(?:called|named|name's)\s+({NAME_WORD}(?-i:\s+[A-Z][a-z'-]+)?)", re.IGNORECASE)
TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+([A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?)")
CAPITALISED = re.compile(r"\b([A-Z][a-z'-]+)\b")


@lru_cache(maxsize=1)
def common_words() -> FrozenSet[str]:
    """Lower-case words that are not names: spaCy's stop words and the bot's own training data and responses."""
    from spacy.lang.en.stop_words import STOP_WORDS

    words = set(STOP_WORDS) | PROPER_WORDS
    for path in [ROOT / "domain.yml", *sorted((ROOT / "data").rglob("*.yml"))]:
        words.update(re.findall(r"(?<![A-Za-z])[a-z][a-z'-]+", path.read_text(encoding="utf-8")))
    return frozenset(words)


def is_common(word: str) -> bool:
    """Whether a word is a common English word rather than (probably) a name."""
    lower = word.lower().strip("'’-")
    return lower in common_words() or lower.rstrip("s") in common_words()


def _name(match: re.Match, require_uncommon: bool = True) -> str:
    """Replaces the name group of a match unless its first word is a common word."""
    name = match.group(1)
    if require_uncommon and is_common(name.split()[0]):
        return match.group(0)
    return match.group(0)[: match.start(1) - match.start(0)] + PLACEHOLDERS["NAME"]


def _phones(text: str) -> str:
    """Replaces phone numbers (UK and international) except the bot's safety numbers."""
    for match in reversed(list(phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE))):
        if re.sub(r"\D", "", match.raw_string) not in SAFE_NUMBERS:
            text = text[: match.start] + PLACEHOLDERS["PHONE"] + text[match.end :]
    return DIGITS.sub(lambda m: m.group(0) if re.sub(r"\D", "", m.group(0)) in SAFE_NUMBERS else PLACEHOLDERS["PHONE"], text)


def redact(text: str) -> str:
    """The text with personal data replaced by placeholders such as [NAME] and [PHONE]."""
    if not text:
        return text
    text = EMAIL.sub(PLACEHOLDERS["EMAIL"], text)
    text = POSTCODE.sub(PLACEHOLDERS["POSTCODE"], text)
    text = STREET.sub(PLACEHOLDERS["ADDRESS"], text)
    text = NAMED_STREET.sub(PLACEHOLDERS["ADDRESS"], text)
    text = FLAT.sub(PLACEHOLDERS["ADDRESS"], text)
    text = _phones(text)
    text = INTRO.sub(lambda m: _name(m, require_uncommon=False), text)
    text = TITLE.sub(lambda m: _name(m, require_uncommon=False), text)
    text = SELF.sub(_name, text)
    text = CALLED.sub(_name, text)
    return CAPITALISED.sub(lambda m: m.group(0) if is_common(m.group(1)) else PLACEHOLDERS["NAME"], text)


def redact_danger(danger: Dict[str, Any]) -> Dict[str, Any]:
    """A copy of a danger verdict with the rule detector's evidence (and subject) redacted."""
    rules = dict(danger.get("rules") or {})
    for key in ("evidence", "subject"):
        value = rules.get(key)
        if isinstance(value, str):
            rules[key] = redact(value)
        elif isinstance(value, list):
            rules[key] = [redact(v) if isinstance(v, str) else v for v in value]
    return {**danger, "rules": rules}
