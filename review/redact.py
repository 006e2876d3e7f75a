"""Redacts personal data from text: names, addresses, postcodes, dates, e-mail addresses, phone numbers, social
handles, number plates and NHS numbers. Measured in `make test` (tests/review/test_redaction_quality.py).

Patterns find what has a shape (postcodes in every format, house numbers and house names with their street, flat
numbers, dates with a year, @handles, plates, NHS numbers with their check digit, phone numbers). Names are words
of a maintained names list (review/names.py) that are not common words, in any case and with or without accents;
a word that is both ("Will", "Grace") only where a name is expected ("my name is", "called", "my partner");
and any other capitalised word that is not a common word. The bot's own numbers (999, 101, 18001 101, 55, 18000,
every number in its responses) are always kept.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Dict, FrozenSet, List

import phonenumbers
from spacy.lang.en.stop_words import STOP_WORDS

from review.names import ROOT, is_common, is_name

PLACEHOLDERS = {kind: f"[{kind}]" for kind in ("NAME", "PHONE", "EMAIL", "POSTCODE", "ADDRESS", "DATE", "HANDLE", "PLATE", "NHS")}
SAFE_NUMBERS = {"999", "101", "18001101", "08082000247", "55", "18000", "112", "116123", "08001111", "111"}
MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|"
    r"nov(?:ember)?|dec(?:ember)?"
)
STREET_TYPES = (
    r"street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|crescent|court|ct|place|pl|gardens|terrace|grove|hill|park|"
    r"row|walk|mews|square|sq|view|rise|green|parade|boulevard|gate|bank|spinney|paddocks|croft|fields|meadows|wharf"
)
HOUSE_TYPES = r"cottages?|house|farm|barns?|lodge|bungalow|view|bank|manor|hall|mill|grange|villa|croft|orchard|paddock|nook"
WORD = r"[^\W\d_][\w'’-]*"
TITLE_WORD = r"[A-Z](?=[\w'’-]*[a-z])[\w'’-]+"  # capitalised, not all capitals

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?")
DATES = [
    re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b"),
    re.compile(r"\b(?:19|20)\d{2}-\d{1,2}-\d{1,2}\b"),
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+(?:{MONTHS})\.?,?\s+(?:19|20)\d{{2}}\b", re.IGNORECASE),
    re.compile(rf"\b(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}\b", re.IGNORECASE),
]
POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE)
NHS = re.compile(r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b")
PLATES = [
    re.compile(r"\b[A-Z]{2}\d{2} ?[A-Z]{3}\b", re.IGNORECASE),  # current: AB12 CDE
    re.compile(r"\b[A-Z]\d{1,3} ?[A-Z]{3}\b"),  # prefix: P123 ABC
    re.compile(r"\b[A-Z]{3} ?\d{1,3}[A-Z]\b"),  # suffix: ABC 123D
    re.compile(r"(?i:\b(?:reg(?:istration)?|plates?)(?:\s+(?:number|no|is|was|to|plate))*:?\s+)([A-Z0-9]{1,4} ?[A-Z0-9]{1,4})\b"),
]
FLAT = re.compile(r"\b(?:flat|apartment|apt|unit|house|number|no\.?)\s+(\d{1,4}[a-z]?)\b", re.IGNORECASE)
STREET = re.compile(rf"\b\d{{1,4}}[a-z]?,?\s+(?:{WORD}\s+){{0,3}}(?:{STREET_TYPES})\b\.?", re.IGNORECASE)
NUMBERED_THE = re.compile(rf"\b\d{{1,4}}[a-z]?\s+the\s+{WORD}", re.IGNORECASE)
NAMED_STREET = re.compile(rf"\b(?:{TITLE_WORD}\s+){{1,2}}(?i:{STREET_TYPES.replace('st|', '')})\b(?!-)")
HOUSE_NAME = re.compile(rf"\b(?:The\s+)?(?:{TITLE_WORD}\s+){{1,2}}(?i:{HOUSE_TYPES})\b")
COURTS = {"crown", "magistrates", "magistrates'", "family", "county", "youth", "civil", "high"}
TOWN = re.compile(rf"(\[(?:ADDRESS|POSTCODE)\],?\s+)({WORD}(?:\s+[A-Z][\w'’-]*)?)")
DIGITS = re.compile(r"\+?\(?\d[\d\s().-]{6,}\d")
TOKEN = re.compile(rf"\[[A-Z]+\]|{WORD}")
INTRO = re.compile(r"\b(?:my name is|my names|my name's|name's|name is|called|named|call me|known as)\s+$", re.IGNORECASE)
TITLE = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+{TITLE_WORD}(?:\s+{TITLE_WORD})?")
LAW = re.compile(r"['’]?s?\s+Law\b")  # Clare's Law, Sarah's Law
RELATION = re.compile(
    r"\b(?:my|her|his|our|their)\s+(?:ex|husband|wife|partner|partners|boyfriend|girlfriend|bf|gf|fella|fiance|fiancee|son|"
    r"daughter|mum|mom|dad|brother|sister|friend|neighbour|neighbor|stepdad|stepmum|nan|uncle|aunt|auntie|cousin|kids?|"
    r"carer|lodger|flatmate|landlord)\s+$",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def safe_numbers() -> FrozenSet[str]:
    """The bot's own numbers: SAFE_NUMBERS and every number in its responses (domain.yml)."""
    domain = (ROOT / "domain.yml").read_text(encoding="utf-8")
    found = {re.sub(r"\D", "", match) for match in re.findall(r"\d[\d ]*\d|\d", domain)}
    return frozenset(SAFE_NUMBERS | found)


