"""A claim becomes disputed by itself: when it has a confirmed contradiction, or
statements that take opposite stances on it (one asserts, another denies)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from claims.compiled import locked_value
from claims.models import Claim, Contradiction, Statement


def _said(stance: str) -> Exists:
    # An indexed probe (statement_claim_idx is on claim, stance): its cost does not grow
    # with the claim's statements, as a DISTINCT over them did.
    return Exists(Statement.objects.filter(claim=OuterRef("pk"), stance=stance))


def claim_is_contested(*, claim: Claim) -> bool:
    asserted, denied = (
        Claim.objects.filter(pk=claim.pk)
        .values_list(_said(Statement.Stance.ASSERTS), _said(Statement.Stance.DENIES))
        .get()
    )
    return _contested(claim, asserted, denied)


def _contested(claim: Claim, asserted: bool, denied: bool) -> bool:
    if asserted and denied:
        return True
    return Contradiction.objects.filter(
        Q(claim=claim) | Q(first__claim=claim) | Q(second__claim=claim),
        status=Contradiction.Status.CONFIRMED,
    ).exists()


@transaction.atomic(savepoint=False)
def claim_refresh_status(*, claim: Claim | None, gained: bool = False) -> None:
    """Open -> disputed when contested; disputed -> open when no longer contested
    and no verdict was given. A resolved claim is left as the editor left it.

    The claim's row is locked before its status is read (the lock every review decision
    takes), so an editor's concurrent "resolved" is either seen here or waits: it is
    never overwritten with a status computed from an older read. The stances are probed
    in the same statement. (No savepoint: a failure here fails the caller's transaction,
    which is what every caller wants.)

    `gained`: the claim has only gained a statement since its status was last set (a
    statement recorded, or moved to it from another claim). Being contested can then only
    have begun, not ended, so only an open claim is probed; a disputed or resolved one is
    locked, read and left as it is."""
    if claim is None:
        return
    if gained:
        status = locked_value(Claim, claim.pk, "status")
        if status != Claim.Status.OPEN:
            claim.status = status
            return
    locked = Claim.objects.select_for_update().filter(pk=claim.pk)
    status, verdict, version, asserted, denied = locked.values_list(
        "status",
        "verdict",
        "version",
        _said(Statement.Stance.ASSERTS),
        _said(Statement.Stance.DENIES),
    ).get()
    claim.status, claim.verdict, claim.version = status, verdict, version
    if claim.status == Claim.Status.RESOLVED:
        return
    contested = _contested(claim, asserted, denied)
    if claim.status == Claim.Status.OPEN and contested:
        claim.status = Claim.Status.DISPUTED
    elif (
        claim.status == Claim.Status.DISPUTED
        and not contested
        and claim.verdict == Claim.Verdict.UNRATED
    ):
        claim.status = Claim.Status.OPEN
    else:
        return
    claim._change_reason = "status follows the statements and contradictions"
    claim.save(update_fields=["status"])
