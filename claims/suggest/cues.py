"""Reporting verbs and phrases ("said", "told", "according to", ...) and how they are used."""

from __future__ import annotations

import re

from .lexicon import words

# Verbs that report speech or writing, by lemma: their forms are generated below (with a few
# irregular forms listed). Kept general on purpose: these are the verbs of reported speech in
# English news, not a list tuned to one corpus.
_REGULAR = sorted(
    words("""
add admit announce argue assert boast brag caution charge cite claim comment complain concede
confirm contend counter declare deny describe emphasize emphasise estimate explain insist joke
mention note observe predict proclaim promise recall reiterate remark repeat reply report respond
retort reveal state stress suggest testify tweet urge vow warn acknowledge allege accuse agree
point blast criticize criticise question lament worry fear hope believe predict conclude
""")
)
_IRREGULAR = {
    "say": ("say", "says", "said", "saying"),
    "tell": ("tell", "tells", "told", "telling"),
    "write": ("write", "writes", "wrote", "written", "writing"),
    "think": ("think", "thinks", "thought"),
    "know": ("knows", "knew"),
    "find": ("finds", "found"),
    "show": ("shows", "showed", "shown"),
    "ask": ("asks", "asked"),
    "call": ("calls", "called"),
    "put": ("put it",),
}
# Cues that need an object before their content ("told reporters that ...").
OBJECT_VERBS = frozenset({"tell", "warn", "assure", "remind", "inform", "ask", "urge", "accuse"})
# Cues that usually introduce a full proposition after them.
PROPOSITION_VERBS = frozenset(
    {
        "say",
        "tell",
        "add",
        "claim",
        "insist",
        "deny",
        "warn",
        "argue",
        "write",
        "note",
        "state",
        "admit",
        "acknowledge",
        "explain",
        "suggest",
        "predict",
        "believe",
        "think",
        "contend",
        "declare",
        "announce",
        "report",
        "confirm",
        "stress",
        "emphasize",
        "emphasise",
        "reiterate",
        "concede",
        "allege",
        "assert",
        "recall",
        "fear",
        "hope",
        "worry",
        "find",
        "show",
        "vow",
        "promise",
        "estimate",
        "conclude",
        "agree",
        "know",
        "tweet",
        "mention",
        "observe",
        "remark",
        "testify",
        "reveal",
        "respond",
        "reply",
        "comment",
        "complain",
        "caution",
    }
)
# Strong cues: almost always report speech.
STRONG = frozenset({"say", "tell", "add", "claim", "insist", "deny", "warn", "write", "tweet"})


def _forms(lemma: str) -> tuple[str, ...]:
    if lemma in _IRREGULAR:
        return _IRREGULAR[lemma]
    stem = lemma[:-1] if lemma.endswith("e") else lemma
    if lemma.endswith("y") and lemma[-2] not in "aeiou":
        third, past = lemma[:-1] + "ies", lemma[:-1] + "ied"
    elif lemma.endswith(("s", "sh", "ch", "x", "z")):
        third, past = lemma + "es", lemma + "ed"
    else:
        third, past = lemma + "s", (lemma + "d" if lemma.endswith("e") else lemma + "ed")
    return (lemma, third, past, stem + "ing")


FORM_TO_LEMMA: dict[str, str] = {}
for _lemma in [*_REGULAR, *_IRREGULAR]:
    for _form in _forms(_lemma):
        FORM_TO_LEMMA.setdefault(_form, _lemma)
FORM_TO_LEMMA["pointed out"] = "point"
FORM_TO_LEMMA["points out"] = "point"
FORM_TO_LEMMA.pop("point", None)
FORM_TO_LEMMA.pop("points", None)
FORM_TO_LEMMA.pop("pointed", None)
FORM_TO_LEMMA.pop("pointing", None)
# Bare base forms are too ambiguous for a few lemmas ("a claim", "a question", "the state")
for _noun in (
    "claim",
    "question",
    "state",
    "report",
    "note",
    "hope",
    "fear",
    "worry",
    "promise",
    "charge",
    "comment",
    "estimate",
    "reply",
    "tweet",
    "vow",
    "joke",
    "remark",
    "repeat",
    "observe",
    "counter",
    "caution",
    "call",
    "concede",
    "comment",
):
    FORM_TO_LEMMA.pop(_noun, None)
for _noun in (
    "claims",
    "questions",
    "states",
    "reports",
    "notes",
    "hopes",
    "fears",
    "worries",
    "promises",
    "charges",
    "comments",
    "estimates",
    "replies",
    "tweets",
    "vows",
    "jokes",
    "remarks",
    "calls",
    "counters",
    "points",
    "thought",
    "found",
    "shown",
    "written",
    "cautions",
    "repeats",
):
    FORM_TO_LEMMA.pop(_noun, None)

ACCORDING_TO = "according to"

CUE_RE = re.compile(
    r"\b(?:according to|"
    + "|".join(sorted((re.escape(f) for f in FORM_TO_LEMMA), key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)


def lemma_of(cue: str) -> str:
    low = cue.lower()
    if low == ACCORDING_TO:
        return ACCORDING_TO
    return FORM_TO_LEMMA.get(low, low)
