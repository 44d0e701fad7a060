"""Claims: list (search, status, verdict, actor, source, dates), read, create, edit the
proposition, delete. Verdicts, resolution and assignment are review decisions (review.py)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from claims.api.auth import require_perm
from claims.api.common import get_or_404, page_of
from claims.api.schemas import (
    ClaimFilters,
    ClaimIn,
    ClaimOut,
    ClaimPage,
    ClaimPatch,
    ClaimPut,
    Error,
)
from claims.models import Claim, Statement
from claims.selectors import claim_statement_count
from claims.services import records

router = Router()
ERRORS = {401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


def claims() -> QuerySet:
    return Claim.objects.select_related("reviewed_by", "assigned_to", "created_by").annotate(
        n_statements=claim_statement_count(),
        n_asserts=claim_statement_count("asserts"),
        n_denies=claim_statement_count("denies"),
    )


def claim_detail(pk: int) -> Claim:
    return get_or_404(claims(), pk, "claim")


CURRENT = {Claim: lambda pk: ClaimOut.from_orm(claim_detail(pk)).model_dump(mode="json")}


@router.get("/", response=ClaimPage, summary="List claims")
def claim_list(request: HttpRequest, filters: Query[ClaimFilters]):
    """Alphabetical, as the claims page. `q` searches the proposition."""
    qs = claims().order_by("text", "id")
    if q := filters.q.strip():
        qs = qs.filter(text__icontains=q)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.verdict:
        qs = qs.filter(verdict=filters.verdict)
    if filters.actor:
        by_actor = Statement.objects.filter(speaker_id=filters.actor) | Statement.objects.filter(
            via_id=filters.actor
        )
        qs = qs.filter(pk__in=by_actor.values("claim_id"))
    if filters.source:
        qs = qs.filter(pk__in=Statement.objects.filter(source_id=filters.source).values("claim_id"))
    if filters.created_after:
        qs = qs.filter(created_at__date__gte=filters.created_after)
    if filters.created_before:
        qs = qs.filter(created_at__date__lte=filters.created_before)
    return page_of(qs, filters)


@router.get("/{int:claim_id}", response={200: ClaimOut, **ERRORS}, summary="Read a claim")
def claim_read(request: HttpRequest, claim_id: int):
    return claim_detail(claim_id)


@router.post("/", response={201: ClaimOut, **ERRORS}, summary="Create a claim")
def claim_add(request: HttpRequest, payload: ClaimIn):
    """One claim per proposition (case aside): an existing one is a 409 with that claim."""
    require_perm(request, "claims.add_claim", "Your role does not allow creating claims.")
    claim = records.claim_create_new(user=request.user, text=payload.text)
    return Status(201, claim_detail(claim.pk))


def _update(request: HttpRequest, claim_id: int, text: str | None, version: int):
    claim = claim_detail(claim_id)
    require_perm(request, "claims.change_claim", "Only editors may edit claims.")
    records.claim_update(
        user=request.user, claim_id=claim_id, version=version, text=text or claim.text
    )
    return claim_detail(claim_id)


@router.put("/{int:claim_id}", response={200: ClaimOut, **ERRORS}, summary="Edit a claim")
def claim_put(request: HttpRequest, claim_id: int, payload: ClaimPut):
    return _update(request, claim_id, payload.text, payload.version)


@router.patch("/{int:claim_id}", response={200: ClaimOut, **ERRORS}, summary="Edit a claim")
def claim_patch(request: HttpRequest, claim_id: int, payload: ClaimPatch):
    return _update(request, claim_id, payload.text, payload.version)


@router.delete("/{int:claim_id}", response={204: None, **ERRORS}, summary="Delete a claim")
def claim_delete(request: HttpRequest, claim_id: int, version: int):
    """Only a claim no statement is about (merge duplicates instead)."""
    claim_detail(claim_id)
    require_perm(request, "claims.delete_claim", "Your role does not allow deleting claims.")
    records.claim_delete(user=request.user, claim_id=claim_id, version=version)
    return Status(204, None)
