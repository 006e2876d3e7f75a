"""Immediate-danger language for the rule-based detector: word lists and spaCy Matcher patterns.

Patterns run over text normalised by `normalise.for_matching` ("he's" -> "he is", "cant" -> "can not",
"nife" -> "knife"), so they only need the plain spellings. Each label names a kind of danger; the
detector then drops matches that are negated, hypothetical, in the past or figurative.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Tuple

Pattern = List[Dict[str, Any]]

PERSON_SUBJECTS = {
    "he", "she", "they", "someone", "somebody", "partner", "husband", "boyfriend", "wife", "girlfriend",
    "ex", "dad", "father", "stepdad", "stepfather", "mum", "mother", "stepmum", "brother", "son", "daughter",
    "sister", "uncle", "cousin", "man", "guy", "bloke", "fella", "lad", "flatmate", "housemate", "fiance",
    "fiancee", "grandson", "nephew", "neighbour", "neighbours", "people", "men", "him", "her", "them",
}
# Who would say "X will kill me" and mean it: not bosses, teachers or parents (an idiom there).
THREATENING_SUBJECTS = {
    "he", "she", "they", "partner", "husband", "boyfriend", "wife", "girlfriend", "ex", "stepdad",
    "stepfather", "fiance", "fiancee", "someone", "somebody",
}
PERSON_NOUNS = {
    "kids", "kid", "children", "child", "baby", "babies", "son", "daughter", "mum", "mother", "sister",
    "brother", "neighbour", "neighbours", "friend", "mate", "wife", "girlfriend", "partner", "nan", "gran",
    "grandma", "dad", "father", "boy", "girl", "woman", "lady", "family", "dog", "cat", "little",
}
SELF_OBJECTS = {"me", "us", "myself"}
OTHER_OBJECTS = {"her", "him", "them", "someone", "somebody", "everyone", "woman", "girl", "lady", "man"}
DETERMINERS = {"my", "the", "our", "his", "her", "their", "a", "an", "your"}

VIOLENT_ING = {
    "hitting", "beating", "punching", "kicking", "slapping", "strangling", "choking", "throttling",
    "attacking", "hurting", "stabbing", "battering", "assaulting", "raping", "dragging", "suffocating",
    "smothering", "bashing", "thumping", "headbutting", "biting", "burning", "shooting", "killing",
    "murdering", "smacking", "pushing", "shoving", "stamping", "whacking", "hammering", "strangle",
}
VIOLENT_PARTICIPLE = {
    "hit", "beaten", "beat", "punched", "kicked", "slapped", "strangled", "choked", "throttled", "attacked",
    "hurt", "stabbed", "battered", "assaulted", "raped", "dragged", "suffocated", "smothered", "bashed",
    "shot", "killed", "murdered", "threatened", "kidnapped", "held", "headbutted", "burnt", "burned",
    "pushed", "shoved", "thrown", "threw", "smacked", "stamped",
}
WEAPONS = {
    "knife", "knives", "gun", "guns", "blade", "machete", "hammer", "bat", "axe", "weapon", "scissors",
    "screwdriver", "crowbar", "shotgun", "rifle", "pistol", "sword", "acid", "cleaver", "bottle", "iron",
    "bar", "pole", "brick", "stick", "crossbow", "petrol", "lighter", "spanner", "poker",
}
BRANDISH = {
    "has", "have", "got", "holding", "holds", "held", "grabbed", "grabbing", "pulled", "pulling", "picked",
    "waving", "waved", "pointing", "pointed", "brandishing", "wielding", "threatening", "threatened",
    "with", "carrying", "took", "taking", "getting", "fetching", "fetched", "swinging", "hold",
}
BODY = {"throat", "neck", "head", "face", "chest", "back", "stomach", "belly", "side", "me", "her", "him"}
# Harm to oneself: taking a whole supply of medicine (now, or about to: "I take all my meds at night" is routine).
SWALLOWING = {"taking", "swallowing", "necking"}
PILLS = {"pills", "tablets", "paracetamol", "meds", "medication", "painkillers", "sleeping"}
KILL = {"kill", "murder", "stab", "shoot", "strangle", "hurt", "end", "batter"}
THREAT_VERBS = {"threatening", "threatened", "threatens", "says", "saying", "swears", "swearing", "screaming", "shouting", "yelling", "told", "keeps", "going", "gonna", "promising", "vowing"}
ENTRY_PLACES = {"door", "doors", "window", "windows", "house", "home", "flat", "place", "room", "bedroom", "bathroom", "gate", "fence", "garden", "stairs"}
FEAR = {"fear", "fearing", "scared", "afraid", "terrified", "frightened", "worried"}
PERFECT = {"is", "has", "have"}  # "he's dragged me": "he's" is normalised to "he is"


def _in(words: Iterable[str], op: str = "") -> Dict[str, Any]:
    spec: Dict[str, Any] = {"LOWER": {"IN": sorted(words)}}
    if op:
        spec["OP"] = op
    return spec


def _word(word: str, op: str = "") -> Dict[str, Any]:
    return _in([word], op)


_GAP = {"OP": "?"}  # any one optional token
_OBJECT = [_in(SELF_OBJECTS | OTHER_OBJECTS)]
_ALL_THE_PILLS = [
    _in({"all", "every", "loads", "lots"}), _in({"my", "the", "of", "these", "those"}, "?"), _in({"my", "the"}, "?"), _in(PILLS | {"them"}),
]
_OBJECT_NOUN = [_in(DETERMINERS), _in({"little", "young", "baby", "poor", "old", "elderly"}, "?"), _in(PERSON_NOUNS)]


@dataclass(frozen=True)
class Rule:
    """One Matcher pattern, the kind of danger it names, and messages it must catch (tests/unit)."""

    name: str
    label: str
    pattern: Pattern
    examples: Tuple[str, ...]


RULES: List[Rule] = [
    # attack_now: violence going on as the message is written
    Rule("violent-ing-person", "attack_now", [_in(VIOLENT_ING), *_OBJECT],
         ("pls help hes hitting me", "he is strangling her on the landing")),
    Rule("violent-ing-noun", "attack_now", [_in(VIOLENT_ING), *_OBJECT_NOUN],
         ("my husband is punching my little boy",)),
    Rule("is-violent-ing", "attack_now",
         [_in({"is", "are", "keeps", "keep", "started", "starting"}), _in({"just", "really", "still"}, "?"), _in(VIOLENT_ING)],
         ("he is still kicking me",)),
    Rule("throwing-things", "attack_now", [_in({"throwing", "chucking", "smashing"}), _GAP, _GAP, _in({"at", "up", "around"})],
         ("hes throwing plates at me",)),
    Rule("smashing-things", "attack_now",
         [_in({"smashing", "breaking", "wrecking", "trashing", "destroying"}),
          _in({"things", "stuff", "everything", "up", "my", "our", "every", "windows", "furniture"})],
         ("hes smashing everything in the kitchen",)),
    Rule("being-attacked", "being_attacked", [_word("being"), _in(VIOLENT_PARTICIPLE)],
         ("my neighbour is being attacked",)),
    Rule("just-attacked", "just_attacked", [_word("just"), _in(VIOLENT_PARTICIPLE)], ("he just stabbed me",)),
    Rule("has-attacked", "just_attacked", [_in(PERFECT), _in(VIOLENT_PARTICIPLE), *_OBJECT],
         ("tonight he's dragged me by my hair into the kitchen",)),
    Rule("just-been-attacked", "just_attacked", [_word("just"), _in({"been", "got", "had"}), _in(VIOLENT_PARTICIPLE)],
         ("ive just been punched by my boyfriend",)),
    # weapon: a weapon held or used against someone
    Rule("brandishing-weapon", "weapon", [_in(BRANDISH), _in(DETERMINERS | {"another"}, "?"), _GAP, _in(WEAPONS)],
         ("he's got a knife", "hes holding the hammer over me")),
    Rule("weapon-to-body", "weapon", [_in(WEAPONS), _in({"to", "at", "against", "in", "on"}), _in(DETERMINERS, "?"), _in(BODY)],
         ("knife to my throat",)),
    Rule("is-armed", "weapon", [_in({"is", "are"}), _word("armed")], ("my ex is armed and outside",)),
    # strangulation
    Rule("hands-round-neck", "strangulation",
         [_in({"hands", "hand", "arm", "arms", "belt", "rope", "cord"}), _in({"around", "round", "on"}), _in(DETERMINERS),
          _in({"neck", "throat"})],
         ("he put his hands around my neck",)),
    Rule("strangling", "strangulation", [_in({"strangling", "throttling", "strangle", "suffocating"})],
         ("helppp hes strangling me on the landing",)),
    Rule("squeezing-neck", "strangulation",
         [_in({"squeezing", "grabbing", "holding", "pinning", "crushing"}), _in(DETERMINERS | SELF_OBJECTS), _GAP,
          _in({"neck", "throat", "chest"})],
         ("he's squeezing my throat every time i try to move",)),
    Rule("held-by-the-throat", "strangulation",
         [_in({"got", "has", "have", "holding", "grabbed", "pinned", "pinning"}), _in(SELF_OBJECTS | OTHER_OBJECTS),
          _in({"by", "in", "against", "down", "to"}), _in(DETERMINERS, "?"),
          _in({"throat", "neck", "hair", "headlock", "chokehold", "wall", "floor", "ground", "bed"})],
         ("he has me by the throat", "he's pinned her against the wall")),
    # threat_to_kill
    Rule("threatening-to-kill", "threat_to_kill",
         [_in(THREAT_VERBS), _GAP, _GAP, _GAP, _GAP, _in(KILL), _in(SELF_OBJECTS | OTHER_OBJECTS | DETERMINERS | {"everyone", "himself"})],
         ("he says he's going to kill me",)),
    Rule("will-kill", "threat_to_kill",
         [_in(THREATENING_SUBJECTS), _in({"will", "is", "would", "wants", "want"}), _GAP, _GAP, _in({"kill", "murder", "stab", "shoot"})],
         ("he is going to kill me tonight",)),
    Rule("afraid-he-will-kill", "threat_to_kill", [_in(FEAR), _GAP, _GAP, _GAP, _in({"kill", "murder", "stab", "shoot"}), _in(SELF_OBJECTS)],
         ("im scared he will kill me",)),
    Rule("finish-me-off", "threat_to_kill",
         [_in({"finish", "finishing"}), _in(SELF_OBJECTS | OTHER_OBJECTS | {"what"}), _in({"off"} | THREATENING_SUBJECTS),
          _in({"started", "start", "begun"}, "?")],
         ("he said he's coming back to finish me off", "she's on her way to finish what she started")),
    # intruder: an abuser getting in now
    Rule("abuser-at-the-door", "intruder",
         [_in(THREATENING_SUBJECTS), _in({"is", "are"}), _in({"at", "outside"}), _in(DETERMINERS, "?"),
          _in({"front", "back"}, "?"), _in({"door", "doors", "window", "windows", "gate"})],
         ("he's at the door", "my ex is at the back window")),
    Rule("abuser-outside", "intruder",
         [_in(THREATENING_SUBJECTS), _in({"is", "are"}), _word("outside"), _in(DETERMINERS, "?"),
          _in({"house", "home", "flat", "place", "refuge", "work", "bedroom", "bathroom"}, "?"), _in({"now", "right", "again"})],
         ("my ex is outside the house now",)),
    Rule("trying-to-get-in", "intruder",
         [_in({"trying", "tried", "try", "wants", "want"}), _word("to"), _in({"get", "break", "kick", "force", "smash", "climb", "bust"}),
          _in({"in", "into", "down", "through"})],
         ("HE IS TRYING TO GET IN",)),
    Rule("breaking-in", "intruder",
         [_in({"breaking", "kicking", "smashing", "bashing", "forcing"}), _in({"in", "down", "into", "through"})],
         ("hes kicking down the door",)),
    Rule("breaking-the-door", "intruder",
         [_in({"breaking", "kicking", "smashing", "bashing", "forcing", "banging", "hammering", "pounding", "booting"}),
          _in({"on", "at"}, "?"), _in(DETERMINERS), _in({"front", "back"}, "?"), _in(ENTRY_PLACES)],
         ("my ex is banging on the door screaming",)),
    # hiding: the user hiding from someone, or unable to talk because of them
    Rule("hiding-from", "hiding", [_word("hiding"), _in({"in", "from", "under", "behind", "inside"})],
         ("im hiding in the wardrobe",)),
    Rule("locked-in-room", "hiding",
         [_in({"locked", "barricaded", "shut"}), _in({"myself", "me", "us", "ourselves"}), _in({"in", "inside"}), _in(DETERMINERS, "?"),
          _in({"bathroom", "toilet", "room", "bedroom", "car", "loo", "cupboard", "shed"})],
         ("ive locked myself in the bathroom hes going mad", "he has locked me in the shed")),
    Rule("he-will-hear", "hiding",
         [_in(THREATENING_SUBJECTS), _in({"will", "would", "might", "could", "can", "is"}), _word("going", "?"),
          _word("to", "?"), _in({"hear", "catch"}), _in(SELF_OBJECTS | {"us"}, "?")],
         ("shh he will hear me",)),
    Rule("cant-talk-because-of-him", "hiding",
         [_word("can"), _word("not"), _in({"talk", "speak", "call", "phone", "ring"}), {"IS_PUNCT": True, "OP": "?"},
          _in(THREATENING_SUBJECTS | {"because", "loud"})],
         ("cant talk because he is downstairs listening",)),
    # urgent_help: an explicit call for help now
    Rule("help-me-now", "urgent_help",
         [_word("help"), _word("me", "?"), _in({"now", "quick", "quickly", "urgently", "immediately"})],
         ("help me now",)),
    Rule("send-police", "urgent_help",
         [_word("send"), _in({"the", "someone", "help", "police", "officer", "officers", "ambulance"}),
          _in({"police", "now", "here", "quick", "quickly", "round", "please", "asap"}, "?"), _in({"now", "here", "quick", "please", "round"})],
         ("send police now",)),
    Rule("call-police-for-me", "urgent_help",
         [_in({"call", "ring", "phone", "get"}), _word("the", "?"), _word("police"), _word("for"), _in(SELF_OBJECTS | OTHER_OBJECTS)],
         ("can you call the police for me",)),
    Rule("need-police-now", "urgent_help",
         [_in({"need", "want"}), _word("the", "?"), _in({"police", "help", "ambulance", "someone"}),
          _in({"now", "immediately", "urgently", "quick", "quickly", "here", "asap"})],
         ("i need the police here",)),
    # fear_for_life
    Rule("fear-for-life", "fear_for_life",
         [_in(FEAR), _word("for"), _in({"my", "our", "her", "his", "their"}), _in({"life", "lives", "safety"})],
         ("i fear for my life he's drunk and raging",)),
    Rule("going-to-die", "fear_for_life", [_in({"am", "are", "is"}), _word("going"), _word("to"), _word("die")],
         ("i think i am going to die",)),
    Rule("going-to-be-killed", "fear_for_life",
         [_in({"am", "are", "is"}), _word("going"), _word("to"), _word("be"), _in({"killed", "murdered", "stabbed", "shot"})],
         ("im going to be killed tonight",)),
    # injured
    Rule("bleeding", "injured", [_in({"am", "is", "are"}), _in({"bleeding", "unconscious", "injured"})], ("i am bleeding",)),
    Rule("cant-breathe", "injured", [_word("can"), _word("not"), _in({"breathe", "breathing"})],
         ("he's on top of me i cant breathe",)),
    Rule("knocked-out", "injured", [_in({"passed", "knocked"}), _word("out"), _in({"of"}, "!")],
         ("she's knocked out on the floor",)),
    # self_harm
    Rule("kill-myself", "self_harm",
         [_in({"kill", "killing", "hurt", "hurting", "harm", "harming"}), _word("myself")], ("im going to kill myself",)),
    Rule("end-my-life", "self_harm", [_in({"end", "ending", "take", "taking"}), _word("my"), _word("own", "?"), _word("life")],
         ("i am going to end my life tonight",)),
    Rule("suicidal", "self_harm", [_in({"suicide", "suicidal"})], ("feeling suicidal",)),
    Rule("want-to-die", "self_harm", [_word("want"), _word("to"), _word("die")], ("i want to die",)),
    Rule("taken-pills", "self_harm",
         [_in({"swallowed", "taken", "took", "overdosed"}), _in({"all", "too", "loads", "whole", "every", "lots", "a"}), _GAP, _GAP,
          _in({"tablets", "pills", "paracetamol", "packet", "bottle"})],
         ("ive taken all my tablets",)),
    Rule("overdose", "self_harm", [_in({"taken", "took", "taking", "take", "had", "done", "doing"}), _in({"an", "a"}, "?"), _in({"overdose", "od"})],
         ("i've just taken an overdose",)),
    Rule("pills-lined-up", "self_harm", [_in(PILLS), _GAP, _in({"lined", "counted"})],
         ("got the tablets all lined up on the table",)),
    Rule("taking-all-the-pills", "self_harm", [_in(SWALLOWING), *_ALL_THE_PILLS], ("swallowing all my tablets",)),
    Rule("will-take-all-the-pills", "self_harm", [_in({"to", "gonna", "will"}), _in({"take", "swallow", "neck"}), *_ALL_THE_PILLS],
         ("im going to take all my pills tonight",)),
    Rule("taking-the-whole-packet", "self_harm",
         [_in(SWALLOWING | {"take", "swallow", "neck"}), _word("the"), _word("whole"), _in(PILLS | {"packet", "bottle", "box", "lot"})],
         ("swallowing the whole packet now",)),
    Rule("cutting-myself", "self_harm", [_in({"cutting", "slitting", "slashing"}), _word("myself")], ("im cutting myself again",)),
    Rule("cut-wrists", "self_harm", [_in({"cut", "cutting", "slit", "slitting", "slashed", "slash"}), _word("my"), _in({"wrists", "wrist", "throat"})],
         ("ive cut my wrists",)),
    Rule("noose", "self_harm", [_in({"noose", "ligature"})], ("the noose is ready",)),
    Rule("jumping-off", "self_harm",
         [_in({"jump", "jumping", "throw", "throwing"}), _in({"off", "myself", "in"}), _GAP, _GAP,
          _in({"bridge", "building", "roof", "cliff", "multistorey", "train", "car", "motorway", "balcony", "front"})],
         ("im going to jump off the bridge",)),
    # screaming_nearby: someone else in trouble, heard
    Rule("hear-screaming", "screaming_nearby",
         [_in({"hear", "hearing", "heard", "hears"}), _GAP, _GAP, _GAP,
          _in({"screaming", "scream", "screams", "screeching", "banging", "crying", "cry", "thuds", "thud", "thumping", "smashing",
               "yelling", "crash", "begging"})],
         ("i can hear screaming next door",)),
    Rule("screaming-for-help", "screaming_nearby", [_in({"screaming", "crying", "shouting", "begging"}), _word("for"), _word("help")],
         ("a woman is screaming for help outside",)),
]
PATTERNS: Dict[str, List[Pattern]] = {rule.name: [rule.pattern] for rule in RULES}
LABEL_OF = {rule.name: rule.label for rule in RULES}


MATCHER_VOCABULARY = frozenset().union(
    PERSON_SUBJECTS, PERSON_NOUNS, VIOLENT_ING, VIOLENT_PARTICIPLE, WEAPONS, BRANDISH, BODY, KILL, ENTRY_PLACES,
    FEAR, {"help", "please", "police", "door", "now", "screaming", "hiding", "bleeding", "breathe", "emergency"},
)
