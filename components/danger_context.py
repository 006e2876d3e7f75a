"""Words that place a danger match in time, or make it ordinary: the rule detector's context (components/danger_rules.py).

The patterns themselves are in components/danger_patterns.py. Both read text normalised by `normalise.for_matching`.
"""

from __future__ import annotations

import re

# Words after a weapon that make it a tool or a topic ("knife sharpening", "knife crime").
WEAPON_NOT_A_THREAT = {
    "sharpening", "sharpener", "sharpen", "set", "sets", "block", "collection", "skills", "skill", "crime",
    "crimes", "amnesty", "licence", "license", "law", "laws", "safety", "drawer", "rack", "shop", "store",
    "holder", "club", "range", "recipe", "recipes", "tips", "review", "game", "sale", "control", "violence",
}
# "You have to take all the tablets": a duty, not harm to oneself.
OBLIGED = {"have", "has", "need", "needs", "remember", "forgot", "supposed", "meant", "got", "told"}

# Words that mark a match as in the past, hypothetical or negated, and words that pull it back to now.
PAST_MARKERS = {
    "yesterday", "ago", "previously", "used", "last", "years", "months", "weeks", "once", "past", "childhood", "were",
    "was", "since", "earlier", "told", "said", "had", "did", "before",
    # a day, month or season named places a told event then ("back in the summer he grabbed me by the throat"); not
    # "may", a verb too
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "summer", "winter", "spring", "autumn",
    "january", "february", "march", "april", "june", "july", "august", "september", "october", "november", "december",
}
# How long something has gone on: a story, not an attack now ("she's been hurting me on and off for a year").
# "For an hour" or "for ten minutes" is not one: that is happening now. A trailing "now" belongs to the duration.
DURATION = re.compile(
    r"\b(for (a|about|over|nearly|almost|the last|the past|a good|some)? ?(\w+ )?(year|years|months|while|long time|ages|"
    r"decade|decades)|lately|recently)( now)?\b"
)
# What happens often but is not said to be happening now ("most nights I hear banging next door").
HABITUAL_MARKERS = {
    "nights", "times", "twice", "always", "often", "sometimes", "usually", "regularly", "constantly", "weekends", "rows",
    "arguments",
}
# An attack that has begun to recur ("he's started pushing me"), unless something places it now.
STARTED = {"started", "starting"}
# Whole messages that are not about now: reporting something that is over ("can I still report it"), habits
# ("every friday"), and conditional plans or threats ("he'd kill me if I told").
NOT_NOW = re.compile(
    r"\b((can|could) i still (report|tell|go to)|too late to (report|tell|go)|report (him|her|them|my \w+) for|(a|the) report (about|on) (my|his|her|our) \w+|"
    r"every (day|night|week|weekend|month|friday|saturday|sunday)|(most|some) (days|nights|weekends)|"
    r"when i was (a|\d+|little|young|younger|a kid|a child)|(will|would|do|does) (you|this|it) (call|send|ring|tell)|"
    r"when (he|she|they|i|my \w+) (finds|find|sees|see|gets|get) (out|home|back|in|it|the|my|that))\b"
)
# Fiction, news and games: nothing there is happening to the writer.
FICTION = {
    "film", "movie", "episode", "scene", "soap", "series", "hollyoaks", "eastenders", "corrie", "emmerdale",
    "podcast", "documentary", "novel", "game", "netflix", "storyline", "character", "telly", "ufc", "boxing", "mma",
    "wrestling", "rugby", "football",
}
# A reflexive object makes violence self-inflicted or figurative ("she keeps stabbing herself with the needles").
REFLEXIVE = {"himself", "herself", "myself", "yourself", "themselves", "itself"}
# Suspicion, not witnessing ("I'm worried my brother's wife is hurting him"), unless a word places it now or in sight.
SUSPICION = {"worried", "worry", "worries", "suspect", "concerned", "think", "reckon"}
# ... or said as a guess ("pretty sure my auntie is being hit").
SUSPECTING = re.compile(r"\b(pretty|fairly|quite|almost|half) sure\b")
# What makes a suspicion about now: the time, or something heard or seen as it happens ("think the man upstairs is
# beating his wife, loud thuds and her crying out").
NOW = {"now", "currently", "tonight", "moment", "hear", "see", "minutes", "mins", "thud", "thuds", "thudding", "banging", "screaming", "crying"}
# A question about what the police do, not a call for help ("do they send someone round when you report?").
ASKING_WHAT_POLICE_DO = {"will they", "would they", "do they", "does they", "did they", "when they"}
# What someone at the door may be doing that makes the visit ordinary.
ERRANDS = {"dropping", "picking", "collecting", "delivering", "returning", "bringing"}
# A kitchen at work: knives and boiling water as tools.
COOKING = {"cooking", "recipe", "worktop", "chopping", "roast", "veg", "vegetables", "onions", "baking"}
# Words after a threat or harm that make it an idiom ("he'd kill for a brew", "gonna die of boredom").
IDIOM_NEXT = {"for", "of", "laughing", "to", "with"}
# Where one clause ends and the next begins, for placing each match in time.
CLAUSE_BREAKS = {"but", "and", "then", "so", "because", "though", "although", "while", "until", "till"}
PRESENT_MARKERS = {"now", "mins", "minutes", "afternoon", "evening", "right", "currently", "still", "tonight", "again", "here", "coming", "quick", "quickly", "help", "please", "moment", "today", "just"}
# Who "help" follows when it is a deed, not a plea ("when I help her wash", "trying to help him").
HELPERS = {"i", "we", "you", "to", "can", "could", "will", "would", "she", "he", "they"}
# What "still" may say of a household rather than of an attack ("my son still lives at home").
LIVING = {"live", "lives", "living", "together", "married", "with"}
# Anywhere in a message, what keeps "he has been hitting me" about now ("he's been kicking me and won't stop").
STILL_HAPPENING = PRESENT_MARKERS | {"stop", "stopping"}
# Pushed or knocked "about" or "around" is how someone is treated, not an attack ("hitting me around the head" is one).
PUSHING = {"pushing", "shoving", "knocking"}
NEGATIONS = {"not", "never", "no", "nobody", "nothing", "stopped", "stop", "stops", "without", "longer"}
HYPOTHETICAL = {"if", "whenever", "case", "suppose", "imagine", "hypothetically", "unless", "like"}
# A whole message that says the danger is over ("I'm safe now, he left") outweighs matches of the weaker labels.
SAFE_PHRASES = re.compile(
    r"\b(i am safe|safe now|am safe|(he|she|they) (has|have) (gone|left)|(he|she|they) (is|are) gone( now|$| and| for)|"
    r"(he|she|they) left|moved out|i left (him|her)|not in danger|safe place|(he|she) is in prison|locked up|"
    r"was arrested|been arrested|took him away|not happening now|restraining order|can not find me|in custody|"
    r"on remand|remanded|sectioned|in hospital|(he|she|they) (is|are) (on bail|at work|at football|asleep)|"
    r"i am (okay|ok|fine) now|asking for a friend|not hurting me|never (hit|hurt) me|not in any danger|is safe now|"
    r"(he|she|they) (is|are) (not here|not home|not in|at work|away)|(he|she|they) (is|are) out (at|till|until|for))\b"
)
FIGURATIVE_SUBJECTS = {
    "film", "movie", "show", "heat", "feet", "back", "legs", "head", "homework", "work", "job", "traffic",
    "exam", "exams", "song", "game", "this", "it", "that", "these", "laughing", "laughter", "joke", "jokes",
    "boss", "teacher", "hangover", "shoes", "knees", "weather", "cold", "series", "episode", "book", "team",
    "landlord", "deadlines", "cat", "dog", "puppy", "kitten", "toddler", "pets",
}

# Labels that need a person as the subject to count ("this film is killing me" does not).
NEEDS_PERSON_SUBJECT = {"killing", "murdering", "smashing", "hammering", "beating", "shooting", "burning", "biting", "bleeding", "choking", "breaking", "wrecking", "destroying"}
# Context that makes injury words ordinary ("I can't breathe through my nose with this cold").
ILLNESS_CONTEXT = {"cold", "flu", "covid", "asthma", "hayfever", "nose", "knee", "bike", "cup", "match", "football", "nosebleed", "period", "running", "gym"}
