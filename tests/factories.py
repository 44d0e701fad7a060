"""Small builders for test data. Statements are anchored from their quote."""

from __future__ import annotations

import itertools

from claims import anchoring
from claims.models import Actor, Claim, Contradiction, Source, Statement

_seq = itertools.count(1)

DEFAULT_TEXT = (
    "The minister said the bridge was safe. Critics said the bridge was not safe.\n"
    "An engineer said the cracks were old. The minister said the bridge was safe."
)


def make_source(text: str = DEFAULT_TEXT, **fields) -> Source:
    fields.setdefault("title", f"Source {next(_seq)}")
    fields.setdefault("publisher", "Example News")
    return Source.objects.create(text=text, **fields)


def make_actor(name: str | None = None, **fields) -> Actor:
    return Actor.objects.create(name=name or f"Actor {next(_seq)}", **fields)


def make_claim(text: str | None = None, **fields) -> Claim:
    return Claim.objects.create(text=text or f"Proposition {next(_seq)}", **fields)


def make_statement(
    *,
    source: Source,
    quote: str,
    created_by,
    speaker: Actor | None = None,
    claim: Claim | None = None,
    stance: str = "",
    occurrence: int = 0,
    **fields,
) -> Statement:
    starts = anchoring.occurrences(source.text, quote)
    assert starts, f"{quote!r} is not in the source text"
    start = starts[occurrence]
    anchor = anchoring.make_anchor(source.text, start, start + len(quote))
    if claim is not None and not stance:
        stance = Statement.Stance.ASSERTS
    return Statement.objects.create(
        source=source,
        speaker=speaker or make_actor(),
        claim=claim,
        stance=stance,
        start=anchor.start,
        end=anchor.end,
        exact=anchor.exact,
        prefix=anchor.prefix,
        suffix=anchor.suffix,
        created_by=created_by,
        **fields,
    )


def make_contradiction(first: Statement, second: Statement, **fields) -> Contradiction:
    fields.setdefault("kind", Contradiction.Kind.DENIAL)
    return Contradiction.objects.create(first=first, second=second, **fields)


def make_bridge_world(researcher, **source_fields) -> dict:
    """A source where a minister says the bridge is safe and a critic denies it (one claim,
    two statements), as the cache tests use it."""
    source = make_source(title="Bridge report", **source_fields)
    minister = make_actor("Minister Alpha")
    critic = make_actor("Critic Beta")
    claim = make_claim("The bridge is safe")
    said = make_statement(
        source=source,
        quote="the bridge was safe",
        speaker=minister,
        claim=claim,
        created_by=researcher,
    )
    denied = make_statement(
        source=source,
        quote="the bridge was not safe",
        speaker=critic,
        claim=claim,
        stance="denies",
        created_by=researcher,
    )
    return {
        "source": source,
        "minister": minister,
        "critic": critic,
        "claim": claim,
        "said": said,
        "denied": denied,
    }
