"""The word lists redaction decides names by: people's names, and common words that are not names.

- Names: the first and last names of Faker's person providers (a maintained, MIT-licensed package) for the
  locales of the people who live in Derbyshire and the UK, Latin script only, compared case- and accent-blind.
  Names of the English-speaking locales count in any case; the others when capitalised or written with accents
  (their lists hold many short words that are English words too: "an", "us", "pole").
- Common words: spaCy's English stop words, Faker's English word lists (about 3,000 everyday words), the
  lower-case words of the bot's own domain and training data, and a few proper words of the bot's world.
  A name that is also a common word ("Will", "Rose", "Grace") counts as a name only where a name is expected.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import FrozenSet, Tuple

ROOT = Path(__file__).resolve().parent.parent
ENGLISH_LOCALES = "en_GB en_IE ga_IE en_US en_NZ en_IN en_PK en_NG en_KE".split()
LOCALES = (
    ENGLISH_LOCALES
    + (
        "yo_NG ig_NG ha_NG tw_GH zu_ZA pl_PL ro_RO lt_LT lv_LV sk_SK cs_CZ hu_HU hr_HR sl_SI et_EE pt_PT pt_BR es_ES "
        "it_IT fr_FR de_DE nl_NL sv_SE da_DK no_NO fi_FI tr_TR az_AZ id_ID"
    ).split()
)
PROPER_WORDS = {
    "derbyshire constabulary police uk england britain bsl sms whatsapp facebook messenger telegram google covid "
    "coronavirus galop respect refuge monday tuesday wednesday thursday friday saturday sunday christmas ok okay "
    "instagram insta snapchat snap tiktok twitter youtube nhs gp a&e lockdown"
}
LATIN = re.compile(r"^[^\W\d_]+$")
WORD = re.compile(r"(?<![^\W\d_])[a-z][a-z'’-]+")
CAPITALISED = re.compile(r"(?<![^\W\d_])[A-Z][A-Za-z]+")


def fold(word: str) -> str:
    """Lower case without accents: Zoë, ZOE and zoe are one word."""
    decomposed = unicodedata.normalize("NFKD", word.casefold().replace("ł", "l"))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).strip("'’-")


@lru_cache(maxsize=2)
def names(locales: Tuple[str, ...] = tuple(LOCALES)) -> FrozenSet[str]:
    """Every first and last name (each word of it, folded) of Faker's person providers for the locales."""
    found = set()
    for locale in locales:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in ("first_names", "first_names_male", "first_names_female", "last_names"):
            for name in getattr(provider, attribute, ()):
                for part in re.split(r"[\s'’-]+", name):
                    if len(part) > 1 and LATIN.match(part) and all(ord(char) < 0x250 for char in part):
                        found.add(fold(part))
    return frozenset(found)


@lru_cache(maxsize=1)
def common_words() -> FrozenSet[str]:
    """Lower-case words that are ordinary English (or the bot's own), not names."""
    from faker.providers.lorem.en_US import Provider as Lorem
    from spacy.lang.en.stop_words import STOP_WORDS

    words = set(STOP_WORDS) | set(" ".join(PROPER_WORDS).split()) | set(Lorem.word_list)
    for kind in Lorem.parts_of_speech.values():
        words.update(kind)
    for path in [ROOT / "domain.yml", *sorted((ROOT / "data").rglob("*.yml"))]:
        text = path.read_text(encoding="utf-8")
        words.update(WORD.findall(text))
        if path.name == "domain.yml":  # the bot's own proper words (Esc, Samaritans), except people's names
            words.update(word.lower() for word in CAPITALISED.findall(text) if fold(word) not in names())
    return frozenset(fold(word) for word in words)


@lru_cache(maxsize=65536)
def is_common(word: str) -> bool:
    """Whether a word is ordinary English (a plural or possessive of one too)."""
    folded = fold(word)
    common = common_words()
    return folded in common or folded.rstrip("s") in common or folded.removesuffix("'s") in common or folded.isdigit()


@lru_cache(maxsize=65536)
def is_name(word: str) -> bool:
    """Whether a word is a listed name: any listed name when capitalised or accented, else an English-speaking one."""
    if len(word) < 2:
        return False
    listed = names() if word[:1].isupper() and not word.isupper() or not word.isascii() else names(tuple(ENGLISH_LOCALES))
    return any(part in listed or part.removesuffix("'s") in listed for part in fold(word).split("-") if part)
