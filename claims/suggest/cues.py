"""Reporting verbs and phrases ("said", "told", "according to", ...) and how they are used."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
continue scold chant proclaim answer post quip recount muse shout yell exclaim whisper
interject caution reason ask
""")
)
_IRREGULAR = {
    "say": ("say", "says", "said", "saying"),
    "tell": ("tell", "tells", "told", "telling"),
    "write": ("write", "writes", "wrote", "written", "writing"),
    "think": ("think", "thinks", "thought"),
    "know": ("knows", "knew"),
    "find": ("finds", "found"),
    "sing": ("sings", "sang"),
    "write in": ("wrote in",),
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
DASH = "dash"
COLON = "colon"
NOUN = "noun"
# Participle clauses that report what the subject of the sentence said: ", adding that ...".
PARTICIPLES = frozenset(
    {
        "adding",
        "saying",
        "noting",
        "arguing",
        "claiming",
        "insisting",
        "warning",
        "explaining",
        "citing",
        "calling",
        "telling",
        "asking",
        "urging",
        "suggesting",
        "stressing",
        "emphasizing",
        "emphasising",
        "writing",
        "declaring",
        "acknowledging",
        "promising",
        "predicting",
        "accusing",
        "describing",
        "complaining",
        "vowing",
        "asserting",
        "questioning",
        "blaming",
        "criticizing",
        "praising",
        "pointing out",
        "recalling",
        "referring to",
    }
)
# Verbs whose content is their object and what follows ("called Oz a quack", "cited polls").
OBJECT_CONTENT = words(
    """call describe cite attack criticize criticise blast praise accuse blame mock slam label
    condemn question urge rate dub brand ridicule defend reject dismiss applaud welcome endorse
    pledge vow promise plan want support demand decline refuse announce acknowledge admit
    mention recommend propose"""
)
for _lemma in OBJECT_CONTENT:
    for _form in _forms(_lemma):
        if (
            _form not in PARTICIPLES
            and _form not in (_lemma, _lemma + "s")
            or _lemma
            in {
                "call",
                "describe",
                "cite",
                "attack",
                "criticize",
                "blast",
                "praise",
                "accuse",
                "blame",
                "mock",
                "slam",
                "label",
                "condemn",
                "urge",
                "rate",
                "dub",
                "brand",
                "ridicule",
                "defend",
                "reject",
                "dismiss",
                "applaud",
                "welcome",
                "endorse",
                "pledge",
                "vow",
                "promise",
                "want",
                "demand",
                "decline",
                "refuse",
                "announce",
                "acknowledge",
                "admit",
                "mention",
                "recommend",
                "propose",
            }
        ):
            FORM_TO_LEMMA.setdefault(_form, _lemma)
for _phrase, _lemma in {
    "called for": "call",
    "calls for": "call",
    "calling for": "call",
    "called on": "call",
    "calls on": "call",
    "pointed out": "point",
    "points out": "point",
    "pointing out": "point",
    "pointed to": "point",
    "points to": "point",
    "referred to": "refer",
    "referring to": "refer",
}.items():
    FORM_TO_LEMMA[_phrase] = _lemma
# Nouns that are also verb forms count as cues only before "that" ("the report states that").
AMBIGUOUS = words(
    """claims questions states reports notes hopes fears worries promises charges comments
    estimates tweets warns found thought shown written points"""
)

CUE_RE = re.compile(
    r"\b(?:according to|"
    + "|".join(sorted((re.escape(f) for f in FORM_TO_LEMMA), key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)
_AMBIGUOUS_RE = re.compile(r"\b(" + "|".join(sorted(AMBIGUOUS)) + r")\s+that\b")
# Any verb-like word before "that" with a clause: "implored that", "conceded that".
_THAT_VERB_RE = re.compile(r"\b([a-z]{3,}(?:ed|es|s))\s+that\b")
# A name or pronoun right before a present-tense verb: "Trump insists that", "she contends that"
_SUBJECT_BEFORE_RE = re.compile(
    r"(?:\b(?!(?:All|The|A|An|Some|Many|Most|Each|Every|No|Other|These|Those|This|That|Its|"
    r"Their|His|Her|Our|Your|My)\s)[A-Z][\w.’'-]*|\b(?:he|she|they|it|we|I|who|which)|"
    r"\b(?:also|now|still))\s+$"
)
NOT_VERBS = words(
    """was has is does this thus less unless as yes plus its his us was afterwards towards
    always perhaps sometimes besides likes series means news times days years months weeks
    hours minutes percent points lines ones others things ways cases yes"""
)
# "X scolded him: “...”", "The New York Times reports:" (a quote follows, maybe in the next
# paragraph)
_COLON_RE = re.compile(r"(?<=\w):(?=\s*[\"“]|\s*$)", re.MULTILINE)
# Nouns of saying before a that-clause: "Trump's claim that ...", "criticism that ...".
_NOUN_RE = re.compile(
    r"\b(?:claims?|criticism|assertions?|allegations?|accusations?|charges?|warnings?|"
    r"suggestions?|arguments?|insistence|contention|statements?|remarks?|promises?|pledges?|"
    r"belief|beliefs|fears?|concerns?|hopes?|predictions?|denials?|admission)\s+that\b"
)
_DASH_RE = re.compile(r"(?<=[”\"])\s*([―—–])\s*(?=[A-Z])")


_WORD_RE = re.compile(r"[A-Za-z]+")
_TWO_WORDS = frozenset(f for f in [*FORM_TO_LEMMA, ACCORDING_TO] if " " in f)


@dataclass(frozen=True)
class _Found:
    """A cue found in the text, with the parts of ``re.Match`` the checks use."""

    s: int
    e: int
    text: str

    def group(self) -> str:
        return self.text

    def start(self) -> int:
        return self.s

    def end(self) -> int:
        return self.e


def _cue_words(text: str, start: int, end: int) -> list[_Found]:
    """The cue words and two-word phrases of ``text[start:end]``, longest first at each place
    (the same as matching CUE_RE, without its slow alternation of every form)."""
    words = [(m.start(), m.end(), m.group().lower()) for m in _WORD_RE.finditer(text, start, end)]
    out = []
    skip_to = -1
    for i, (s, e, low) in enumerate(words):
        if s < skip_to:
            continue
        if i + 1 < len(words) and text[e : words[i + 1][0]] == " ":
            two = f"{low} {words[i + 1][2]}"
            if two in _TWO_WORDS:
                e2 = words[i + 1][1]
                out.append(_Found(s, e2, text[s:e2]))
                skip_to = e2
                continue
        if low in FORM_TO_LEMMA and not _glued(text, s, e):
            out.append(_Found(s, e, text[s:e]))
    return out


def _glued(text: str, s: int, e: int) -> bool:
    """Whether a word is part of a longer token ("said-so", "O'said")."""
    return (s > 0 and (text[s - 1].isalnum() or text[s - 1] == "_")) or (
        e < len(text) and (text[e].isalnum() or text[e] == "_")
    )


def _inner_capital(text: str, start: int, end: int, m: re.Match[str]) -> bool:
    """A capitalised cue inside a sentence is a name, unless it ends a title after a comma:
    "Clinton Hid Health Problems, Former Doctor Says." """
    word = m.group()
    if not word[0].isupper() or word.lower() == ACCORDING_TO or m.start() == start:
        return False
    title_end = "," in text[max(start, m.start() - 60) : m.start()] and not text[
        m.end() : end
    ].strip(" .!?\n")
    return not title_end


_AUX_BEFORE_RE = re.compile(
    r"\b(?:is|are|was|were|been|be|has|have|had|also|not|n't|to|will|would|could|may|might)\s+$"
    r"|[,—–]\s*$"
)


def _verb_context(text: str, start: int, m: re.Match[str]) -> bool:
    """Whether an object-taking cue is used as a verb: "rates", "plans", "attacks" are nouns
    unless a subject comes right before them; "supporting" needs an auxiliary or a comma."""
    low = m.group().lower()
    if low.endswith("ing"):
        return bool(_AUX_BEFORE_RE.search(text, start, m.start()))
    if low.endswith("s") and not low.endswith("ss"):
        return bool(
            _SUBJECT_BEFORE_RE.search(text, start, m.start())
            or _AUX_BEFORE_RE.search(text, start, m.start())
        )
    return True


def cues(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """The reporting cues of ``text[start:end]`` as (start, end, lemma), in text order."""
    found: dict[int, tuple[int, int, str]] = {}
    for m in _cue_words(text, start, end):
        word = m.group()
        if _inner_capital(text, start, end, m):
            continue  # a capitalised word inside a sentence is a name ("Warren Said")
        low = word.lower()
        lemma = PARTICIPLES_LEMMA.get(low) or lemma_of(word)
        if (
            lemma in OBJECT_CONTENT
            and lemma not in PROPOSITION_VERBS
            and not _verb_context(text, start, m)
        ):
            continue
        found[m.start()] = (m.start(), m.end(), lemma)
    for m in _AMBIGUOUS_RE.finditer(text, start, end):
        found.setdefault(m.start(), (m.start(), m.end(1), m.group(1).lower()))
    for m in _THAT_VERB_RE.finditer(text, start, end):
        word = m.group(1)
        if word in NOT_VERBS or m.start() in found:
            continue
        if not word.endswith("ed") and not _SUBJECT_BEFORE_RE.search(text, start, m.start()):
            continue  # "mines that ...": a noun with a relative clause, not a verb
        found[m.start()] = (m.start(), m.end(1), word)
    for m in _NOUN_RE.finditer(text, start, end):
        found.setdefault(m.start(), (m.start(), m.end(), NOUN))
    for m in _COLON_RE.finditer(text, start, end):
        found.setdefault(m.start(), (m.start(), m.start() + 1, COLON))
    for m in _DASH_RE.finditer(text, start, end):
        found.setdefault(m.start(1), (m.start(1), m.end(1), DASH))
    return sorted(found.values())


PARTICIPLES_LEMMA = {p: p for p in PARTICIPLES}


def lemma_of(cue: str) -> str:
    low = cue.lower()
    if low == ACCORDING_TO:
        return ACCORDING_TO
    return FORM_TO_LEMMA.get(low, low)
