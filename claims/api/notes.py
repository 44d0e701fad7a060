"""Notes: the discussion on a claim or a contradiction. Anyone with a role lists, reads
and writes them; changing or deleting one takes the admin's note permissions (as in the
admin: no page edits notes)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from claims.api.auth import require_perm
from claims.api.common import get_or_404, page_of, refer
from claims.api.schemas import Error, NoteFilters, NoteIn, NoteOut, NotePage, NoteUpdate
from claims.models import Claim, Contradiction, Note
from claims.services import records
from claims.services.review import note_add

router = Router()
ERRORS = {401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


def notes() -> QuerySet:
    return Note.objects.select_related("author")


@router.get("/", response=NotePage, summary="List notes")
def note_list(request: HttpRequest, filters: Query[NoteFilters]):
    """Oldest first, as the threads read. `q` searches the text."""
    qs = notes().order_by("created_at", "id")
    if q := filters.q.strip():
        qs = qs.filter(body__icontains=q)
    if filters.claim:
        qs = qs.filter(claim_id=filters.claim)
    if filters.contradiction:
        qs = qs.filter(contradiction_id=filters.contradiction)
    if filters.created_after:
        qs = qs.filter(created_at__date__gte=filters.created_after)
    if filters.created_before:
        qs = qs.filter(created_at__date__lte=filters.created_before)
    return page_of(qs, filters)


@router.get("/{int:note_id}", response={200: NoteOut, **ERRORS}, summary="Read a note")
def note_read(request: HttpRequest, note_id: int):
    return get_or_404(notes(), note_id, "note")


@router.post("/", response={201: NoteOut, **ERRORS}, summary="Write a note")
def note_write(request: HttpRequest, payload: NoteIn):
    """On a claim or on a contradiction: name exactly one."""
    require_perm(request, "claims.add_note", "Your role does not allow writing notes.")
    if (payload.claim is None) == (payload.contradiction is None):
        raise ValidationError(
            {"__all__": "A note belongs to a claim or to a contradiction: give one of the two."}
        )
    claim = refer(Claim, payload.claim, "claim", "claim")
    contradiction = refer(Contradiction, payload.contradiction, "contradiction", "contradiction")
    note = note_add(user=request.user, body=payload.body, claim=claim, contradiction=contradiction)
    return Status(201, get_or_404(notes(), note.pk, "note"))


@router.put("/{int:note_id}", response={200: NoteOut, **ERRORS}, summary="Edit a note")
def note_put(request: HttpRequest, note_id: int, payload: NoteUpdate):
    get_or_404(notes(), note_id, "note")
    require_perm(request, "claims.change_note", "Notes are changed in the admin only.")
    records.note_update(user=request.user, note_id=note_id, body=payload.body)
    return get_or_404(notes(), note_id, "note")


@router.delete("/{int:note_id}", response={204: None, **ERRORS}, summary="Delete a note")
def note_delete(request: HttpRequest, note_id: int):
    note = get_or_404(notes(), note_id, "note")
    require_perm(request, "claims.delete_note", "Notes are deleted in the admin only.")
    records.note_delete(user=request.user, note=note)
    return Status(204, None)
