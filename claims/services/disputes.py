"""A claim becomes disputed by itself: when it has a confirmed contradiction, or
statements that take opposite stances on it (one asserts, another denies)."""

from __future__ import annotations

from functools import cache

from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from claims.compiled import KEY, fetch_row, keyed, locked_value
from claims.models import Claim, Contradiction, Statement


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


@cache
def _state_sql(vendor: str) -> tuple[str, tuple]:
    """`_state`'s SQL, compiled by the ORM once per kind of database (building its five
    subqueries took about 4 ms, ten times running them)."""
    return keyed(
        Claim.objects.filter(pk=KEY)
        .order_by()
        .values_list(
            "status",
            "verdict",
            "version",
            _said(Statement.Stance.ASSERTS),
            _said(Statement.Stance.DENIES),
            _confirmed("claim"),
            _confirmed("first__claim"),
            _confirmed("second__claim"),
        )
    )


def _state(pk: int) -> tuple[str, str, int, bool]:
    """(status, verdict, version, contested) of claim `pk` in one query: contested is
    opposite stances (one asserts, another denies) or a confirmed contradiction."""
    status, verdict, version, asserted, denied, *confirmed = fetch_row(
        Claim, *_state_sql(connection.vendor), pk
    )
    return status, verdict, version, bool(asserted and denied) or any(confirmed)


# What a claim's status stays when the claim only gains a statement: being contested can
# then only begin, which only changes an open claim (claim_refresh_status(gained=True)).
KEPT_ON_GAINING = (Claim.Status.DISPUTED, Claim.Status.RESOLVED)


def claim_is_contested(*, claim: Claim) -> bool:
    return _state(claim.pk)[3]


@transaction.atomic(savepoint=False)
def claim_refresh_status(
    *, claim: Claim | None, gained: bool = False, locked: bool = False
) -> None:
    """Open -> disputed when contested; disputed -> open when no longer contested
    and no verdict was given. A resolved claim is left as the editor left it.

    The claim's row is locked first, by a statement of its own (the lock every review
    decision takes), and only then are its status, stances and confirmed contradictions
    read, by a second statement: an editor's concurrent "resolved" or "confirmed" is
    either seen or waited for, never overwritten with a status computed from an older
    read. (On PostgreSQL a statement that waits for a row lock sees the locked row as the
    other transaction left it, but everything else in it as it was before it waited: a
    refresh that locked and probed in one statement, waiting behind an editor's confirm,
    read the claim as disputed and no confirmed contradiction, and reopened it.) (No
    savepoint: a failure here fails the caller's transaction, which is what every caller
    wants.)

    `gained`: the claim has only gained a statement since its status was last set (a
    statement recorded, or moved to it from another claim). Being contested can then only
    have begun, not ended, so only an open claim is probed; a disputed or resolved one is
    locked, read and left as it is.

    `locked`: the caller has locked the claim's row in this transaction already, by a
    statement of its own, and read its status into `claim.status`."""
    if claim is None:
        return
    status = claim.status if locked else locked_value(Claim, claim.pk, "status")
    if gained and status in KEPT_ON_GAINING:
        claim.status = status
        return
    claim.status, claim.verdict, claim.version, contested = _state(claim.pk)
    if claim.status == Claim.Status.RESOLVED:
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
