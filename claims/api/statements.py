"""Statements: list (by source, actor, claim, stance, date; search), read, record, edit,
delete. Offsets of a new statement come in the unit the body names (`offsets`: "utf16" as
browsers measure, or "codepoints"); they are converted and checked against the source text
by claims.anchoring exactly as the annotation page does, and the statement service refuses
a span whose quote does not match (422): nothing is saved at a guess."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Substr
from django.http import HttpRequest
from ninja import Query, Router, Status

from claims import anchoring
from claims.access import require_statement_change
from claims.api.auth import require_perm
from claims.api.common import get_or_404, page_of, refer
from claims.api.schemas import (
    Error,
    StatementFilters,
    StatementIn,
    StatementOut,
    StatementPage,
    StatementPatch,
    StatementPut,
)
from claims.models import Actor, Claim, Source, Statement
from claims.services import statements as services

router = Router()
ERRORS = {401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


def statements() -> QuerySet:
    return Statement.objects.select_related("speaker", "via", "claim", "created_by")


def _detail(pk: int) -> Statement:
    """One statement, with its source's text only up to the span's end (for the UTF-16
    offsets): a statement near the start of a long article does not read all of it."""
    qs = statements().annotate(_text=Substr("source__text", 1, F("end")))
    return get_or_404(qs, pk, "statement")


CURRENT = {Statement: lambda pk: StatementOut.from_orm(_detail(pk)).model_dump(mode="json")}


def _with_texts(rows: list[Statement]) -> list[Statement]:
    """Attach each source's text (one query for the page) for the UTF-16 offsets."""
    texts = dict(
        Source.objects.filter(pk__in={s.source_id for s in rows}).values_list("pk", "text")
    )
    for statement in rows:
        statement._text = texts[statement.source_id]
    return rows


@router.get("/", response=StatementPage, summary="List statements")
def statement_list(request: HttpRequest, filters: Query[StatementFilters]):
    """In text order, source by source. `q` searches the quote, the speaker's name and the
    claim (as the "contradicts…" search)."""
    qs = statements().order_by("source_id", "start", "end", "id")
    if q := filters.q.strip():
        qs = qs.filter(
            Q(exact__icontains=q) | Q(speaker__name__icontains=q) | Q(claim__text__icontains=q)
        )
    if filters.source:
        qs = qs.filter(source_id=filters.source)
    if filters.actor:
        qs = qs.filter(Q(speaker_id=filters.actor) | Q(via_id=filters.actor))
    if filters.claim:
        qs = qs.filter(claim_id=filters.claim)
    if filters.stance:
        qs = qs.filter(stance=filters.stance)
    if filters.reporting:
        qs = qs.filter(reporting=filters.reporting)
    if filters.said_after:
        qs = qs.filter(said_on__gte=filters.said_after)
    if filters.said_before:
        qs = qs.filter(said_on__lte=filters.said_before)
    if filters.anchor_status:
        qs = qs.filter(anchor_status=filters.anchor_status)
    return page_of(qs, filters, rows=_with_texts)


@router.get(
    "/{int:statement_id}", response={200: StatementOut, **ERRORS}, summary="Read a statement"
)
def statement_read(request: HttpRequest, statement_id: int):
    return _detail(statement_id)


def _people_and_claim(fields: dict) -> dict:
    """Ids in the body -> records, with a message on the field that names a missing one.
    A stance without a claim is refused (the service would drop it without a word)."""
    if fields.get("stance") and fields.get("claim") is None:
        raise ValidationError({"claim": "A stance needs a claim: give the claim's id."})
    return {
        **fields,
        "speaker": refer(Actor, fields["speaker"], "speaker", "actor"),
        "via": refer(Actor, fields["via"], "via", "actor"),
        "claim": refer(Claim, fields["claim"], "claim", "claim"),
    }


@router.post("/", response={201: StatementOut, **ERRORS}, summary="Record a statement")
def statement_add(request: HttpRequest, payload: StatementIn):
    """The span: `start`/`end` in the unit `offsets` names, and the quote `exact` (with
    `prefix`/`suffix`, the text around it, when you have them). When the offsets do not
    cover the quote, it is looked for by its context near them, as on the page; when it
    cannot be found the statement is refused (422 on `exact`)."""
    require_perm(request, "claims.add_statement", "Your role does not allow recording statements.")
    source = refer(Source, payload.source, "source", "source")
    anchor = anchoring.resolve(
        source.text,
        exact=payload.exact,
        start=payload.start,
        end=payload.end,
        prefix=payload.prefix,
        suffix=payload.suffix,
        utf16=payload.offsets == "utf16",
    )
    fields = _people_and_claim(
        payload.model_dump(include={"speaker", "via", "reporting", "claim", "stance"})
    )
    statement = services.statement_create(
        user=request.user,
        source=source,
        anchor=anchor,
        said_on=payload.said_on,
        summary=payload.summary,
        **fields,
    )
    return Status(201, _detail(statement.pk))


EDITABLE = ["speaker", "via", "reporting", "claim", "stance", "said_on", "summary"]


def _update(request: HttpRequest, statement_id: int, changes: dict, version: int):
    statement = _detail(statement_id)
    require_statement_change(request.user, statement)
    fields = {
        "speaker": statement.speaker_id,
        "via": statement.via_id,
        "claim": statement.claim_id,
        **{k: getattr(statement, k) for k in ("reporting", "stance", "said_on", "summary")},
        **changes,
    }
    if changes.get("claim", statement.claim_id) is None:
        fields["stance"] = ""
    services.statement_update(
        user=request.user,
        statement_id=statement_id,
        version=version,
        **_people_and_claim(fields),
    )
    return _detail(statement_id)


@router.put(
    "/{int:statement_id}", response={200: StatementOut, **ERRORS}, summary="Edit a statement"
)
def statement_put(request: HttpRequest, statement_id: int, payload: StatementPut):
    """Who said it, how, and what it says about which claim; the span stays (as on the
    page). Researchers edit their own statements, editors any."""
    return _update(
        request, statement_id, payload.model_dump(include=set(EDITABLE)), payload.version
    )


@router.patch(
    "/{int:statement_id}", response={200: StatementOut, **ERRORS}, summary="Edit a statement"
)
def statement_patch(request: HttpRequest, statement_id: int, payload: StatementPatch):
    changes = payload.model_dump(include=set(EDITABLE), exclude_unset=True)
    if "speaker" in changes and changes["speaker"] is None:
        changes.pop("speaker")
    return _update(request, statement_id, changes, payload.version)


@router.delete("/{int:statement_id}", response={204: None, **ERRORS}, summary="Delete a statement")
def statement_delete(request: HttpRequest, statement_id: int, version: int):
    """Its contradictions go with it (as on the page)."""
    statement = _detail(statement_id)
    require_statement_change(request.user, statement)
    services.statement_delete(user=request.user, statement_id=statement_id, version=version)
    return Status(204, None)
