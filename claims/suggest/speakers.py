"""Speakers: the noun phrase next to a reporting cue, resolved against the actor register.

A speaker mention is the words that name or refer to the speaker (a pronoun included). Names are
resolved by name and alias, by a surname alone and by a title and surname; a pronoun is resolved
to the nearest preceding named speaker that fits it (a person for he/she, a group for they/it).
"a spokesman for X" gives X as the speaker and the spokesman as *via*.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .lexicon import words
from .types import ActorEntry, Mention

TOKEN_RE = re.compile(
    r"(?:[A-Za-z]\.){2,}|(?:Mr|Mrs|Ms|Dr|Gov|Sen|Rep|St|Jr|Sr|Gen|Lt|Col|Sgt|Capt|Prof|Rev)\."
    r"|[\w’'&]+(?:-[\w’'&]+)*-?|--|[^\w\s]"
)
# Marks that set off an appositive: "Kall -- co-editor of ... -- said"
APPOSITIVE_MARKS = frozenset({",", "--", "—", "–"})

PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
GROUP_PRONOUNS = frozenset({"they", "it", "we"})
PRONOUNS = PERSON_PRONOUNS | GROUP_PRONOUNS | frozenset({"i", "you"})
# "the study, which notes that ...": the relative pronoun is the speaker mention
RELATIVES = frozenset({"who", "which"})
# Words that may stand between a subject and its verb ("X also said", "X has repeatedly said").
SKIPPABLE = words(
    """also has have had was were is are repeatedly later previously then reportedly publicly
    recently again once would will could may might did does do not never often frequently still
    further even just already initially first last quickly flatly privately earlier simply
    subsequently separately has long had long openly explicitly specifically now since
    famously angrily bluntly finally originally emphatically allegedly apparently"""
)
# Words that end a subject noun phrase when scanning away from the cue.
BOUNDARY = words(
    """that which when while as if because but although though since after before where whether
    and or nor so than then to in on at by with from into about over under during against
    without between among through is are was were be been being has have had do does did not
    what how why this these those there here says said told added also its their his her
    our your my it's"""
)
CONNECTORS = frozenset(
    {
        "of",
        "for",
        "the",
        "a",
        "an",
        "de",
        "al",
        "bin",
        "van",
        "von",
        "la",
        "le",
        "du",
        "da",
        "del",
        "der",
        "and",
        "at",
        "on",
        "in",
        "&",
    }
)
DETERMINERS = frozenset(
    {
        "the",
        "a",
        "an",
        "one",
        "two",
        "three",
        "some",
        "many",
        "several",
        "most",
        "other",
        "another",
        "both",
        "all",
        "few",
        "any",
        "each",
    }
)
TITLES = words(
    """mr mrs ms miss dr sen senator rep representative gov governor president pres gen general
    secretary prime minister mayor judge justice chairman chairwoman director sheriff attorney
    candidate nominee speaker leader chief commissioner ambassador professor prof rev father
    sir lord lady king queen prince princess sgt lt col capt adm"""
)
SPOKES_RE = re.compile(
    r"\b(?:an?\s+|the\s+)?(?:[\w-]+\s+)?(?:spokes(?:man|woman|person)|representative|aide|"
    r"adviser|advisor|press secretary|lawyer|attorney)\s+(?:for|to|of)\s+",
    re.IGNORECASE,
)
ORG_WORDS = words(
    """government administration ministry department office agency party campaign committee
    council group army forces police movement bloc organization organisation association
    company corporation union commission court house senate congress bureau institute center
    centre foundation network newspaper times post journal news cnn fbi cia pentagon officials
    authorities people voters polls poll survey analysis report study democrats republicans
    team staff media press spokesman spokeswoman critics experts analysts sources"""
)

SPEAKER_NOUNS = words(
    """official spokesman spokeswoman spokesperson aide adviser advisor analyst expert critic
    source leader lawmaker senator candidate nominee president minister secretary director
    officer member supporter voter resident witness lawyer attorney economist strategist
    pollster researcher scientist author reporter editor chairman chairwoman chair governor
    mayor diplomat administration campaign government"""
)


