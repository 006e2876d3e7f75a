"""Every number and link the bot states is a fact of data/facts.yml, in words that give it that fact's meaning.

Reads only the repository: the facts file, its sources (docs/sources/), domain.yml and the website's pages.
A number is checked in context: it must sit inside one of the `forms` of a fact with that value, so a right number
under the wrong name (Galop's number after "Respect Phoneline") fails. Responses also stay short.
"""

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
FACTS_FILE = yaml.safe_load((ROOT / "data" / "facts.yml").read_text())
FACTS: List[Dict[str, Any]] = FACTS_FILE["facts"]
SOURCES = {"article": ROOT / "docs" / "sources" / "article.txt", "uk-facts": ROOT / "docs" / "sources" / "uk-facts.md"}
PAGES = sorted((ROOT / "web" / "static").glob("*.html"))
NUMBER = re.compile(r"\b\d[\d ]*\d\b|\b\d+\b")
URL = re.compile(r"(?:https?://|www\.)[^\s\"'<>]*[^\s.,)\"'<>]")


def squeeze(text: str) -> str:
    return " ".join(text.split())


def article_paragraphs() -> List[str]:
    """Blocks of the article after its header (source, URL, area), 1-based: 1 is the date line."""
    blocks = [squeeze(b) for b in SOURCES["article"].read_text().split("\n\n") if b.strip()]
    return [""] + blocks[1:]


def uk_fact_rows() -> Dict[str, str]:
    rows = {}
    for line in SOURCES["uk-facts"].read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3 and not set(cells[0]) <= set("-"):
            rows[cells[0]] = squeeze(line)
    return rows


def rendered_responses() -> Iterator[Tuple[str, str]]:
    """(response[index], text) of every variation, slots filled with their initial values."""
    slots = {name: slot.get("initial_value") for name, slot in DOMAIN["slots"].items()}
    for name, variations in DOMAIN["responses"].items():
        for index, variation in enumerate(variations):
            text = re.sub(r"\{(\w+)\}", lambda m: str(slots[m.group(1)]), variation.get("text", ""))
            yield f"{name}[{index}]", text


class PageText(HTMLParser):
    """The visible text of a page (no scripts, styles or comments), and its links."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: List[str] = []
        self.links: List[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Any]]) -> None:
        self._skip += tag in ("script", "style")
        self.links += [value for name, value in attrs if name == "href" and value]

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def page(path: Path) -> PageText:
    parser = PageText()
    parser.feed(path.read_text())
    return parser


def all_texts() -> List[Tuple[str, str]]:
    texts = list(rendered_responses())
    texts += [(path.name, squeeze(" ".join(page(path).parts))) for path in PAGES]
    return texts


def form_spans(text: str, facts: List[Dict[str, Any]] = FACTS) -> Dict[Tuple[int, int], List[str]]:
    """Where each fact's forms match in a text: span -> fact ids."""
    spans: Dict[Tuple[int, int], List[str]] = {}
    for fact in facts:
        for form in fact["forms"]:
            pattern = re.escape("\0").join(form.split("{value}")).replace(re.escape("\0"), re.escape(fact["value"]))
            for match in re.finditer(pattern, text):
                spans.setdefault(match.span(), []).append(fact["id"])
    return spans


def unexplained_numbers(text: str, facts: List[Dict[str, Any]] = FACTS) -> List[str]:
    """Numbers of the text that no form of a fact with that value covers."""
    spans = form_spans(text, facts)
    by_id = {fact["id"]: fact for fact in facts}
    missing = []
    for match in NUMBER.finditer(text):
        number, (start, end) = match.group().strip(), match.span()
        covered = any(
            s <= start and end <= e and any(number in by_id[f]["value"].split() or number == by_id[f]["value"] for f in ids)
            for (s, e), ids in spans.items()
        )
        if not covered:
            missing.append(f"{number!r} at {text[max(0, start - 40) : end + 10]!r}")
    return missing


# ---- the facts file itself ----


def test_every_fact_has_a_meaning_a_source_and_forms_that_contain_its_value() -> None:
    ids = [fact["id"] for fact in FACTS]
    assert len(ids) == len(set(ids)), "fact ids must be unique"
    for fact in FACTS:
        assert fact["meaning"].strip() and fact["forms"], fact["id"]
        assert fact["source"]["doc"] in SOURCES, fact["id"]
        assert all("{value}" in form for form in fact["forms"]), fact["id"]


