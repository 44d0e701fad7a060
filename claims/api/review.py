"""Review decisions (editors only, as on the review queue): confirm or reject a
contradiction, give a claim a verdict, resolve or reopen it, assign either to an editor.
Each carries the `version` the editor read; a stale one is a 409 with the current record."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Router

from claims.access import is_editor
from claims.api.claims import claim_detail
from claims.api.contradictions import contradiction_detail
from claims.api.schemas import (
    AssignIn,
    ClaimOut,
    ContradictionOut,
    DecisionIn,
    Error,
    ResolveIn,
    VerdictIn,
)
from claims.services import review as svc

router = Router()
ERRORS = {401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


def _editor(request: HttpRequest) -> None:
    if not is_editor(request.user):
        raise PermissionDenied("Only editors may do this.")


def _assignee(username: str | None):
    if not username:
        return None
    user = svc.editors().filter(username=username).first()
    if user is None:
        raise ValidationError({"assignee": f"“{username}” is not an editor."})
    return user


@router.post(
    "/contradictions/{int:contradiction_id}/decision",
    response={200: ContradictionOut, **ERRORS},
    summary="Confirm or reject a contradiction",
)
def contradiction_decide(request: HttpRequest, contradiction_id: int, payload: DecisionIn):
    """A rejection needs a note saying why. The claims involved follow (disputed or open)."""
    contradiction_detail(contradiction_id)
    _editor(request)
    svc.contradiction_decide(
        contradiction_id=contradiction_id,
        user=request.user,
        decision=payload.decision,
        note=payload.note,
        version=payload.version,
    )
    return contradiction_detail(contradiction_id)


@router.post(
    "/contradictions/{int:contradiction_id}/assignment",
    response={200: ContradictionOut, **ERRORS},
    summary="Assign a contradiction",
)
def contradiction_assign(request: HttpRequest, contradiction_id: int, payload: AssignIn):
    contradiction_detail(contradiction_id)
    _editor(request)
    svc.contradiction_assign(
        contradiction_id=contradiction_id,
        user=request.user,
        assignee=_assignee(payload.assignee),
        version=payload.version,
    )
    return contradiction_detail(contradiction_id)


@router.post(
    "/claims/{int:claim_id}/verdict",
    response={200: ClaimOut, **ERRORS},
    summary="Give a claim a verdict",
)
def claim_verdict(request: HttpRequest, claim_id: int, payload: VerdictIn):
    """A verdict other than `unrated` needs its rationale; `resolve` also resolves it."""
    claim_detail(claim_id)
    _editor(request)
    svc.claim_give_verdict(
        claim_id=claim_id,
        user=request.user,
        verdict=payload.verdict,
        rationale=payload.rationale,
        resolve=payload.resolve,
        version=payload.version,
    )
    return claim_detail(claim_id)


@router.post(
    "/claims/{int:claim_id}/resolution",
    response={200: ClaimOut, **ERRORS},
    summary="Resolve or reopen a claim",
)
def claim_resolve(request: HttpRequest, claim_id: int, payload: ResolveIn):
    claim_detail(claim_id)
    _editor(request)
    svc.claim_set_resolved(
        claim_id=claim_id, user=request.user, resolved=payload.resolved, version=payload.version
    )
    return claim_detail(claim_id)


@router.post(
    "/claims/{int:claim_id}/assignment",
    response={200: ClaimOut, **ERRORS},
    summary="Assign a claim",
)
def claim_assign(request: HttpRequest, claim_id: int, payload: AssignIn):
    claim_detail(claim_id)
    _editor(request)
    svc.claim_assign(
        claim_id=claim_id,
        user=request.user,
        assignee=_assignee(payload.assignee),
        version=payload.version,
    )
    return claim_detail(claim_id)