@dataclass
class NP:
    start: int
    end: int
    text: str


def tokens(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(text, start, end)]


_PARTICLE_NAME = re.compile(r"[a-z]{1,3}-[A-Z]")


def _cap(tok: str) -> bool:
    """A capitalised word, a number, or a name with a particle ("al-Sadr")."""
    return tok[:1].isupper() or tok[:1].isdigit() or bool(_PARTICLE_NAME.match(tok))


def left_np(text: str, start: int, end: int) -> NP | None:
    """The subject noun phrase that ends right before ``end`` (skipping adverbs and auxiliaries)."""
    toks = tokens(text, start, end)
    i = len(toks) - 1
    while i >= 0 and toks[i][2].lower() in SKIPPABLE:
        i -= 1
    if i < 0:
        return None
    last = i
    if toks[i][2] in APPOSITIVE_MARKS:
        return _appositive_subject(text, toks, i)
    if toks[i][2] == ")":
        # "Gov. Mike Pence (R-IN) said": step over a short parenthesis
        k = i - 1
        while k >= 0 and toks[k][2] != "(" and i - k < 8:
            k -= 1
        if k <= 0 or toks[k][2] != "(":
            return None
        i = k - 1
    if toks[i][2].lower() in PRONOUNS or toks[i][2].lower() in RELATIVES:
        return NP(toks[i][0], toks[i][1], toks[i][2])
    j = i
    while j >= 0 and i - j < 10:
        tok = toks[j][2]
        low = tok.lower()
        if not re.match(r"[\w’']", tok) or low in PRONOUNS:
            break
        if low in BOUNDARY and low not in CONNECTORS:
            break
        j -= 1
    seq = toks[j + 1 : i + 1]
    if not seq or seq[-1][2].lower() in CONNECTORS:
        return None
    first = None
    for m in range(len(seq) - 1, -1, -1):
        low = seq[m][2].lower()
        if low in DETERMINERS:
            first = m
            if m > 0 and seq[m - 1][2].lower() in {"of", "for", "at"}:
                continue
            break
    if first is None:
        caps = [m for m, t in enumerate(seq) if _cap(t[2])]
        if caps:
            first = caps[0]
        else:
            first = (
                len(seq) - 1
                if len(seq) == 1 or seq[-2][2].lower() in CONNECTORS
                else (len(seq) - 2)
            )
    while first < len(seq) - 1 and seq[first][2].lower() in CONNECTORS - DETERMINERS:
        first += 1
    s, e = seq[first][0], toks[last][1]
    span = NP(s, e, text[s:e])
    if not _looks_like_speaker(span.text):
        return None
    return span


def _appositive_subject(text: str, toks: list, comma: int) -> NP | None:
    """'Saleh al-Ageili, a spokesman for the bloc, said': the name before the appositive."""
    mark = toks[comma][2]
    stops = {",", "“", "”", '"', "(", ")", ";", ":", "--", "—", "–"}
    if mark != ",":
        stops = {mark, "“", "”", '"', ";", ":"}  # a dash appositive may hold commas
    k = comma - 1
    while k >= 0 and toks[k][2] not in stops and comma - k < (16 if mark == "," else 30):
        k -= 1
    if k < 0 or toks[k][2] != mark or comma - k < 2:
        return None
    appositive = toks[k + 1][2].lower()
    inner = left_np(text, toks[0][0], toks[k][0])
    if inner is None:
        return None
    if not (
        appositive in DETERMINERS
        or appositive in {"who", "whose", "which"}
        or not _cap(toks[k + 1][2])
        or appositive in TITLES
        or (inner.text[:1].isupper() and comma - k <= 14)  # "Dianne Feinstein, Democrat of ..."
    ):
        return None
    return inner


def _looks_like_speaker(phrase: str) -> bool:
    words = phrase.split()
    if not words:
        return False
    if any(ch.isupper() for w in words for ch in w[:4]):
        return True
    # lowercase phrases: "the official", "a senior official", "critics", "experts"
    for w in words[-2:]:
        w = re.sub(r"['’]s?$", "", w.lower())
        if _speaker_noun(w) or w.endswith(("ist", "ists", "ian", "ians", "ers", "ors", "ents")):
            return True
        if w.endswith(("er", "or", "ent", "ant", "ive")):
            return True
    return False


