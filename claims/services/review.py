"""Editors' review decisions: confirm or reject contradictions, assign items,
give claims a verdict, resolve them; and notes, which anyone with a role may write.

Every decision locks the row, compares the `version` the editor's form was
opened with, and refuses with EditConflict when someone changed it since:
nothing is silently overwritten.
"""

from __future__ import annotations

import functools

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import F, Func, Q
from django.utils import timezone

from claims.models import Claim, Contradiction, Note, validate_verdict_decision
from claims.services.conflicts import EditConflict as EditConflict  # re-exported for views
from claims.services.conflicts import lock_version
from claims.services.disputes import claim_refresh_status


def editors() -> models.QuerySet:
    """Active users who may review: the Editors group, a direct grant, or superusers."""
    perm = Q(groups__permissions__codename="review_contradiction") | Q(
        user_permissions__codename="review_contradiction"
    )
    return (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | perm, is_active=True)
        .distinct()
        .order_by("username")
    )


def waiting_count(*, cap: int | None = None) -> int:
    """What waits for an editor: proposed contradictions and disputed claims without a
    verdict (one query). Each half is an index-only count of a partial index that holds
    just those rows (contradiction_proposed_idx, claim_waiting_idx): its cost follows the
    backlog, not the size of the tables. With `cap`, each half stops counting at `cap` rows
    (the navigation badge, on every page, says "999+" past that: 6 ms for a backlog of
    75,000 at 1,000,000 statements, a fraction of that capped). Counted afresh on every
    request, never cached, so it is never stale (only the SQL is built once)."""
    sql, params = _waiting_sql(cap)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


@functools.cache
def _waiting_sql(cap: int | None) -> tuple[str, tuple]:
    proposed = Contradiction.objects.filter(status=Contradiction.Status.PROPOSED)
    disputed = Claim.objects.filter(status=Claim.Status.DISPUTED, verdict=Claim.Verdict.UNRATED)
    if cap is None:
        parts = [
            qs.order_by().values(n=Func(F("pk"), function="COUNT")).query.sql_with_params()
            for qs in (proposed, disputed)
        ]
    else:
        parts = []
        for qs in (proposed, disputed):
            sql, params = qs.order_by().values("pk")[:cap].query.sql_with_params()
            parts.append((f"SELECT COUNT(*) FROM ({sql}) capped", params))  # noqa: S608
    # Two scalar counts added up: no UNION to materialise row by row.
    sql = "SELECT ({}) + ({})".format(*(sql for sql, _ in parts))
    return sql, tuple(p for _, params in parts for p in params)


def _locked(model: type[models.Model], pk: int, version: int):
    """Inside a transaction: the row, locked, or EditConflict if it moved on."""
    return lock_version(model, pk, version)


def _save(obj, *, user, reason: str, fields: list[str]) -> None:
    obj._history_user = user
    obj._change_reason = reason[:100]
    obj.save(update_fields=fields)


def _claims_of(contradiction: Contradiction) -> list[Claim]:
    seen, out = set(), []
    for claim in (contradiction.claim, contradiction.first.claim, contradiction.second.claim):
        if claim is not None and claim.pk not in seen:
            seen.add(claim.pk)
            out.append(claim)
    return out


@transaction.atomic
def contradiction_decide(
    *, contradiction_id: int, user, decision: str, note: str, version: int
) -> Contradiction:
    """Confirm or reject a contradiction; the claims involved follow (disputed or open)."""
    statuses = {"confirm": Contradiction.Status.CONFIRMED, "reject": Contradiction.Status.REJECTED}
    if decision not in statuses:
        raise ValidationError({"decision": "Choose confirm or reject."})
    note = (note or "").strip()
    if decision == "reject" and not note:
        raise ValidationError({"note": "Say why the contradiction is rejected."})
    obj = _locked(Contradiction, contradiction_id, version)
    obj.status = statuses[decision]
    obj.reviewed_by = user
    obj.reviewed_at = timezone.now()
    obj.review_note = note
    _save(
        obj,
        user=user,
        reason=f"{decision}ed by {user.get_username()}",
        fields=["status", "reviewed_by", "reviewed_at", "review_note"],
    )
    obj = Contradiction.objects.select_related(
        "claim", "first__claim", "second__claim", "reviewed_by"
    ).get(pk=obj.pk)
    for claim in _claims_of(obj):
        claim_refresh_status(claim=claim)
    return obj


