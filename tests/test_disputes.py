"""A claim's status follows its stances and its confirmed contradictions
(claims/services/disputes.py): each way a contradiction can be on a claim counts."""

from __future__ import annotations

import pytest

from claims.models import Claim, Contradiction
from claims.services.disputes import claim_is_contested, claim_refresh_status
from tests.factories import make_claim, make_contradiction, make_source, make_statement

TEXT = "Ana said the dam held. Bo said the dam broke."


@pytest.mark.parametrize("via", ["own claim", "first statement", "second statement"])
def test_a_confirmed_contradiction_on_the_claim_makes_it_disputed_by_any_way(
    researcher, editor, via
):
    source = make_source(text=TEXT)
    claim = make_claim("The dam held")
    first = make_statement(
        source=source,
        quote="Ana said the dam held.",
        claim=claim if via == "first statement" else None,
        created_by=researcher,
    )
    second = make_statement(
        source=source,
        quote="Bo said the dam broke.",
        claim=claim if via == "second statement" else None,
        created_by=researcher,
    )
    c = make_contradiction(first, second, claim=claim if via == "own claim" else None)
    claim_refresh_status(claim=claim)
    assert claim.status == Claim.Status.OPEN and not claim_is_contested(claim=claim)  # proposed
    Contradiction.objects.filter(pk=c.pk).update(
        status=Contradiction.Status.CONFIRMED, reviewed_by=editor, reviewed_at=c.created_at
    )
    claim_refresh_status(claim=claim)
    assert claim_is_contested(claim=claim)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DISPUTED
    c.delete()
    claim_refresh_status(claim=claim)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.OPEN and not claim_is_contested(claim=claim)


def test_a_missing_claim_is_an_error(db):
    claim = make_claim()
    Claim.objects.filter(pk=claim.pk).delete()
    with pytest.raises(Claim.DoesNotExist):
        claim_refresh_status(claim=claim)