DAYS = words(
    """monday tuesday wednesday thursday friday saturday sunday today yesterday tonight january
    february march april may june july august september october november december"""
)


def right_np(text: str, start: int, end: int, any_phrase: bool = False) -> NP | None:
    """The subject noun phrase right after an inverted cue ('... ," said Smith')."""
    toks = tokens(text, start, end)
    i = 0
    while i < len(toks) and toks[i][2].lower() in SKIPPABLE:
        i += 1
    if i >= len(toks):
        return None
    head = toks[i][2]
    if head.lower() in PRONOUNS:
        return NP(toks[i][0], toks[i][1], head)
    if head.lower() in DAYS or not (_cap(head) or head.lower() in DETERMINERS or any_phrase):
        return None
    if head.lower() in CONNECTORS - DETERMINERS or head.lower() in BOUNDARY:
        return None  # "Of the 10 judges", "In the next weeks"
    j = i
    while j < len(toks) and j - i < 10:
        tok = toks[j][2]
        low = tok.lower()
        if not re.match(r"[\w’']", tok) or (low in BOUNDARY and low not in CONNECTORS):
            break
        if low in DAYS and j > i:
            break
        if low in CONNECTORS - DETERMINERS and (
            j + 1 >= len(toks)
            or not (_cap(toks[j + 1][2]) or toks[j + 1][2].lower() in DETERMINERS)
        ):
            break
        j += 1
    if head.lower() not in DETERMINERS:
        while j > i + 1 and not _cap(toks[j - 1][2]) and not _speaker_noun(toks[j - 1][2]):
            j -= 1
        if (
            toks[j - 1][2].endswith(("'s", "’s"))
            and j < len(toks)
            and toks[j][2][:1].islower()
            and toks[j][2].lower() not in BOUNDARY
        ):
            j += 1  # "Scott's relatives": the possessor and its noun
    while j > i and toks[j - 1][2].lower() in CONNECTORS:
        j -= 1
    if j == i:
        return None
    span = NP(toks[i][0], toks[j - 1][1], text[toks[i][0] : toks[j - 1][1]])
    return span if any_phrase or _looks_like_speaker(span.text) else None


def _speaker_noun(word: str) -> bool:
    low = word.lower()
    singular = low[:-3] + "y" if low.endswith("ies") else low.rstrip("s")
    return any(w in ORG_WORDS or w in SPEAKER_NOUNS for w in (low, singular))


def split_via(text: str, np: NP) -> tuple[NP, NP | None]:
    """'a spokesman for the Sadrist bloc' -> (the Sadrist bloc, a spokesman)."""
    m = SPOKES_RE.search(np.text)
    if not m or m.end() >= len(np.text):
        return np, None
    via = NP(np.start + m.start(), np.start + m.end(), "")
    via_text = text[via.start : via.end].rstrip()
    via_text = re.sub(r"\s+(?:for|to|of)$", "", via_text, flags=re.IGNORECASE)
    via = NP(via.start, via.start + len(via_text), via_text)
    speaker = NP(np.start + m.end(), np.end, text[np.start + m.end() : np.end])
    return speaker, via


def is_pronoun(phrase: str) -> bool:
    return phrase.lower() in PRONOUNS


def kind_of(phrase: str, actor: ActorEntry | None = None) -> str:
    """'person', 'group' or 'plural' (a group named in the plural: "U.S. officials"), from the
    register's kind or from the words."""
    words = [re.sub(r"['’]s?$", "", w.strip(".,")) for w in phrase.split()]
    head = words[-1].lower() if words else ""
    plural = head.endswith("s") and not head.endswith("ss") and not words[-1][:1].isupper()
    if actor is not None and actor.kind:
        if actor.kind == "person":
            return "person"
        return "plural" if plural else "group"
    if not words:
        return "group"
    if head in PERSON_PRONOUNS:
        return "person"
    if head in GROUP_PRONOUNS:
        return "plural" if head == "they" else "group"
    if plural:
        return "plural"
    if head in ORG_WORDS or head.rstrip("s") in ORG_WORDS:
        return "group"
    return "person"


