"""The value types of the suggestion engine (pure Python, no Django)."""

from __future__ import annotations

from dataclasses import dataclass

# The values of claims.models.Statement.Reporting that the engine proposes.
DIRECT_QUOTE = "direct_quote"
PARTIAL_QUOTE = "partial_quote"
PARAPHRASE = "paraphrase"
REPORTED = "reported"


@dataclass(frozen=True)
class ActorEntry:
    """One actor of the register, passed in as data."""

    id: int
    name: str
    aliases: tuple[str, ...] = ()
    kind: str = ""


@dataclass(frozen=True)
class Mention:
    """Words of the text (code points ``start:end``), optionally resolved to an actor."""

    start: int
    end: int
    text: str
    actor_id: int | None = None


@dataclass(frozen=True)
class Suggestion:
    """A suggested statement: its Content span, speaker, via, cue and how it is reported."""

    start: int
    end: int
    exact: str
    reporting: str
    speaker: Mention | None
    speaker_name: str
    via: Mention | None = None
    cue: Mention | None = None
    score: float = 0.0
