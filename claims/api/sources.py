"""Sources: list (search, filters), read (with the text), import, edit, delete."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from claims.api.auth import require_perm
from claims.api.common import get_or_404, page_of
from claims.api.schemas import (
    Error,
    SourceDetail,
    SourceFilters,
    SourceIn,
    SourcePage,
    SourcePatch,
    SourcePut,
)
from claims.models import Source, Statement
from claims.selectors import statement_count
from claims.services import records
from claims.services.imports import source_create

router = Router()
ERRORS = {401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


def sources() -> QuerySet:
    return Source.objects.select_related("created_by").annotate(
        n_statements=statement_count("source")
    )


def _detail(pk: int) -> Source:
    return get_or_404(sources(), pk, "source")


CURRENT = {Source: lambda pk: SourceDetail.from_orm(_detail(pk)).model_dump(mode="json")}


@router.get("/", response=SourcePage, summary="List sources")
def source_list(request: HttpRequest, filters: Query[SourceFilters]):
    """Newest first. `q` searches title, publisher, byline and dateline (as the sources page)."""
    qs = sources().defer("text").order_by("-created_at", "-id")
    if q := filters.q.strip():
        qs = qs.filter(
            Q(title__icontains=q)
            | Q(publisher__icontains=q)
            | Q(byline__icontains=q)
            | Q(dateline__icontains=q)
        )
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.published_after:
        qs = qs.filter(published_on__gte=filters.published_after)
    if filters.published_before:
        qs = qs.filter(published_on__lte=filters.published_before)
    if filters.actor:
        speaking = Statement.objects.filter(Q(speaker_id=filters.actor) | Q(via_id=filters.actor))
        qs = qs.filter(pk__in=speaking.values("source_id"))
    if filters.claim:
        qs = qs.filter(pk__in=Statement.objects.filter(claim_id=filters.claim).values("source_id"))
    return page_of(qs, filters)


@router.get("/{int:source_id}", response={200: SourceDetail, **ERRORS}, summary="Read a source")
def source_read(request: HttpRequest, source_id: int):
    return _detail(source_id)


@router.post("/", response={201: SourceDetail, **ERRORS}, summary="Import a source")
def source_add(request: HttpRequest, payload: SourceIn):
    """The text is normalised once (NFC, LF line ends); statement offsets index into it."""
    require_perm(request, "claims.add_source", "Your role does not allow importing sources.")
    fields = payload.model_dump(exclude={"text"})
    try:
        source = source_create(user=request.user, text=payload.text, **fields)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise ValidationError({"text": exc.messages}) from None  # the text's own checks
    return Status(201, _detail(source.pk))


def _update(request: HttpRequest, source_id: int, fields: dict, version: int):
    _detail(source_id)
    require_perm(request, "claims.change_source", "Only editors may edit sources.")
    records.source_update(user=request.user, source_id=source_id, version=version, fields=fields)
    return _detail(source_id)


@router.put("/{int:source_id}", response={200: SourceDetail, **ERRORS}, summary="Edit a source")
def source_put(request: HttpRequest, source_id: int, payload: SourcePut):
    """Every field; a changed text re-anchors the statements (those not found are `lost`)."""
    return _update(request, source_id, payload.model_dump(exclude={"version"}), payload.version)


@router.patch("/{int:source_id}", response={200: SourceDetail, **ERRORS}, summary="Edit a source")
def source_patch(request: HttpRequest, source_id: int, payload: SourcePatch):
    fields = payload.model_dump(exclude={"version"}, exclude_unset=True)
    return _update(request, source_id, fields, payload.version)


@router.delete("/{int:source_id}", response={204: None, **ERRORS}, summary="Delete a source")
def source_delete(request: HttpRequest, source_id: int, version: int):
    """Only a source without statements; `version` is the one you read."""
    _detail(source_id)
    require_perm(request, "claims.delete_source", "Your role does not allow deleting sources.")
    records.source_delete(user=request.user, source_id=source_id, version=version)
    return Status(204, None)
