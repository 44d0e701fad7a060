"""A claim becomes disputed by itself: when it has a confirmed contradiction, or
statements that take opposite stances on it (one asserts, another denies)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Value, When

from claims.models import Claim, Contradiction, Statement

_ANY = ~Q(pk=None)


def _said(stance: str) -> Exists:
    # An indexed probe (statement_claim_idx is on claim, stance): its cost does not grow
    # with the claim's statements, as a DISTINCT over them did.
    return Exists(Statement.objects.filter(claim=OuterRef("pk"), stance=stance))


def _confirmed(via: str) -> Exists:
    """A confirmed contradiction on the claim by way of `via` (its own claim, or its first
    or second statement's): each an indexed probe, where one OR over a join of the
    contradictions to both their statements could not use an index for all three."""
    return Exists(
        Contradiction.objects.filter(**{via: OuterRef("pk")}, status=Contradiction.Status.CONFIRMED)
    )


def _state(rows, *, probe: Q = _ANY) -> tuple[str, str, int, bool]:
    """(status, verdict, version, contested) of the one claim in `rows`, in one query:
    contested is opposite stances (one asserts, another denies) or a confirmed
    contradiction, probed only when the row meets `probe` (a CASE: the probes of a claim
    whose status will be left as it is are not run)."""

    def guarded(expr: Exists) -> Case:
        return Case(When(probe, then=expr), default=Value(False), output_field=BooleanField())

    status, verdict, version, asserted, denied, *confirmed = rows.values_list(
        "status",
        "verdict",
        "version",
        guarded(_said(Statement.Stance.ASSERTS)),
        guarded(_said(Statement.Stance.DENIES)),
        guarded(_confirmed("claim")),
        guarded(_confirmed("first__claim")),
        guarded(_confirmed("second__claim")),
    ).get()
    return status, verdict, version, (asserted and denied) or any(confirmed)


def claim_is_contested(*, claim: Claim) -> bool:
    return _state(Claim.objects.filter(pk=claim.pk))[3]


@transaction.atomic(savepoint=False)
def claim_refresh_status(*, claim: Claim | None, gained: bool = False) -> None:
    """Open -> disputed when contested; disputed -> open when no longer contested
    and no verdict was given. A resolved claim is left as the editor left it.

    The claim's row is locked before its status is read (the lock every review decision
    takes), so an editor's concurrent "resolved" is either seen here or waits: it is
    never overwritten with a status computed from an older read. The stances and the
    confirmed contradictions are probed in the same statement: one round trip. (No
    savepoint: a failure here fails the caller's transaction, which is what every caller
    wants.)

    `gained`: the claim has only gained a statement since its status was last set (a
    statement recorded, or moved to it from another claim). Being contested can then only
    have begun, not ended, so a disputed or resolved claim is left as it is."""
    if claim is None:
        return
    locked = Claim.objects.select_for_update().filter(pk=claim.pk)
    # only a claim whose status may change is probed (when it only gained: an open one)
    probe = Q(status=Claim.Status.OPEN) if gained else ~Q(status=Claim.Status.RESOLVED)
    claim.status, claim.verdict, claim.version, contested = _state(locked, probe=probe)
    if claim.status == Claim.Status.RESOLVED or (gained and claim.status != Claim.Status.OPEN):
        return
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
