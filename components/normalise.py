"""Text normalisation shared by the custom NLU components.

Two levels:
- `clean` is mild and meaning-preserving (Unicode, curly quotes, invisible characters, length cap); it is what
  every later component of the pipeline sees.
- `for_matching` is aggressive (lower case, text-speak and common misspellings expanded, repeated letters
  squeezed) and is only used by the rule-based detectors, never shown to anyone.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Mapping

from ops.settings import Settings

DEFAULT_MAX_CHARS: int = Settings.max_message_chars

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
    }
)
# Zero-width and bidi control characters, soft hyphen, and C0/C1 control characters other than whitespace.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_WHITESPACE = re.compile(r"\s+")


def max_message_chars() -> int:
    """The length cap of a message's text on every channel: MAX_MESSAGE_CHARS."""
    return Settings.load().max_message_chars


def clean(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Normalise Unicode, quotes and whitespace, drop invisible characters, and cap the length."""
    text = unicodedata.normalize("NFKC", text[: max_chars * 2])
    text = _INVISIBLE.sub("", text.translate(_QUOTES))
    return _WHITESPACE.sub(" ", text).strip()[:max_chars]


# Text-speak, contractions and misspellings that matter for safety, mapped to plain words.
EXPANSIONS: Mapping[str, str] = {
    "he's": "he is",
    "hes": "he is",
    "she's": "she is",
    "shes": "she is",
    "it's": "it is",
    "they're": "they are",
    "theyre": "they are",
    "there's": "there is",
    "theres": "there is",
    "i'm": "i am",
    "im": "i am",
    "i've": "i have",
    "ive": "i have",
    "i'll": "i will",
    "he'll": "he will",
    "she'll": "she will",
    "they'll": "they will",
    "he'd": "he would",
    "she'd": "she would",
    "they'd": "they would",
    "i'd": "i would",
    "we're": "we are",
    "can't": "can not",
    "cant": "can not",
    "cannot": "can not",
    "cnt": "can not",
    "carnt": "can not",
    "don't": "do not",
    "dont": "do not",
    "won't": "will not",
    "wont": "will not",
    "isn't": "is not",
    "isnt": "is not",
    "aren't": "are not",
    "wasn't": "was not",
    "wasnt": "was not",
    "didn't": "did not",
    "didnt": "did not",
    "doesn't": "does not",
    "doesnt": "does not",
    "haven't": "have not",
    "hasn't": "has not",
    "hasnt": "has not",
    "u": "you",
    "ur": "your",
    "r": "are",
    "ya": "you",
    "yr": "your",
    "n": "and",
    "&": "and",
    "pls": "please",
    "plz": "please",
    "plse": "please",
    "pleas": "please",
    "pleez": "please",
    "pleaz": "please",
    "hlp": "help",
    "halp": "help",
    "hepl": "help",
    "hepp": "help",
    "hellp": "help",
    "rn": "right now",
    "nw": "now",
    "atm": "at the moment",
    "asap": "now",
    "gonna": "going to",
    "gna": "going to",
    "gunna": "going to",
    "gona": "going to",
    "tryna": "trying to",
    "tryin": "trying",
    "wanna": "want to",
    "gotta": "got to",
    "bf": "boyfriend",
    "gf": "girlfriend",
    "hubby": "husband",
    "hubbie": "husband",
    "ex's": "ex",
    "bro": "brother",
    "sis": "sister",
    "mam": "mum",
    "mom": "mum",
    "wiv": "with",
    "wit": "with",
    "w/": "with",
    "cos": "because",
    "coz": "because",
    "bc": "because",
    "kno": "know",
    "dunno": "do not know",
    "thru": "through",
    "outsde": "outside",
    "outsid": "outside",
    "nife": "knife",
    "knif": "knife",
    "knive": "knife",
    "knifes": "knives",
    "kinfe": "knife",
    "knfe": "knife",
    "kil": "kill",
    "kll": "kill",
    "kilin": "killing",
    "killin": "killing",
    "kiling": "killing",
    "hiting": "hitting",
    "hittin": "hitting",
    "hitin": "hitting",
    "beatin": "beating",
    "beting": "beating",
    "punchin": "punching",
    "kickin": "kicking",
    "chokin": "choking",
    "choaking": "choking",
    "choakin": "choking",
    "choak": "choke",
    "strangleing": "strangling",
    "stranglin": "strangling",
    "strangeling": "strangling",
    "strangel": "strangle",
    "attackin": "attacking",
    "hurtin": "hurting",
    "bangin": "banging",
    "screamin": "screaming",
    "shoutin": "shouting",
    "comin": "coming",
    "breakin": "breaking",
    "kickn": "kicking",
    "threatning": "threatening",
    "thretening": "threatening",
    "threating": "threatening",
    "threatnin": "threatening",
    "stabing": "stabbing",
    "stabbin": "stabbing",
    "bleding": "bleeding",
    "bleedin": "bleeding",
    "breath": "breathe",
    "breth": "breathe",
    "gettin": "getting",
    "tryng": "trying",
    "doore": "door",
    "dor": "door",
    "doar": "door",
    "polise": "police",
    "plice": "police",
    "poilce": "police",
    "pollice": "police",
    "cops": "police",
    "neighbor": "neighbour",
    "nieghbour": "neighbour",
    "neighbur": "neighbour",
    "naybour": "neighbour",
    "nxt": "next",
    "scaerd": "scared",
    "skared": "scared",
    "dyin": "dying",
}

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")
_REPEATS = re.compile(r"(.)\1{2,}")
_DOUBLES = re.compile(r"(.)\1")


def _squeeze(word: str, vocabulary: Iterable[str]) -> str:
    """Undo stretched words ("helppp", "killlll") when a shorter spelling is a known word."""
    if word in vocabulary or not _REPEATS.search(word):
        return word
    two = _REPEATS.sub(r"\1\1", word)
    if two in vocabulary:
        return two
    one = _DOUBLES.sub(r"\1", two)
    return one if one in vocabulary else two


def for_matching(text: str, vocabulary: frozenset[str] = frozenset()) -> str:
    """Lower-case, expand text-speak and known misspellings, and squeeze stretched words."""
    words = []
    for token in _TOKEN.findall(clean(text).lower()):
        token = _squeeze(token, vocabulary | EXPANSIONS.keys())
        words.append(EXPANSIONS.get(token, token))
    return " ".join(words)
