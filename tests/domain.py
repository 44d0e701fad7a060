"""The models of the claims domain, for tests that go through every one of them."""

from __future__ import annotations

from claims.models import (
    Actor,
    ActorAlias,
    Affiliation,
    Claim,
    Contradiction,
    Note,
    Source,
    Statement,
)

MODELS = [Source, Actor, ActorAlias, Affiliation, Claim, Statement, Contradiction, Note]