@transaction.atomic
def contradiction_assign(*, contradiction_id: int, user, assignee, version: int) -> Contradiction:
    obj = _locked(Contradiction, contradiction_id, version)
    obj.assigned_to = assignee
    who = assignee.get_username() if assignee else "nobody"
    _save(obj, user=user, reason=f"assigned to {who}", fields=["assigned_to"])
    return obj


@transaction.atomic
def claim_assign(*, claim_id: int, user, assignee, version: int) -> Claim:
    obj = _locked(Claim, claim_id, version)
    obj.assigned_to = assignee
    who = assignee.get_username() if assignee else "nobody"
    _save(obj, user=user, reason=f"assigned to {who}", fields=["assigned_to"])
    return obj


def _claim_ids_of(contradiction_id: int) -> set[int]:
    row = (
        Contradiction.objects.filter(pk=contradiction_id)
        .values("claim_id", "first__claim_id", "second__claim_id")
        .first()
    )
    return {v for v in (row or {}).values() if v}


def _refresh_claims(ids: set[int]) -> None:
    for claim in Claim.objects.filter(pk__in=ids).order_by("pk"):
        claim_refresh_status(claim=claim)


@transaction.atomic
def contradiction_save(*, contradiction: Contradiction, user) -> Contradiction:
    """Save a contradiction edited as a whole (the admin: the version was checked under the
    row lock by its form). The claims it touched before and touches now refresh."""
    before = _claim_ids_of(contradiction.pk) if contradiction.pk else set()
    contradiction._history_user = user
    contradiction.save()
    _refresh_claims(before | _claim_ids_of(contradiction.pk))
    return contradiction


@transaction.atomic
def contradiction_delete(*, contradiction_id: int, user) -> None:
    """Delete a contradiction; the claims it touched refresh (a confirmed one may have
    been all that kept a claim disputed)."""
    claims = _claim_ids_of(contradiction_id)
    obj = Contradiction.objects.select_for_update().get(pk=contradiction_id)
    obj._history_user = user
    obj.delete()
    _refresh_claims(claims)


@transaction.atomic
def claim_give_verdict(
    *, claim_id: int, user, verdict: str, rationale: str, resolve: bool, version: int
) -> Claim:
    """A verdict on the scale with its rationale (every verdict given says why, "Unrated"
    included: claims.models.validate_verdict_decision)."""
    if verdict not in Claim.Verdict.values:
        raise ValidationError({"verdict": "Choose a verdict from the scale."})
    rationale = (rationale or "").strip()
    validate_verdict_decision(verdict, rationale)
    obj = _locked(Claim, claim_id, version)
    obj.verdict = verdict
    obj.rationale = rationale
    obj.reviewed_by = user
    obj.reviewed_at = timezone.now()
    fields = ["verdict", "rationale", "reviewed_by", "reviewed_at"]
    if resolve:
        obj.status = Claim.Status.RESOLVED
        fields.append("status")
    label = Claim.Verdict(verdict).label.lower()
    reason = f"verdict {label}{' and resolved' if resolve else ''} by {user.get_username()}"
    _save(obj, user=user, reason=reason, fields=fields)
    if not resolve:
        claim_refresh_status(claim=obj)
        obj.refresh_from_db()
    return obj


@transaction.atomic
def claim_set_resolved(*, claim_id: int, user, resolved: bool, version: int) -> Claim:
    """Mark a claim resolved, or reopen it (its status then follows the evidence)."""
    obj = _locked(Claim, claim_id, version)
    if resolved:
        obj.status = Claim.Status.RESOLVED
        obj.reviewed_by = user
        obj.reviewed_at = timezone.now()
        _save(
            obj,
            user=user,
            reason=f"resolved by {user.get_username()}",
            fields=["status", "reviewed_by", "reviewed_at"],
        )
    else:
        obj.status = Claim.Status.OPEN
        _save(obj, user=user, reason=f"reopened by {user.get_username()}", fields=["status"])
        claim_refresh_status(claim=obj)
        obj.refresh_from_db()
    return obj


def note_add(*, user, body: str, claim: Claim | None = None, contradiction=None) -> Note:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something before posting the note."})
    if (claim is None) == (contradiction is None):
        raise ValueError("A note belongs to a claim or to a contradiction.")
    note = Note(claim=claim, contradiction=contradiction, author=user, body=body)
    note._history_user = user
    note.save()
    return note
