"""Contradictions: list (status, kind, claim, actor, source, statement, dates; search),
read, propose, edit kind/rationale/claim (editors), delete (editors). Confirming,
rejecting and assigning are review decisions (review.py)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from claims.api.auth import require_perm
from claims.api.common import get_or_404, page_of, refer
from claims.api.schemas import (
    ContradictionFilters,
    ContradictionIn,
    ContradictionOut,
    ContradictionPage,
    ContradictionPatch,
    ContradictionPut,
    Error,
)
from claims.models import Claim, Contradiction, Statement
from claims.services import records
from claims.services.statements import contradiction_propose

router = Router()
ERRORS = {401: Error, 403: Error, 404: Error, 409: Error, 422: Error}

RELATED = [
    "first__speaker",
    "second__speaker",
    "claim",
    "proposed_by",
    "reviewed_by",
    "assigned_to",
]


def contradictions() -> QuerySet:
    return Contradiction.objects.select_related(*RELATED)


def contradiction_detail(pk: int) -> Contradiction:
    return get_or_404(contradictions(), pk, "contradiction")


CURRENT = {
    Contradiction: lambda pk: ContradictionOut.from_orm(contradiction_detail(pk)).model_dump(
        mode="json"
    )
}


def _either(statements: QuerySet) -> Q:
    ids = statements.values("pk")
    return Q(first_id__in=ids) | Q(second_id__in=ids)


@router.get("/", response=ContradictionPage, summary="List contradictions")
def contradiction_list(request: HttpRequest, filters: Query[ContradictionFilters]):
    """Oldest first. `q` searches the rationale and both quotes."""
    qs = contradictions().order_by("created_at", "id")
    if q := filters.q.strip():
        qs = qs.filter(
            Q(rationale__icontains=q) | Q(first__exact__icontains=q) | Q(second__exact__icontains=q)
        )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.claim:
        qs = qs.filter(
            Q(claim_id=filters.claim) | _either(Statement.objects.filter(claim_id=filters.claim))
        )
    if filters.actor:
        qs = qs.filter(
            _either(Statement.objects.filter(Q(speaker_id=filters.actor) | Q(via_id=filters.actor)))
        )
    if filters.source:
        qs = qs.filter(_either(Statement.objects.filter(source_id=filters.source)))
    if filters.statement:
        qs = qs.filter(Q(first_id=filters.statement) | Q(second_id=filters.statement))
    if filters.created_after:
        qs = qs.filter(created_at__date__gte=filters.created_after)
    if filters.created_before:
        qs = qs.filter(created_at__date__lte=filters.created_before)
    return page_of(qs, filters)


@router.get(
    "/{int:contradiction_id}",
    response={200: ContradictionOut, **ERRORS},
    summary="Read a contradiction",
)
def contradiction_read(request: HttpRequest, contradiction_id: int):
    return contradiction_detail(contradiction_id)


@router.post("/", response={201: ContradictionOut, **ERRORS}, summary="Propose a contradiction")
def contradiction_add(request: HttpRequest, payload: ContradictionIn):
    """`first` contradicts `second` (in a rebuttal, `first` answers `second`); proposed for
    an editor's review. A pair is linked once, whichever way round."""
    require_perm(
        request, "claims.add_contradiction", "Your role does not allow proposing contradictions."
    )
    first = refer(Statement, payload.first, "first", "statement")
    second = refer(Statement, payload.second, "second", "statement")
    contradiction = contradiction_propose(
        user=request.user,
        first=first,
        second=second,
        kind=payload.kind,
        rationale=payload.rationale,
    )
    return Status(201, contradiction_detail(contradiction.pk))


def _update(request: HttpRequest, contradiction_id: int, fields: dict, version: int):
    contradiction_detail(contradiction_id)
    require_perm(request, "claims.change_contradiction", "Only editors may edit contradictions.")
    if "claim" in fields:
        fields["claim"] = refer(Claim, fields["claim"], "claim", "claim")
    records.contradiction_update(
        user=request.user, contradiction_id=contradiction_id, version=version, fields=fields
    )
    return contradiction_detail(contradiction_id)


@router.put(
    "/{int:contradiction_id}",
    response={200: ContradictionOut, **ERRORS},
    summary="Edit a contradiction",
)
def contradiction_put(request: HttpRequest, contradiction_id: int, payload: ContradictionPut):
    return _update(
        request, contradiction_id, payload.model_dump(exclude={"version"}), payload.version
    )


@router.patch(
    "/{int:contradiction_id}",
    response={200: ContradictionOut, **ERRORS},
    summary="Edit a contradiction",
)
def contradiction_patch(request: HttpRequest, contradiction_id: int, payload: ContradictionPatch):
    fields = payload.model_dump(exclude={"version"}, exclude_unset=True)
    return _update(request, contradiction_id, fields, payload.version)


@router.delete(
    "/{int:contradiction_id}",
    response={204: None, **ERRORS},
    summary="Delete a contradiction",
)
def contradiction_delete(request: HttpRequest, contradiction_id: int, version: int):
    contradiction_detail(contradiction_id)
    require_perm(request, "claims.delete_contradiction", "Only editors may delete contradictions.")
    records.contradiction_delete(
        user=request.user, contradiction_id=contradiction_id, version=version
    )
    return Status(204, None)
