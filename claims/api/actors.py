"""Actors and their aliases: list (name or alias search), read, create, edit, delete."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from claims.api.auth import require_perm
from claims.api.common import get_or_404, page_of
from claims.api.schemas import (
    ActorDetail,
    ActorFilters,
    ActorIn,
    ActorPage,
    ActorPatch,
    ActorPut,
    AliasIn,
    AliasOut,
    Error,
)
from claims.models import Actor, ActorAlias, Affiliation, Statement
from claims.selectors import statement_count
from claims.services import records

router = Router()
ERRORS = {401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


def actors() -> QuerySet:
    return Actor.objects.annotate(n_statements=statement_count("speaker")).prefetch_related(
        Prefetch("aliases", queryset=ActorAlias.objects.order_by("name", "id"))
    )


def _detail(pk: int) -> Actor:
    qs = actors().prefetch_related(
        Prefetch("affiliations", queryset=Affiliation.objects.select_related("target"))
    )
    return get_or_404(qs, pk, "actor")


CURRENT = {Actor: lambda pk: ActorDetail.from_orm(_detail(pk)).model_dump(mode="json")}


@router.get("/", response=ActorPage, summary="List actors")
def actor_list(request: HttpRequest, filters: Query[ActorFilters]):
    """By name. `q` matches the name or an alias (as the actors page)."""
    qs = actors().order_by("name", "id")
    if q := filters.q.strip():
        alias_hits = ActorAlias.objects.filter(name__icontains=q).values("actor_id")
        qs = qs.filter(Q(name__icontains=q) | Q(pk__in=alias_hits))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.source:
        in_source = Statement.objects.filter(source_id=filters.source)
        qs = qs.filter(
            Q(pk__in=in_source.values("speaker_id")) | Q(pk__in=in_source.values("via_id"))
        )
    if filters.claim:
        qs = qs.filter(pk__in=Statement.objects.filter(claim_id=filters.claim).values("speaker_id"))
    return page_of(qs, filters)


@router.get("/{int:actor_id}", response={200: ActorDetail, **ERRORS}, summary="Read an actor")
def actor_read(request: HttpRequest, actor_id: int):
    return _detail(actor_id)


@router.post("/", response={201: ActorDetail, **ERRORS}, summary="Create an actor")
def actor_add(request: HttpRequest, payload: ActorIn):
    """One actor per name (case aside): a name that exists is a 409 with that actor."""
    require_perm(request, "claims.add_actor", "Your role does not allow creating actors.")
    actor = records.actor_create_full(user=request.user, **payload.model_dump())
    return Status(201, _detail(actor.pk))


def _update(request: HttpRequest, actor_id: int, fields: dict, version: int):
    _detail(actor_id)
    require_perm(request, "claims.change_actor", "Only editors may edit actors.")
    records.actor_update(user=request.user, actor_id=actor_id, version=version, fields=fields)
    return _detail(actor_id)


@router.put("/{int:actor_id}", response={200: ActorDetail, **ERRORS}, summary="Edit an actor")
def actor_put(request: HttpRequest, actor_id: int, payload: ActorPut):
    return _update(request, actor_id, payload.model_dump(exclude={"version"}), payload.version)


@router.patch("/{int:actor_id}", response={200: ActorDetail, **ERRORS}, summary="Edit an actor")
def actor_patch(request: HttpRequest, actor_id: int, payload: ActorPatch):
    fields = payload.model_dump(exclude={"version"}, exclude_unset=True)
    return _update(request, actor_id, fields, payload.version)


@router.delete("/{int:actor_id}", response={204: None, **ERRORS}, summary="Delete an actor")
def actor_delete(request: HttpRequest, actor_id: int, version: int):
    """Only an actor no statement uses (merge duplicates instead)."""
    _detail(actor_id)
    require_perm(request, "claims.delete_actor", "Your role does not allow deleting actors.")
    records.actor_delete(user=request.user, actor_id=actor_id, version=version)
    return Status(204, None)


@router.post("/{int:actor_id}/aliases", response={201: AliasOut, **ERRORS}, summary="Add an alias")
def alias_add(request: HttpRequest, actor_id: int, payload: AliasIn):
    actor = get_or_404(Actor.objects.all(), actor_id, "actor")
    require_perm(request, "claims.add_actoralias", "Your role does not allow adding aliases.")
    return Status(201, records.alias_add(user=request.user, actor=actor, name=payload.name))


@router.delete(
    "/{int:actor_id}/aliases/{int:alias_id}",
    response={204: None, **ERRORS},
    summary="Remove an alias",
)
def alias_remove(request: HttpRequest, actor_id: int, alias_id: int):
    alias = get_or_404(ActorAlias.objects.filter(actor_id=actor_id), alias_id, "alias")
    require_perm(request, "claims.delete_actoralias", "Only editors may remove aliases.")
    records.alias_delete(user=request.user, alias=alias)
    return Status(204, None)
