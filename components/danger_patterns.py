"""Immediate-danger language for the rule-based detector: word lists and spaCy Matcher patterns.

Patterns run over text normalised by `normalise.for_matching` ("he's" -> "he is", "cant" -> "can not",
"nife" -> "knife"), so they only need the plain spellings. Each label names a kind of danger; the
detector then drops matches that are negated, hypothetical, in the past or figurative.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List

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
WEAPON_NOT_A_THREAT = {
    "sharpening", "sharpener", "sharpen", "set", "sets", "block", "collection", "skills", "skill", "crime",
    "crimes", "amnesty", "licence", "license", "law", "laws", "safety", "drawer", "rack", "shop", "store",
    "holder", "club", "range", "recipe", "recipes", "tips", "review", "game", "sale", "control", "violence",
}
BODY = {"throat", "neck", "head", "face", "chest", "back", "stomach", "belly", "side", "me", "her", "him"}
KILL = {"kill", "murder", "stab", "shoot", "strangle", "hurt", "end", "batter"}
THREAT_VERBS = {"threatening", "threatened", "threatens", "says", "saying", "swears", "swearing", "screaming", "shouting", "yelling", "told", "keeps", "going", "gonna", "promising", "vowing"}
ENTRY_PLACES = {"door", "doors", "window", "windows", "house", "home", "flat", "place", "room", "bedroom", "bathroom", "gate", "fence", "garden", "stairs"}
FEAR = {"fear", "fearing", "scared", "afraid", "terrified", "frightened", "worried"}

# Words that mark a match as in the past, hypothetical or negated, and words that pull it back to now.
PAST_MARKERS = {"yesterday", "ago", "previously", "used", "last", "years", "months", "weeks", "once", "past", "childhood", "were", "was", "since", "earlier"}
# What happens often but is not said to be happening now ("most nights I hear banging next door").
HABITUAL_MARKERS = {"nights", "always", "often", "sometimes", "usually", "regularly", "constantly", "weekends"}
# Asking about reporting something that is over: "can I still report it", "is it too late to tell the police".
REPORTING_THE_PAST = re.compile(r"\b((can|could) i still (report|tell|go to)|too late to (report|tell|go)|report (him|her|them|my \w+) for)\b")
PRESENT_MARKERS = {"now", "right", "currently", "still", "tonight", "again", "here", "coming", "quick", "quickly", "help", "please", "moment", "today"}
NEGATIONS = {"not", "never", "no", "nobody", "nothing", "stopped", "stop", "stops", "without", "longer"}
HYPOTHETICAL = {"if", "whenever", "case", "suppose", "imagine", "hypothetically"}
# A whole message that says the danger is over ("I'm safe now, he left") outweighs matches of the weaker labels.
SAFE_PHRASES = re.compile(
    r"\b(i am safe|safe now|am safe|(he|she|they) (has|have) (gone|left)|(he|she|they) (is|are) gone( now|$| and| for)|"
    r"(he|she|they) left|moved out|i left (him|her)|not in danger|safe place|(he|she) is in prison|locked up|"
    r"was arrested|been arrested|took him away|not happening now|restraining order|can not find me|"
    r"i am (okay|ok|fine) now|asking for a friend|not hurting me|never (hit|hurt) me|not in any danger|is safe now|"
    r"(he|she|they) (is|are) (not here|not home|not in|at work|away)|(he|she|they) (is|are) out (at|till|until|for))\b"
)
FIGURATIVE_SUBJECTS = {
    "film", "movie", "show", "heat", "feet", "back", "legs", "head", "homework", "work", "job", "traffic",
    "exam", "exams", "song", "game", "this", "it", "that", "these", "laughing", "laughter", "joke", "jokes",
    "boss", "teacher", "hangover", "shoes", "knees", "weather", "cold", "series", "episode", "book", "team",
    "landlord", "deadlines", "cat", "dog", "puppy", "kitten", "toddler", "pets",
}


def _in(words: Iterable[str], op: str = "") -> Dict[str, Any]:
    spec: Dict[str, Any] = {"LOWER": {"IN": sorted(words)}}
    if op:
        spec["OP"] = op
    return spec


def _word(word: str, op: str = "") -> Dict[str, Any]:
    return _in([word], op)


_GAP = {"OP": "?"}  # any one optional token
_OBJECT = [_in(SELF_OBJECTS | OTHER_OBJECTS)]
_OBJECT_NOUN = [_in(DETERMINERS), _in({"little", "young", "baby", "poor", "old", "elderly"}, "?"), _in(PERSON_NOUNS)]

PATTERNS: Dict[str, List[Pattern]] = {
    "attack_now": [
        [_in(VIOLENT_ING), *_OBJECT],
        [_in(VIOLENT_ING), *_OBJECT_NOUN],
        [_in({"is", "are", "keeps", "keep", "started", "starting"}), _in({"just", "really", "still"}, "?"), _in(VIOLENT_ING)],
        [_in({"throwing", "chucking", "smashing"}), _GAP, _GAP, _in({"at", "up", "around"})],
        [_in({"smashing", "breaking", "wrecking", "trashing", "destroying"}), _in({"things", "stuff", "everything", "up", "my", "our", "every", "windows", "furniture"})],
    ],
    "being_attacked": [[_word("being"), _in(VIOLENT_PARTICIPLE)]],
    "just_attacked": [
        [_word("just"), _in(VIOLENT_PARTICIPLE)],
        [_word("just"), _in({"been", "got", "had"}), _in(VIOLENT_PARTICIPLE)],
    ],
    "weapon": [
        [_in(BRANDISH), _in(DETERMINERS | {"another"}, "?"), _GAP, _in(WEAPONS)],
        [_in(WEAPONS), _in({"to", "at", "against", "in", "on"}), _in(DETERMINERS, "?"), _in(BODY)],
        [_in({"is", "are"}), _word("armed")],
    ],
    "strangulation": [
        [_in({"hands", "hand", "arm", "arms", "belt", "rope", "cord"}), _in({"around", "round", "on"}), _in(DETERMINERS), _in({"neck", "throat"})],
        [_in({"strangling", "throttling", "strangle", "suffocating"})],
        [_in({"squeezing", "grabbing", "holding", "pinning", "crushing"}), _in(DETERMINERS | SELF_OBJECTS), _GAP, _in({"neck", "throat", "chest"})],
        [_in({"got", "has", "have", "holding", "grabbed", "pinned", "pinning"}), _in(SELF_OBJECTS | OTHER_OBJECTS), _in({"by", "in", "against", "down", "to"}), _in(DETERMINERS, "?"), _in({"throat", "neck", "hair", "headlock", "chokehold", "wall", "floor", "ground", "bed"})],
    ],
    "threat_to_kill": [
        [_in(THREAT_VERBS), _GAP, _GAP, _GAP, _GAP, _in(KILL), _in(SELF_OBJECTS | OTHER_OBJECTS | DETERMINERS | {"everyone", "himself"})],
        [_in(THREATENING_SUBJECTS), _in({"will", "is", "would", "wants", "want"}), _GAP, _GAP, _in({"kill", "murder", "stab", "shoot"})],
        [_in(FEAR), _GAP, _GAP, _GAP, _in({"kill", "murder", "stab", "shoot"}), _in(SELF_OBJECTS)],
    ],
    "intruder": [
        [_in({"is", "are"}), _in({"at", "outside", "in"}), _in(DETERMINERS, "?"), _in({"front", "back"}, "?"), _in(ENTRY_PLACES)],
        [_in({"trying", "tried", "try", "wants", "want"}), _word("to"), _in({"get", "break", "kick", "force", "smash", "climb", "bust", "come"}), _in({"in", "into", "down", "through"})],
        [_in({"breaking", "kicking", "smashing", "bashing", "forcing", "kicked", "smashed", "broke"}), _in({"in", "down", "into", "through"})],
        [_in({"breaking", "kicking", "smashing", "bashing", "forcing", "banging", "hammering", "pounding", "booting"}), _in({"on", "at"}, "?"), _in(DETERMINERS), _in({"front", "back"}, "?"), _in(ENTRY_PLACES)],
        [_word("broken"), _word("in")],
    ],
    "hiding": [
        [_word("hiding"), _in({"in", "from", "under", "behind", "inside"})],
        [_word("locked"), _word("myself", "?"), _word("in"), _in(DETERMINERS, "?"), _in({"bathroom", "toilet", "room", "bedroom", "car", "loo", "cupboard", "shed"})],
        [_in(THREATENING_SUBJECTS), _in({"will", "would", "might", "could", "can", "is"}), _in({"hear", "catch", "going"}), _in({"to"}, "?"), _in({"hear", "catch"}, "?")],
        [_word("can"), _word("not"), _in({"talk", "speak", "call", "phone", "ring"}), {"IS_PUNCT": True, "OP": "?"}, _in(THREATENING_SUBJECTS | {"because", "right", "he", "in", "out", "loud"})],
    ],
    "urgent_help": [
        [_word("help"), _word("me", "?"), _in({"now", "quick", "quickly", "please", "urgently", "immediately"})],
        [_word("send"), _in({"the", "a", "an", "someone", "some", "help", "police", "officer", "officers", "ambulance", "car"})],
        [_in({"call", "ring", "phone", "get"}), _word("the", "?"), _word("police"), _word("for"), _in(SELF_OBJECTS | OTHER_OBJECTS)],
        [_in({"need", "want"}), _word("the", "?"), _in({"police", "help", "ambulance", "someone"}), _in({"now", "right", "immediately", "urgently", "quick", "quickly", "here", "asap"})],
        [_in({"is", "this"}), _word("an"), _word("emergency")],
        [_word("emergency"), _word("now")],
    ],
    "fear_for_life": [
        [_in(FEAR), _word("for"), _in({"my", "our", "her", "his", "their"}), _in({"life", "lives", "safety"})],
        [_in({"am", "are", "is"}), _word("going"), _word("to"), _word("die")],
        [_in({"am", "are", "is"}), _word("going"), _word("to"), _word("be"), _in({"killed", "murdered", "stabbed", "shot"})],
    ],
    "injured": [
        [_in({"am", "is", "are"}), _in({"bleeding", "unconscious", "injured"})],
        [_word("can"), _word("not"), _in({"breathe", "breathing", "move", "get"}), _in({"out", "away"}, "?")],
        [_in({"passed", "knocked"}), _word("out"), _in({"of"}, "!")],
    ],
    "self_harm": [
        [_in({"kill", "killing", "end", "ending", "hurt", "hurting", "harm", "harming"}), _in({"myself", "my"}), _in({"life", "own"}, "?")],
        [_in({"suicide", "suicidal", "overdose"})],
        [_word("want"), _word("to"), _word("die")],
        [_in({"swallowed", "taken", "took", "overdosed"}), _in({"all", "too", "loads", "whole", "every", "lots", "a"}), _GAP, _GAP, _in({"tablets", "pills", "paracetamol", "packet", "bottle"})],
        [_in({"jump", "jumping", "throw", "throwing"}), _in({"off", "myself", "in"}), _GAP, _GAP, _in({"bridge", "building", "roof", "cliff", "multistorey", "train", "car", "motorway", "balcony", "front"})],
    ],
    "screaming_nearby": [
        [_in({"hear", "hearing", "heard", "hears"}), _GAP, _GAP, _GAP, _in({"screaming", "scream", "screams", "screeching", "banging", "crying", "cry", "thuds", "thud", "thumping", "smashing", "yelling", "crash", "begging"})],
        [_in({"screaming", "crying", "shouting", "begging"}), _word("for"), _word("help")],
    ],
}

# Labels that still count when a past-time marker is present ("he hit me last night and he is back").
ALWAYS_PRESENT_LABELS = {"intruder", "hiding", "urgent_help", "self_harm"}
# Labels that need a person as the subject to count ("this film is killing me" does not).
NEEDS_PERSON_SUBJECT = {"killing", "murdering", "smashing", "hammering", "beating", "shooting", "burning", "biting", "bleeding", "choking", "breaking", "wrecking", "destroying"}
# Context that makes injury words ordinary ("I can't breathe through my nose with this cold").
ILLNESS_CONTEXT = {"cold", "flu", "covid", "asthma", "hayfever", "nose", "knee", "bike", "cup", "match", "football", "nosebleed", "period", "running", "gym"}

MATCHER_VOCABULARY = frozenset().union(
    PERSON_SUBJECTS, PERSON_NOUNS, VIOLENT_ING, VIOLENT_PARTICIPLE, WEAPONS, BRANDISH, BODY, KILL, ENTRY_PLACES,
    FEAR, {"help", "please", "police", "door", "now", "screaming", "hiding", "bleeding", "breathe", "emergency"},
)
