"""Suggested statements: found by the engine (claims.suggest), decided by a person.

`suggestions_refresh` runs the engine over a source's text with the actor register
read from the database and stores what it finds as pending SuggestedStatements;
`suggestion_accept` records one as a statement (through the statement service, as
the accepting researcher's own) and `suggestion_dismiss` hides it for good. Nothing
becomes a statement without a person accepting it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claims import anchoring
from claims.models import Actor, ActorAlias, Claim, Source, Statement, SuggestedStatement
from claims.services.statements import NewActor, statement_create

REPORTING_ALIASES = {"reported_speech": Statement.Reporting.REPORTED}
CANDIDATES = 3


@dataclass(frozen=True)
class RefreshResult:
    created: int
    updated: int
    removed: int
    kept: int  # decided ones (accepted or dismissed) left as they are

    @property
    def pending(self) -> int:
        return self.created + self.updated


def actor_register() -> list:
    """The register the engine resolves speakers against: every actor with its aliases."""
    from claims.suggest import ActorEntry

    aliases: dict[int, list[str]] = {}
    for actor_id, name in ActorAlias.objects.values_list("actor_id", "name"):
        aliases.setdefault(actor_id, []).append(name)
    return [
        ActorEntry(id=pk, name=name, aliases=tuple(aliases.get(pk, ())), kind=kind)
        for pk, name, kind in Actor.objects.order_by("id").values_list("id", "name", "kind")
    ]


def _reporting(value: str) -> str:
    value = REPORTING_ALIASES.get(value, value)
    return value if value in Statement.Reporting.values else Statement.Reporting.REPORTED


def _mention(mention, prefix: str, actors: set[int]) -> dict:
    if mention is None:
        return {f"{prefix}_start": None, f"{prefix}_end": None, f"{prefix}_text": ""}
    fields = {
        f"{prefix}_start": mention.start,
        f"{prefix}_end": mention.end,
        f"{prefix}_text": mention.text[:300],
    }
    if prefix != "cue":
        actor_id = getattr(mention, "actor_id", None)
        fields[f"{prefix}_id"] = actor_id if actor_id in actors else None
    return fields


@transaction.atomic
def suggestions_refresh(*, source: Source) -> RefreshResult:
    """Find the statements in `source`'s text and store them as pending suggestions.

    Spans a statement already covers are not proposed. Idempotent: a span found again
    updates its pending suggestion; a span decided before (accepted or dismissed) stays
    as decided and is not proposed again; pending suggestions the engine no longer finds
    are removed. Spans are checked against the text; a mismatch is skipped, never stored.
    """
    from claims.suggest import rank_claims, suggest

    register = actor_register()
    actor_ids = {entry.id for entry in register}
    claims = list(Claim.objects.order_by("id").values_list("id", "text"))
    found = suggest(source.text, register)
    recorded = list(Statement.objects.filter(source=source).order_by().values_list("start", "end"))
    existing = {(s.start, s.end): s for s in SuggestedStatement.objects.filter(source=source)}
    seen: set[tuple[int, int]] = set()
    created = updated = kept = 0
    for item in found:
        key = (item.start, item.end)
        if key in seen or item.end <= item.start:
            continue
        try:
            anchor = anchoring.make_anchor(source.text, item.start, item.end)
        except anchoring.AnchorError:
            continue
        if anchor.exact != item.exact:
            continue
        if _already_recorded(item.start, item.end, recorded):
            continue
        seen.add(key)
        ranked = rank_claims(item.exact, claims, limit=CANDIDATES) if claims else []
        fields = {
            "exact": anchor.exact,
            "prefix": anchor.prefix,
            "suffix": anchor.suffix,
            "reporting": _reporting(item.reporting),
            "speaker_name": (item.speaker_name or "")[:300],
            "candidate_claims": [{"id": cid, "score": round(score, 3)} for cid, score in ranked],
            "score": float(item.score or 0.0),
            **_mention(item.speaker, "speaker", actor_ids),
            **_mention(item.via, "via", actor_ids),
            **_mention(item.cue, "cue", actor_ids),
        }
        current = existing.get(key)
        if current is None:
            SuggestedStatement.objects.create(
                source=source, start=item.start, end=item.end, **fields
            )
            created += 1
        elif current.status == SuggestedStatement.Status.PENDING:
            for name, value in fields.items():
                setattr(current, name, value)
            current.save()
            updated += 1
        else:
            kept += 1
    stale = [
        s.pk
        for key, s in existing.items()
        if key not in seen and s.status == SuggestedStatement.Status.PENDING
    ]
    SuggestedStatement.objects.filter(pk__in=stale).delete()
    kept += sum(
        1
        for key, s in existing.items()
        if key not in seen and s.status != SuggestedStatement.Status.PENDING
    )
    return RefreshResult(created=created, updated=updated, removed=len(stale), kept=kept)


def _already_recorded(start: int, end: int, recorded: list[tuple[int, int]]) -> bool:
    """A statement already covers most of this span (half of the longer of the two)."""
    for s_start, s_end in recorded:
        shared = min(end, s_end) - max(start, s_start)
        if shared > 0 and shared * 2 >= max(end - start, s_end - s_start):
            return True
    return False


def _pending(suggestion_id: int) -> SuggestedStatement:
    suggestion = (
        SuggestedStatement.objects.select_for_update()
        .select_related("source")
        .get(pk=suggestion_id)
    )
    if suggestion.status != SuggestedStatement.Status.PENDING:
        raise ValidationError(
            f"This suggestion was already {suggestion.get_status_display().lower()}."
        )
    return suggestion


def default_speaker(suggestion: SuggestedStatement) -> Actor | NewActor | None:
    """The resolved actor, else a new actor by the suggested name, else nobody (ask)."""
    if suggestion.speaker_id:
        return suggestion.speaker
    name = " ".join((suggestion.speaker_name or "").split())
    if name:
        return NewActor(name=name, kind=Actor.Kind.PERSON)
    return None


def candidate_claim_ids(suggestion: SuggestedStatement) -> list[int]:
    ids = []
    for item in suggestion.candidate_claims or []:
        try:
            ids.append(int(item["id"]))
        except (KeyError, TypeError, ValueError):
            continue
    return ids


_UNSET = object()


@transaction.atomic
def suggestion_accept(
    *,
    suggestion: SuggestedStatement,
    user,
    speaker: Actor | NewActor | None | object = _UNSET,
    via: Actor | NewActor | None | object = _UNSET,
    reporting: str | None = None,
    claim: Claim | str | None = None,
    stance: str = "",
    said_on=None,
    summary: str = "",
) -> Statement:
    """Record the suggestion as `user`'s statement and mark it accepted.

    Without overrides the statement takes the suggested span, speaker (the resolved
    actor; a new actor when the named speaker is not in the register), via and how it
    is reported; a claim is only set when given (candidates are never forced). When no
    speaker is known the caller must give one: a ValidationError asks for it.
    """
    current = _pending(suggestion.pk)
    if speaker is _UNSET:
        speaker = default_speaker(current)
    if speaker is None:
        raise ValidationError({"speaker": "Who said it? Choose the speaker, then accept."})
    if via is _UNSET:
        via = current.via
    if via is not None and isinstance(speaker, Actor) and getattr(via, "pk", None) == speaker.pk:
        via = None
    anchor = anchoring.Anchor(current.start, current.end, current.exact, "", "")
    statement = statement_create(
        user=user,
        source=current.source,
        anchor=anchor,
        speaker=speaker,
        via=via,
        reporting=reporting or current.reporting,
        claim=claim,
        stance=stance if claim is not None else "",
        said_on=said_on,
        summary=summary,
    )
    current.status = SuggestedStatement.Status.ACCEPTED
    current.statement = statement
    current.decided_by = user
    current.decided_at = timezone.now()
    current.save(update_fields=["status", "statement", "decided_by", "decided_at"])
    suggestion.status, suggestion.statement = current.status, statement
    return statement


@transaction.atomic
def suggestion_dismiss(*, suggestion: SuggestedStatement, user) -> SuggestedStatement:
    """Hide the suggestion for good (a later refresh keeps it dismissed)."""
    current = _pending(suggestion.pk)
    current.status = SuggestedStatement.Status.DISMISSED
    current.decided_by = user
    current.decided_at = timezone.now()
    current.save(update_fields=["status", "decided_by", "decided_at"])
    return current
