"""The rule-based detector of immediate danger: spaCy's Matcher over normalised text, with the context that places a
match in time or makes it ordinary (components/danger_context.py). The gate (components/danger.py) decides with it and
the danger classifier; the channels' check at the edge (channels/edge.py) runs it alone."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Set, Tuple

import spacy
from spacy.matcher import Matcher
from spacy.tokens import Doc

from components import danger_context
from components import danger_patterns as lexicon
from components.normalise import for_matching

WINDOW = 5  # tokens before a match that are checked for negation and hypotheticals
YEAR = re.compile(r"(19|20)\d\d")


@dataclass
class RuleVerdict:
    """What the rule-based detector found in one message."""

    fired: bool
    labels: List[str] = field(default_factory=list)
    subject: Optional[str] = None  # "self" or "other"
    evidence: List[str] = field(default_factory=list)
    says_safe: bool = False  # the message says the danger is over ("I'm safe now, he left")
    rules: List[str] = field(default_factory=list)  # names of the patterns that fired (danger_patterns.RULES)


class DangerRules:
    """Finds immediate-danger language with spaCy's Matcher over normalised text."""

    def __init__(self) -> None:
        self._nlp = spacy.blank("en")
        self._matcher = Matcher(self._nlp.vocab)
        for label, patterns in lexicon.PATTERNS.items():
            self._matcher.add(label, patterns)

    def detect(self, text: str) -> RuleVerdict:
        """Return the verdict for one message."""
        normalised = for_matching(text, lexicon.MATCHER_VOCABULARY)
        doc = self._nlp.make_doc(normalised)
        says_safe = bool(danger_context.SAFE_PHRASES.search(normalised))
        if says_safe or danger_context.NOT_NOW.search(normalised) or {t.text for t in doc} & danger_context.FICTION:
            return RuleVerdict(False, says_safe=says_safe)
        clauses = self._clauses(doc)
        kept = [
            (name, start, end)
            for name, start, end in ((self._nlp.vocab.strings[m], s, e) for m, s, e in self._matcher(doc))
            if not self._is_discounted(doc, lexicon.LABEL_OF[name], start, end)
            and self._happening_now(doc[clauses[start][0] : clauses[start][1]], lexicon.LABEL_OF[name])
        ]
        if not kept:
            return RuleVerdict(False)
        spans = [(lexicon.LABEL_OF[name], start, end) for name, start, end in kept]
        return RuleVerdict(
            True,
            sorted({label for label, _, _ in spans}),
            self._subject(doc, spans),
            [doc[start:end].text for _, start, end in kept],
            False,
            sorted({name for name, _, _ in kept}),
        )

    @staticmethod
    def _clauses(doc: Doc) -> List[Tuple[int, int]]:
        """For each token, the (start, end) of its clause: text between punctuation and joining words."""
        bounds, start = [], 0
        for i, token in enumerate(doc):
            on_and_off = token.text == "and" and doc[i - 1 : i].text == "on" and doc[i + 1 : i + 2].text == "off"
            a_while = token.text == "while" and doc[i - 1 : i].text == "a"
            # ", throwing things at me": a participle after a comma continues its clause, and its time
            listing = token.text == "," and doc[i + 1 : i + 2].text.endswith("ing")
            if (token.text in danger_context.CLAUSE_BREAKS and not (on_and_off or a_while)) or (token.is_punct and not listing):
                bounds += [(start, i)] * (i - start) + [(i, i + 1)]
                start = i + 1
        return bounds + [(start, len(doc))] * (len(doc) - start)

    @staticmethod
    def _happening_now(clause: Doc, label: str) -> bool:
        """A clause is about now unless it is hypothetical, or in the past or habitual with nothing placing it now."""
        words = DangerRules._now_words(clause)
        duration = danger_context.DURATION.search(clause.text)
        if duration:  # "for a while now": its "now" places nothing
            words -= set(duration.group().split()) - {"for"}
        if words & danger_context.HYPOTHETICAL:
            return False
        # "I keep hearing shouting next door" tells of something that recurs.
        ongoing = (label == "screaming_nearby" and bool(words & {"keep", "keeps"})) or (
            label == "attack_now" and bool(words & danger_context.STARTED)
        )
        past = (
            words & (danger_context.PAST_MARKERS | danger_context.HABITUAL_MARKERS)
            or ongoing
            or duration
            or any(YEAR.fullmatch(w) for w in words)
        )
        return not past or bool(words & danger_context.PRESENT_MARKERS)

    @staticmethod
    def _is_discounted(doc: Doc, label: str, start: int, end: int) -> bool:
        """A match that is negated, hypothetical or figurative does not count."""
        before = {token.text for token in doc[max(0, start - WINDOW) : start]}
        context = {token.text for token in doc[max(0, start - 2 * WINDOW) : start]}
        words = [token.text for token in doc[start:end]]
        if {token.text for token in doc[max(0, start - 3) : start]} & danger_context.NEGATIONS:
            return True
        subject = DangerRules._nearest_subject(doc, start)
        clause = {token.text for token in doc[max(0, start - WINDOW) : end + WINDOW]}
        if label in ("attack_now", "weapon", "strangulation", "just_attacked") and clause & danger_context.REFLEXIVE:
            return True  # "she keeps stabbing herself in the leg with the needles"
        if (
            label in ("attack_now", "being_attacked")
            and (
                context & danger_context.SUSPICION
                or danger_context.SUSPECTING.search(doc[max(0, start - 2 * WINDOW) : start].text)
            )
            and not {t.text for t in doc} & danger_context.NOW
        ):
            return True  # "i'm worried my sister's husband is hurting her", but not "... hurting her right now"
        if label == "self_harm" and words[0] == "to" and start > 0 and doc[start - 1].text in danger_context.OBLIGED:
            return True  # "you have to take all the tablets the doctor gives you"
        if label in ("threat_to_kill", "fear_for_life") and end < len(doc) and doc[end].text in danger_context.IDIOM_NEXT:
            return True  # "he'd kill for a brew", "I'm going to die of boredom"
        if words[0] == "hiding" and not clause & {"i", "we", "me", "us", "myself"}:
            return True  # "the kids are hiding under the sofa cushions"
        if words[0] in lexicon.PERFECT and start > 0 and doc[start - 1].text in {"i", "we"}:
            return True  # "I've grabbed her arm when I've had a drink": the writer's own acts, told
        if label == "urgent_help" and doc[max(0, start - 2) : start].text in danger_context.ASKING_WHAT_POLICE_DO:
            return True  # "do they send someone round when you report?"
        following = doc[end].text if end < len(doc) else ""
        if label == "attack_now" and following == "off":
            return True  # "the kids are kicking off about bedtime"
        if label == "attack_now" and DangerRules._told(doc, words, start, end):
            return True  # "my partner has been hitting me", "he's pushing me about": what goes on, told
        if label == "intruder" and following in danger_context.ERRANDS:
            return True  # "my ex is at the door dropping the kids back"
        if label == "weapon" and {token.text for token in doc} & danger_context.COOKING:
            return True  # "he's got every knife out on the worktop cooking tea"
        if label in ("attack_now", "being_attacked", "just_attacked") and subject in danger_context.FIGURATIVE_SUBJECTS:
            return True  # "my cat keeps attacking my feet", but not "he's back and he's hitting me"
        if start > 0 and doc[start - 1].text in {"for", "about", "of"} and label == "attack_now":
            return True  # "can I report my dad for hitting me": the offence named, not happening
        if label == "attack_now" and DangerRules._told_about(doc, start):
            return True  # "she posted something about her boyfriend hurting her"
        if words[0] in lexicon.BRANDISH and set(words) & lexicon.WEAPONS and not context & lexicon.PERSON_SUBJECTS:
            return True  # "how do I carve a turkey with an electric knife"
        if label == "threat_to_kill" and not (context | set(words)) & lexicon.THREATENING_SUBJECTS:
            return True  # "my sister is going to kill me when she sees I borrowed her top"
        if label == "injured" and {token.text for token in doc} & danger_context.ILLNESS_CONTEXT:
            return True  # "I can't breathe through my nose with this cold"
        if set(words) & danger_context.NEEDS_PERSON_SUBJECT:
            # "this film is killing me", "he keeps beating me at chess"
            people = lexicon.PERSON_SUBJECTS | ({"i", "we"} if "bleeding" in words else set())
            if subject in danger_context.FIGURATIVE_SUBJECTS or not before & people:
                return True
            following = {token.text for token in doc[end : end + 2]}
            if "at" in following:
                return True
        weapon_next = doc[end].text if end < len(doc) else ""
        return bool(set(words) & lexicon.WEAPONS) and weapon_next in danger_context.WEAPON_NOT_A_THREAT

    @staticmethod
    def _told(doc: Doc, words: List[str], start: int, end: int) -> bool:
        """'Has been hitting me', 'pushing me about' or 'shoving her around' (how someone is treated; 'pushing me
        around the kitchen' is an attack), with nothing in the message saying it still goes on ('won't stop', 'now')."""
        if DangerRules._still_happening(doc):
            return False
        if "been" in {token.text for token in doc[max(0, start - 2) : start]}:
            return True
        after = [token.text for token in doc[end : end + 3]] + ["", "", ""]
        particle = next((i for i in (0, 1) if after[i] in {"about", "around"}), None)
        place_follows = particle is not None and after[particle + 1] in lexicon.DETERMINERS
        return bool(set(words) & danger_context.PUSHING) and particle is not None and not place_follows

    @staticmethod
    def _now_words(span: Doc) -> Set[str]:
        """The words of a span, but "help" only as a plea ("please help", "help me"), not as a deed ("when I help her"),
        and "still" only of what goes on, not of a way of living ("he still lives at home")."""
        helping = {i for i, token in enumerate(span) if token.text == "help" and i and span[i - 1].text in danger_context.HELPERS}
        living = {i for i, token in enumerate(span[:-1]) if token.text == "still" and span[i + 1].text in danger_context.LIVING}
        return {token.text for i, token in enumerate(span) if i not in helping | living}

    @staticmethod
    def _still_happening(doc: Doc) -> bool:
        """Whether anything in the message says it goes on now ("won't stop", "now", "please")."""
        return bool(DangerRules._now_words(doc) & danger_context.STILL_HAPPENING)

    @staticmethod
    def _told_about(doc: Doc, start: int) -> bool:
        """'About my daughter-in-law hitting my son': what someone did, named after 'about', with nothing in the
        message saying it goes on now."""
        for about in range(max(0, start - 7), start - 1):
            between = doc[about + 1 : start]
            if doc[about].text == "about" and between[0].text in lexicon.DETERMINERS:
                words = {token.text for token in between}
                return not words & {",", ".", "and", "but"} and not DangerRules._still_happening(doc)
        return False

    @staticmethod
    def _nearest_subject(doc: Doc, start: int) -> Optional[str]:
        """The closest word before a match that names a person or a figurative subject ("film", "feet")."""
        candidates = lexicon.PERSON_SUBJECTS | danger_context.FIGURATIVE_SUBJECTS
        return next((t.text for t in reversed(doc[max(0, start - WINDOW) : start]) if t.text in candidates), None)

    @staticmethod
    def _subject(doc: Doc, spans: List[Tuple[str, int, int]]) -> Optional[str]:
        """Whether the person in danger is the user ("self") or someone else ("other"), if the words tell."""
        spans = [span for span in spans if span[0] != "urgent_help"]  # "send someone" names a helper, not a victim
        window = [token.text for _, start, end in spans for token in doc[max(0, start - 2) : end + 2]]
        matched = set(window)
        my_body = any(a == "my" and b in lexicon.BODY for a, b in zip(window, window[1:], strict=False))
        if matched & lexicon.SELF_OBJECTS or my_body:
            return "self"
        if {label for label, _, _ in spans} == {"screaming_nearby"} or matched & (lexicon.OTHER_OBJECTS | lexicon.PERSON_NOUNS):
            return "other"
        return None
