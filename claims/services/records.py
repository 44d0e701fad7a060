"""Edits and deletions of single records that no page form makes yet, for the HTTP API:
a source's details (and text, re-anchored), an actor and its aliases, a claim's
proposition, a contradiction's kind and rationale, a note; and deleting them.

Each function locks the row, compares the `version` the caller read and refuses with
EditConflict when the record moved on since (nothing silently overwritten), validates
with the model's own rules (full_clean: the same messages as the admin), records who did
it in the history, and runs in one transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, RestrictedError

from claims.models import Actor, ActorAlias, Claim, Contradiction, Note, Source, Statement
from claims.services.disputes import claim_refresh_status
from claims.services.review import EditConflict
from claims.services.sources import source_update_text
from claims.services.statements import actor_create, claim_create


class Duplicate(Exception):
    """Creating would repeat a record that exists (same actor name, same proposition)."""

    def __init__(self, existing: models.Model, message: str):
        self.current = existing
        super().__init__(message)


class InUse(Exception):
    """A record others point at (statements use this actor/source/claim) cannot go."""


def _locked(model: type[models.Model], pk: int, version: int | None):
    obj = model.objects.select_for_update().get(pk=pk)
    if version is None or getattr(obj, "version", version) != version:
        raise EditConflict(obj, version)
    return obj


def _save(obj, *, user, fields: dict, reason: str = "") -> None:
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj._history_user = user
    if reason:
        obj._change_reason = reason[:100]
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ValidationError(f"The change breaks a rule of the data: {exc}") from None


def _delete(obj, *, user, what: str) -> None:
    obj._history_user = user
    try:
        with transaction.atomic():
            obj.delete()
    except (ProtectedError, RestrictedError) as exc:
        n = len(exc.protected_objects if hasattr(exc, "protected_objects") else [])
        raise InUse(
            f"This {what} is used by {n} other record{'s' if n != 1 else ''} "
            "(statements); change or delete those first, or merge it."
        ) from None


# --- sources -----------------------------------------------------------------------

SOURCE_FIELDS = [
    "title", "kind", "publisher", "url", "published_on", "dateline", "byline", "language",
    "notes",
]  # fmt: skip


@transaction.atomic
def source_update(*, user, source_id: int, version: int | None, fields: dict) -> Source:
    """Change a source's details; a changed `text` re-anchors its statements."""
    source = _locked(Source, source_id, version)
    text = fields.pop("text", None)
    unknown = set(fields) - set(SOURCE_FIELDS)
    if unknown:
        raise ValueError(f"not source fields: {sorted(unknown)}")
    if text is not None and text != source.text:
        for name, value in fields.items():
            setattr(source, name, value)
        source.full_clean(exclude=["text"])
        source_update_text(source=source, text=text, user=user)
    else:
        _save(source, user=user, fields=fields)
    return source


@transaction.atomic
def source_delete(*, user, source_id: int, version: int | None) -> None:
    _delete(_locked(Source, source_id, version), user=user, what="source")


# --- actors --------------------------------------------------------------------------


@transaction.atomic
def actor_create_full(
    *, user, name: str, kind: str, description: str = "", wikidata_id: str = "", aliases=()
) -> Actor:
    """A new actor with its details and aliases; Duplicate if the name is taken (the
    statement form's rule: one actor per name, case aside)."""
    if kind not in Actor.Kind.values:
        raise ValidationError({"kind": "Choose a kind from the list."})
    actor, created = actor_create(user=user, name=name, kind=kind)
    if not created:
        raise Duplicate(actor, f"An actor named “{actor.name}” exists already (#{actor.pk}).")
    if description or wikidata_id:
        actor.description, actor.wikidata_id = description, wikidata_id
        actor.full_clean()
        actor.save(update_fields=["description", "wikidata_id"])
    for alias in aliases:
        alias_add(user=user, actor=actor, name=alias)
    return actor


@transaction.atomic
def actor_update(*, user, actor_id: int, version: int | None, fields: dict) -> Actor:
    actor = _locked(Actor, actor_id, version)
    if "name" in fields:
        fields["name"] = " ".join((fields["name"] or "").split())
    _save(actor, user=user, fields=fields)
    return actor


@transaction.atomic
def actor_delete(*, user, actor_id: int, version: int | None) -> None:
    _delete(_locked(Actor, actor_id, version), user=user, what="actor")


def alias_add(*, user, actor: Actor, name: str) -> ActorAlias:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"aliases": "An alias cannot be empty."})
    if actor.aliases.filter(name=name).exists():
        raise ValidationError({"aliases": f"{actor.name} already has the alias “{name}”."})
    alias = ActorAlias(actor=actor, name=name)
    alias.full_clean()
    alias._history_user = user
    alias.save()
    return alias


def alias_delete(*, user, alias: ActorAlias) -> None:
    alias._history_user = user
    alias.delete()


# --- claims -------------------------------------------------------------------------


def claim_create_new(*, user, text: str) -> Claim:
    claim, created = claim_create(user=user, text=text)
    if not created:
        raise Duplicate(claim, f"This claim exists already (#{claim.pk}).")
    return claim


@transaction.atomic
def claim_update(*, user, claim_id: int, version: int | None, text: str) -> Claim:
    claim = _locked(Claim, claim_id, version)
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError({"text": "Type the claim, stated neutrally."})
    if Claim.objects.filter(text__iexact=text).exclude(pk=claim.pk).exists():
        raise ValidationError({"text": "Another claim says exactly this; merge them instead."})
    _save(claim, user=user, fields={"text": text})
    return claim


@transaction.atomic
def claim_delete(*, user, claim_id: int, version: int | None) -> None:
    _delete(_locked(Claim, claim_id, version), user=user, what="claim")


# --- contradictions --------------------------------------------------------------------


@transaction.atomic
def contradiction_update(
    *, user, contradiction_id: int, version: int | None, fields: dict
) -> Contradiction:
    """Kind, rationale and the claim at issue; the statements and the review stay."""
    obj = _locked(Contradiction, contradiction_id, version)
    old_claim = obj.claim
    if "kind" in fields and fields["kind"] not in Contradiction.Kind.values:
        raise ValidationError({"kind": "Choose a kind from the list."})
    if "rationale" in fields:
        fields["rationale"] = (fields["rationale"] or "").strip()
    _save(obj, user=user, fields=fields)
    if obj.claim_id != getattr(old_claim, "pk", None):
        claim_refresh_status(claim=old_claim)
        claim_refresh_status(claim=obj.claim)
    return obj


@transaction.atomic
def contradiction_delete(*, user, contradiction_id: int, version: int | None) -> None:
    obj = _locked(Contradiction, contradiction_id, version)
    claims = {obj.claim_id}
    claims.update(
        Statement.objects.filter(pk__in=[obj.first_id, obj.second_id]).values_list(
            "claim_id", flat=True
        )
    )
    _delete(obj, user=user, what="contradiction")
    for claim in Claim.objects.filter(pk__in=[c for c in claims if c]):
        claim_refresh_status(claim=claim)


# --- notes ----------------------------------------------------------------------------


@transaction.atomic
def note_update(*, user, note_id: int, body: str) -> Note:
    note = Note.objects.select_for_update().get(pk=note_id)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something before posting the note."})
    _save(note, user=user, fields={"body": body})
    return note


def note_delete(*, user, note: Note) -> None:
    _delete(note, user=user, what="note")
