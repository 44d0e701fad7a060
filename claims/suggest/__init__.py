"""The suggestion engine: statements found in a text, with their speakers (pure Python).

``suggest(text, actors)`` returns the suggested statements in text order; ``rank_claims``
ranks existing claims against a quote. No Django, nothing downloaded: rules over the text and
the actor register passed in as data.
"""

from __future__ import annotations

from collections.abc import Sequence

from .engine import find
from .ranking import rank_claims
from .types import (
    DIRECT_QUOTE,
    PARAPHRASE,
    PARTIAL_QUOTE,
    REPORTED,
    ActorEntry,
    Mention,
    Suggestion,
)


def suggest(text: str, actors: Sequence[ActorEntry] = ()) -> list[Suggestion]:
    """Suggested statements of ``text`` in text order; every span satisfies
    ``text[s.start:s.end] == s.exact``."""
    if not text:
        return []
    return find(text, actors)


__all__ = [
    "DIRECT_QUOTE",
    "PARAPHRASE",
    "PARTIAL_QUOTE",
    "REPORTED",
    "ActorEntry",
    "Mention",
    "Suggestion",
    "rank_claims",
    "suggest",
]