@pytest.mark.parametrize("item", FACTS + FACTS_FILE["claims"], ids=lambda item: item.get("id") or item["claim"][:40])
def test_every_quote_is_in_its_paragraph_or_row(item: Dict[str, Any]) -> None:
    source = item["source"]
    if source["doc"] == "article":
        where = article_paragraphs()[source["paragraph"]]
    else:
        where = uk_fact_rows()[source["row"]]
    assert squeeze(source["quote"]) in where, (source, where)


def test_every_fact_value_is_in_its_source() -> None:
    for fact in FACTS:
        source = fact["source"]
        text = article_paragraphs()[source["paragraph"]] if source["doc"] == "article" else uk_fact_rows()[source["row"]]
        assert fact["value"] in text.replace("*", "") or fact["value"] in source["quote"], fact["id"]


def test_every_claim_names_responses_that_exist() -> None:
    for claim in FACTS_FILE["claims"]:
        for name in claim["responses"]:
            assert name in DOMAIN["responses"], (claim["claim"], name)


# ---- what the bot says ----


@pytest.mark.parametrize(("where", "text"), all_texts(), ids=[where for where, _ in all_texts()])
def test_every_number_is_a_fact_in_words_that_give_its_meaning(where: str, text: str) -> None:
    assert not unexplained_numbers(text), f"{where}: {unexplained_numbers(text)}"


def test_every_link_is_a_fact() -> None:
    links = {fact["value"] for fact in FACTS if fact.get("kind") == "link"}
    found = [(where, link) for where, text in all_texts() for link in URL.findall(text)]
    found += [(path.name, link) for path in PAGES for link in page(path).links if link.startswith("http")]
    assert any(where.startswith("utter_") for where, _ in found), "the responses should link to the force's page"
    for where, link in found:
        assert re.sub(r"^https?://", "", link).rstrip("/") + "/" in {value.rstrip("/") + "/" for value in links}, (where, link)


def test_every_phone_link_of_the_pages_is_a_fact() -> None:
    numbers = {fact["value"].replace(" ", "") for fact in FACTS}
    for path in PAGES:
        for link in page(path).links:
            if link.startswith("tel:"):
                assert link[4:] in numbers, (path.name, link)


def test_the_advice_page_slot_is_the_fact() -> None:
    [fact] = [fact for fact in FACTS if fact["id"] == "force_advice_page"]
    assert DOMAIN["slots"]["force_advice_url"]["initial_value"] == fact["value"]


# ---- the check catches what it must ----


def test_a_swapped_number_fails() -> None:
    """Galop's and Respect's numbers swapped, or the Men's Advice Line under Galop's name, must fail."""
    good = "LGBT+ people can call Galop on 0800 999 5428. If you're worried, call the Respect Phoneline on 0808 802 4040."
    swapped = good.replace("0800 999 5428", "X").replace("0808 802 4040", "0800 999 5428").replace("X", "0808 802 4040")
    assert not unexplained_numbers(good)
    assert len(unexplained_numbers(swapped)) == 2
    men = "Men can call the Men's Advice Line on 0800 999 5428, and LGBT+ people can call Galop on 0808 801 0327."
    assert len(unexplained_numbers(men)) == 2


def test_a_number_in_the_wrong_role_fails() -> None:
    assert unexplained_numbers("In danger, use text relay on 18001.")  # 18001 alone is not the emergency relay
    assert unexplained_numbers("Report abuse on our textphone, 18000.")
    assert unexplained_numbers("To report abuse, press 101.")
    assert unexplained_numbers("Call the National Domestic Abuse Helpline on 0808 802 4040.")
    assert not unexplained_numbers("Call the National Domestic Abuse Helpline on 0808 2000 247.")


# ---- length ----


def test_answers_are_at_most_three_sentences() -> None:
    for where, text in rendered_responses():
        sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text) if s.strip()]
        assert len(sentences) <= 3, (where, text)


def test_no_answer_is_a_bare_link() -> None:
    for where, text in rendered_responses():
        if not URL.search(text):
            continue
        words = [w for w in URL.sub("", text).split() if any(c.isalpha() for c in w)]
        assert len(words) >= 8, (where, text)


def test_every_escalation_response_carries_the_marker_and_999() -> None:
    for name in ("utter_escalate_self", "utter_escalate_other"):
        for variation in DOMAIN["responses"][name]:
            assert variation["custom"]["escalation"] is True
            assert "999" in variation["text"]