class Register:
    """The actor register as a lookup: names, aliases, surnames, titles with surnames."""

    def __init__(self, actors: Sequence[ActorEntry]):
        self.actors = {a.id: a for a in actors}
        self.exact: dict[str, int] = {}
        self.surnames: dict[str, int] = {}
        for a in actors:
            for name in (a.name, *a.aliases):
                key = _norm(name)
                if key:
                    self.exact.setdefault(key, a.id)
            if a.kind in ("person", ""):
                for name in (a.name, *a.aliases):
                    parts = _norm(name).split()
                    if len(parts) >= 2:
                        self.surnames.setdefault(parts[-1], a.id)
        self._pattern = None
        keys = sorted(self.exact, key=len, reverse=True)
        if keys:
            self._pattern = re.compile(
                r"(?<![\w-])(?:" + "|".join(re.escape(k) for k in keys) + r")(?![\w-])"
            )

    def resolve(self, phrase: str) -> int | None:
        key = _norm(phrase)
        if not key:
            return None
        if key in self.exact:
            return self.exact[key]
        if self._pattern is not None:
            m = self._pattern.search(key)
            if m:
                return self.exact[m.group()]
        words = key.split()
        # a surname alone, or a title and surname ("Mr. Smith", "Prime Minister al-Maliki")
        if words and words[-1] in self.surnames:
            return self.surnames[words[-1]]
        return None


def _norm(s: str) -> str:
    s = s.casefold().replace("’", "'")
    s = re.sub(r"'s\b", "", s)
    s = re.sub(r"[^\w\s'-]", " ", s)
    return " ".join(s.split())


def display_name(phrase: str) -> str:
    """A readable name from a mention: without leading determiners and possessives."""
    words = phrase.split()
    while words and words[0].lower() in DETERMINERS:
        words = words[1:]
    return " ".join(words) or phrase


@dataclass
class Antecedent:
    mention: Mention
    name: str
    kind: str


class Resolver:
    """Resolves speaker mentions in text order, remembering named speakers for pronouns."""

    def __init__(self, actors: Sequence[ActorEntry]):
        self.register = Register(actors)
        self.history: list[Antecedent] = []

    def remember(self, mention: Mention, name: str, kind: str) -> None:
        self.history.append(Antecedent(mention, name, kind))

    def mention(self, text: str, np: NP, remember: bool = True) -> tuple[Mention, str]:
        """The Mention for a noun phrase and the speaker's display name."""
        phrase = np.text
        if phrase.lower() in RELATIVES:
            before = np.start
            while before > 0 and text[before - 1] in " ,\n":
                before -= 1
            ante = left_np(text, max(0, before - 150), before)
            if ante is not None and ante.text.lower() not in RELATIVES:
                _m, name = self.mention(text, ante, remember=False)
                return Mention(np.start, np.end, phrase, _m.actor_id), name
            return Mention(np.start, np.end, phrase), phrase
        if is_pronoun(phrase):
            low = phrase.lower()
            wants = (
                ("person",)
                if low in PERSON_PRONOUNS
                else ("plural", "group")
                if low in {"they", "we"}
                else ("group", "plural")
                if low == "it"
                else ("person", "group", "plural")
            )
            earlier = [a for a in self.history if a.mention.start < np.start]
            for want in wants:
                for ante in reversed(earlier[-12:]):
                    if ante.kind == want:
                        m = Mention(
                            np.start, np.end, text[np.start : np.end], ante.mention.actor_id
                        )
                        return m, ante.name
            return Mention(np.start, np.end, text[np.start : np.end]), phrase
        actor_id = self.register.resolve(phrase)
        actor = self.register.actors.get(actor_id) if actor_id is not None else None
        name = actor.name if actor else display_name(phrase)
        m = Mention(np.start, np.end, text[np.start : np.end], actor_id)
        if remember:
            self.remember(m, name, kind_of(phrase, actor))
        return m, name
