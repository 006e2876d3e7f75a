"""Text normalisation: the cleaning every component sees, and the matching form of the detectors."""

from components.normalise import clean, for_matching


def test_clean_straightens_quotes_and_drops_invisible_characters() -> None:
    assert clean("he\u2019s \u200bhere\x00  now\n") == "he's here now"


def test_clean_caps_the_length() -> None:
    assert len(clean("a" * 100_000, 2000)) == 2000


def test_for_matching_expands_text_speak_and_squeezes_stretched_words() -> None:
    assert for_matching("pls HELPPP hes got a nife", frozenset({"help"})) == "please help he is got a knife"
    assert for_matching("cant talk he’ll hear") == "can not talk he will hear"
