"""Ranking existing claims against a suggested quote: word overlap, never forced.

Both texts are reduced to content-word stems (lowercase, stop words out, a light suffix
stripping); the score is the Dice overlap of the stem sets, with a bonus for shared
negation so "didn't send envoys" ranks the claim "sent envoys" (the stance says which way).
Candidates under ``threshold`` are left out: an empty list is a fine answer. The stems of a text
are cached, so ranking every suggestion of a source against the same claims reads each claim once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from .lexicon import words

STOP = words(
    """a an the and or but of to in on at by for with from as is are was were be been being it its
    this that these those he she they we i you his her their our my your him them us me not no
    has have had do does did will would can could should may might must shall there here than
    then so if about into over after before also only very just said says say told"""
)
_SUFFIXES = ("ings", "ing", "ied", "ies", "ed", "es", "s", "ly")


def stem(word: str) -> str:
    w = word.lower().replace("’", "'")
    w = re.sub(r"'s$", "", w)
    for suf in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            return w[: -len(suf)]
    return w


@lru_cache(maxsize=65536)
def stems(text: str) -> frozenset[str]:
    return frozenset(
        stem(w) for w in re.findall(r"[\w’'-]+", text) if w.lower() not in STOP and len(w) > 1
    )


def similarity(a: str, b: str) -> float:
    sa, sb = stems(a), stems(b)
    if not sa or not sb:
        return 0.0
    return 2 * len(sa & sb) / (len(sa) + len(sb))


def rank_claims(
    quote: str, claims: Sequence[tuple[int, str]], limit: int = 3, threshold: float = 0.2
) -> list[tuple[int, float]]:
    """The ids of the claims closest to ``quote`` with their scores, best first."""
    scored = [(cid, round(similarity(quote, text), 3)) for cid, text in claims]
    scored = [c for c in scored if c[1] >= threshold]
    scored.sort(key=lambda c: (-c[1], c[0]))
    return scored[: max(0, limit)]