def _safe(text: str) -> bool:
    return re.sub(r"\D", "", text) in safe_numbers()


def _nhs(match: re.Match) -> str:
    """An NHS number (its modulus-11 check digit right) becomes [NHS]."""
    digits = [int(d) for d in re.sub(r"\D", "", match.group(0))]
    check = 11 - sum(d * (10 - i) for i, d in enumerate(digits[:9])) % 11
    return PLACEHOLDERS["NHS"] if (0 if check == 11 else check) == digits[9] else match.group(0)


def _phones(text: str) -> str:
    """Phone numbers (UK and international), except the bot's own numbers, become [PHONE]."""
    for match in reversed(list(phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE))):
        if not _safe(match.raw_string) and len(re.sub(r"\D", "", match.raw_string)) >= 8:
            text = text[: match.start] + PLACEHOLDERS["PHONE"] + text[match.end :]
    return DIGITS.sub(lambda m: m.group(0) if _safe(m.group(0)) else PLACEHOLDERS["PHONE"], text)


def _group(pattern: re.Pattern, text: str, kind: str, group: int = 0) -> str:
    """Replaces `group` of every match with the kind's placeholder (the bot's own numbers stay)."""

    def replace(match: re.Match) -> str:
        if _safe(match.group(group)) and match.group(group).strip().isdigit():
            return match.group(0)
        whole, start = match.group(0), match.start(group) - match.start(0)
        return whole[:start] + PLACEHOLDERS[kind] + whole[start + len(match.group(group)) :]

    return pattern.sub(replace, text)


def _street(match: re.Match) -> str:
    """A house number and street, unless the words between are ordinary small words ("at 5 like the court")."""
    between = match.group(0).split()[1:-1]
    return (
        match.group(0)
        if any(word.lower() in STOP_WORDS and word.lower() != "st" for word in between)
        else PLACEHOLDERS["ADDRESS"]
    )


def _addresses(text: str) -> str:
    """House names, numbered streets, flats, and the town after an address."""
    text = HOUSE_NAME.sub(PLACEHOLDERS["ADDRESS"], text)
    text = STREET.sub(_street, text)
    text = NUMBERED_THE.sub(PLACEHOLDERS["ADDRESS"], text)
    text = NAMED_STREET.sub(lambda m: m.group(0) if m.group(0).split()[-2].lower() in COURTS else PLACEHOLDERS["ADDRESS"], text)
    text = _group(FLAT, text, "ADDRESS")
    return TOWN.sub(
        lambda m: (
            m.group(0)
            if all(is_common(word) and word.islower() for word in m.group(2).split())
            else m.group(1) + PLACEHOLDERS["ADDRESS"]
        ),
        text,
    )


def _names(text: str) -> str:
    """Names: listed names that are not common words, listed ones where a name is expected, other capitalised
    uncommon words, and an uncommon word right after a name (a surname)."""
    out: List[str] = []
    last, previous_name = 0, False
    for match in TOKEN.finditer(text):
        word, before = match.group(0), text[max(0, match.start() - 30) : match.start()]
        between = text[last : match.start()]
        if word.startswith("[") or not word[0].isalpha():
            out.append(between + word)
            last, previous_name = match.end(), word == PLACEHOLDERS["NAME"]
            continue
        common, listed = is_common(word), is_name(word)
        capital = word[0].isupper() and not (word.isupper() and not listed)
        name = (
            len(word) > 1
            and not LAW.match(text, match.end())
            and (
                (listed and not common)
                or (capital and not common)
                or (listed and (INTRO.search(before[-20:]) is not None or (capital and RELATION.search(before) is not None)))
                or (previous_name and between == " " and not common)
            )
        )
        out.append(between + (PLACEHOLDERS["NAME"] if name else word))
        last, previous_name = match.end(), name
    return "".join(out) + text[last:]


def redact(text: str) -> str:
    """The text with personal data replaced by placeholders such as [NAME] and [PHONE]."""
    if not text:
        return text
    text = EMAIL.sub(PLACEHOLDERS["EMAIL"], text)
    text = HANDLE.sub(PLACEHOLDERS["HANDLE"], text)
    for pattern in DATES:
        text = pattern.sub(PLACEHOLDERS["DATE"], text)
    text = POSTCODE.sub(PLACEHOLDERS["POSTCODE"], text)
    text = NHS.sub(_nhs, text)
    for pattern in PLATES:
        text = _group(pattern, text, "PLATE", pattern.groups and 1)
    text = _addresses(text)
    text = _phones(text)
    text = TITLE.sub(PLACEHOLDERS["NAME"], text)
    return _names(text)


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
