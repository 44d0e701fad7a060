"""Scoring suggestions against gold attributions (pure Python).

A suggestion matches a gold attribution at threshold ``t`` when the characters their Content
spans share are at least ``t`` of the longer span. Matching is one-to-one, greedy by overlap
(best pairs first). A discontinuous gold Content (``a b;c d`` in brat) is scored as its hull,
from its first to its last character: a quote split by its attribution is one statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

QUOTE_MARKS = '"“”„«»'


@dataclass(frozen=True)
class Gold:
    start: int
    end: int
    text: str
    source: tuple[tuple[int, int], ...] = ()  # the Source span(s), empty when none
    speakers: frozenset[int] = frozenset()  # or the actor ids that count as the right speaker
    is_quote: bool | None = None  # set when the gold says how it was reported

    @property
    def quoted(self) -> bool:
        if self.is_quote is not None:
            return self.is_quote
        return any(ch in QUOTE_MARKS for ch in self.text)


@dataclass(frozen=True)
class Guess:
    start: int
    end: int
    text: str
    speaker: tuple[int, int] | None = None
    actor_id: int | None = None


@dataclass
class Counts:
    """Matched / gold / suggested counts at one threshold (and the quoted subset)."""

    gold: int = 0
    suggested: int = 0
    matched_gold: int = 0
    matched_suggested: int = 0

    def add(self, other: Counts) -> None:
        self.gold += other.gold
        self.suggested += other.suggested
        self.matched_gold += other.matched_gold
        self.matched_suggested += other.matched_suggested

    @property
    def precision(self) -> float:
        return self.matched_suggested / self.suggested if self.suggested else 0.0

    @property
    def recall(self) -> float:
        return self.matched_gold / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Result:
    articles: int = 0
    at03: Counts = field(default_factory=Counts)
    at08: Counts = field(default_factory=Counts)
    quoted03: Counts = field(default_factory=Counts)
    speaker_pairs: int = 0
    speaker_right: int = 0

    def add(self, other: Result) -> None:
        self.articles += other.articles
        self.at03.add(other.at03)
        self.at08.add(other.at08)
        self.quoted03.add(other.quoted03)
        self.speaker_pairs += other.speaker_pairs
        self.speaker_right += other.speaker_right

    @property
    def speaker_acc(self) -> float:
        return self.speaker_right / self.speaker_pairs if self.speaker_pairs else 0.0

    def figures(self, ms_per_1000_words: float = 0.0) -> dict[str, float | int]:
        r = round
        return {
            "articles": self.articles,
            "gold": self.at03.gold,
            "suggested": self.at03.suggested,
            "p03": r(self.at03.precision, 3),
            "r03": r(self.at03.recall, 3),
            "f03": r(self.at03.f1, 3),
            "p08": r(self.at08.precision, 3),
            "r08": r(self.at08.recall, 3),
            "f08": r(self.at08.f1, 3),
            "quoted_p03": r(self.quoted03.precision, 3),
            "quoted_r03": r(self.quoted03.recall, 3),
            "quoted_f03": r(self.quoted03.f1, 3),
            "speaker_acc": r(self.speaker_acc, 3),
            "ms_per_1000_words": r(ms_per_1000_words, 1),
        }


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def match(gold: Sequence[Gold], guesses: Sequence[Guess], t: float) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, guess index) whose shared characters are at least ``t``
    of the longer span; greedy, the largest shares first."""
    pairs = []
    for gi, g in enumerate(gold):
        for si, s in enumerate(guesses):
            shared = overlap((g.start, g.end), (s.start, s.end))
            if not shared:
                continue
            longer = max(g.end - g.start, s.end - s.start)
            ratio = shared / longer if longer else 0.0
            if ratio >= t:
                pairs.append((ratio, gi, si))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    used_g: set[int] = set()
    used_s: set[int] = set()
    out = []
    for _ratio, gi, si in pairs:
        if gi in used_g or si in used_s:
            continue
        used_g.add(gi)
        used_s.add(si)
        out.append((gi, si))
    return out


def score(gold: Sequence[Gold], guesses: Sequence[Guess]) -> Result:
    """The figures for one article."""
    res = Result(articles=1)
    for t, counts in ((0.3, res.at03), (0.8, res.at08)):
        pairs = match(gold, guesses, t)
        counts.gold, counts.suggested = len(gold), len(guesses)
        counts.matched_gold = counts.matched_suggested = len(pairs)
        if t == 0.3:
            for gi, si in pairs:
                g, s = gold[gi], guesses[si]
                if g.speakers:
                    res.speaker_pairs += 1
                    res.speaker_right += s.actor_id in g.speakers
                elif g.source:
                    res.speaker_pairs += 1
                    if s.speaker is not None and any(overlap(s.speaker, x) for x in g.source):
                        res.speaker_right += 1
    # quoted: gold whose Content holds a quotation mark, suggestions whose text holds one
    q_gold = [g for g in gold if g.quoted]
    q_guess = [s for s in guesses if any(ch in QUOTE_MARKS for ch in s.text)]
    pairs = match(q_gold, q_guess, 0.3)
    res.quoted03 = Counts(len(q_gold), len(q_guess), len(pairs), len(pairs))
    return res


# -- brat standoff --------------------------------------------------------------------------
_T_RE = re.compile(r"^(T\d+)\t(\S+) ([\d ;]+)\t(.*)$")


def _spans(offsets: str) -> list[tuple[int, int]]:
    out = []
    for part in offsets.split(";"):
        a, b = part.split()
        out.append((int(a), int(b)))
    return out


def read_brat(ann: str, text: str) -> list[Gold]:
    """The attributions of a brat .ann file: one Gold per ``E`` line with a Content."""
    spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    events: list[str] = []
    for line in ann.splitlines():
        m = _T_RE.match(line)
        if m:
            spans[m.group(1)] = (m.group(2), _spans(m.group(3)))
        elif line.startswith("E"):
            events.append(line)
    gold = []
    for line in events:
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        args = [a.split(":", 1) for a in parts[1].split()[1:] if ":" in a]
        content: list[tuple[int, int]] = []
        source: list[tuple[int, int]] = []
        for role, ref in args:
            if ref not in spans:
                continue
            if role.startswith("Content"):
                content.extend(spans[ref][1])
            elif role.startswith("Source"):
                source.extend(spans[ref][1])
        if not content:
            continue
        s, e = min(a for a, _ in content), max(b for _, b in content)
        gold.append(Gold(s, e, text[s:e], tuple(source)))
    return gold


def iter_folder(paths: Iterable[tuple[str, str]]) -> Iterable[tuple[str, list[Gold]]]:
    """(text, gold) for each (text, ann) pair of file contents."""
    for text, ann in paths:
        yield text, read_brat(ann, text)
