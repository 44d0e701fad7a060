"""Merging duplicates: an actor into an actor, a claim into a claim.

Everything happens in one transaction. The merged record is deleted after all
that pointed at it has moved to the kept one; every moved row gets a history
record whose change reason names who merged what into what. Links that the
merge would turn into nonsense are resolved and reported:

- an alias the kept actor already has is dropped;
- a statement whose *via* becomes its own speaker loses the via;
- an affiliation that becomes self-referential, or duplicates one the kept
  actor has, is dropped;
- two statements that become identical (same source, span, speaker, via,
  claim and stance) are folded into the older one; their contradictions move
  with them, and a contradiction that would then link a statement to itself is
  dropped, as is the weaker of two that would link the same pair (a reviewed
  one beats a proposed one; confirmed beats rejected; otherwise the older stays).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from claims import anchoring
from claims.models import Actor, ActorAlias, Affiliation, Claim, Contradiction, Note, Statement
from claims.services.disputes import claim_refresh_status
from claims.services.review import EditConflict


@dataclass
class MergeReport:
    kept: object
    moved: dict[str, int] = field(default_factory=dict)
    resolved: list[str] = field(default_factory=list)

    def count(self, what: str, n: int = 1) -> None:
        self.moved[what] = self.moved.get(what, 0) + n

    def summary(self) -> str:
        parts = [f"{n} {what}" for what, n in self.moved.items() if n]
        return "moved " + ", ".join(parts) if parts else "nothing to move"


def _reason(user, what: str, merged, kept) -> str:
    text = (
        f"{user.get_username()} merged {what} #{merged.pk} "
        f"“{anchoring._short(str(merged), 24)}” into #{kept.pk}"
    )
    return text[:100]


def _save(obj, *, user, reason: str, fields: list[str] | None = None) -> None:
    obj._history_user = user
    obj._change_reason = reason
    if fields is None:
        obj.save()
    else:
        obj.save(update_fields=fields)


def _delete(obj, *, user, reason: str) -> None:
    obj._history_user = user
    obj._change_reason = reason
    obj.delete()


def _rank(c: Contradiction) -> tuple:
    """Better-reviewed first: confirmed, then rejected, then proposed; then the older."""
    order = {
        Contradiction.Status.CONFIRMED: 0,
        Contradiction.Status.REJECTED: 1,
        Contradiction.Status.PROPOSED: 2,
    }
    return (order[c.status], c.created_at, c.pk)


def _fold_statement(dup: Statement, kept: Statement, *, user, reason: str, report) -> None:
    """Move dup's contradictions onto kept, resolving self-links and duplicate pairs."""
    links = Contradiction.objects.filter(Q(first=dup) | Q(second=dup)).select_related(
        "first", "second"
    )
    for link in links:
        other_id = link.second_id if link.first_id == dup.pk else link.first_id
        if other_id == kept.pk:
            report.resolved.append(
                f"Dropped contradiction #{link.pk}: after the merge it would link statement "
                f"#{kept.pk} to itself."
            )
            _delete(link, user=user, reason=reason)
            continue
        rival = Contradiction.objects.filter(
            Q(first_id=kept.pk, second_id=other_id) | Q(first_id=other_id, second_id=kept.pk)
        ).first()
        if rival is not None:
            keep, drop = sorted([rival, link], key=_rank)
            for note in Note.objects.filter(contradiction=drop):
                note.contradiction = keep
                _save(note, user=user, reason=reason)
            report.resolved.append(
                f"Contradictions #{rival.pk} and #{link.pk} would link the same statements; "
                f"kept #{keep.pk} ({keep.get_status_display().lower()}), dropped #{drop.pk}."
            )
            _delete(drop, user=user, reason=reason)
            if drop is link:
                continue
        if link.first_id == dup.pk:
            link.first = kept
        else:
            link.second = kept
        _save(link, user=user, reason=reason, fields=["first", "second"])
        report.count("contradictions")
    if not kept.summary and dup.summary:
        kept.summary = dup.summary
        _save(kept, user=user, reason=reason, fields=["summary"])
    report.resolved.append(
        f"Statements #{kept.pk} and #{dup.pk} became the same statement; kept #{kept.pk}."
    )
    _delete(dup, user=user, reason=reason)


def _fold_duplicate_statements(statements, *, user, reason: str, report) -> None:
    groups: dict[tuple, list[Statement]] = {}
    for s in statements:
        key = (s.source_id, s.start, s.end, s.speaker_id, s.via_id, s.claim_id, s.stance)
        groups.setdefault(key, []).append(s)
    for group in groups.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda s: (s.created_at, s.pk))
        kept = group[0]
        for dup in group[1:]:
            _fold_statement(dup, kept, user=user, reason=reason, report=report)


def _check(obj, version: int | None) -> None:
    if version is not None and obj.version != version:
        raise EditConflict(obj, version)


@transaction.atomic
def actor_merge(*, merged_id: int, kept_id: int, user, version: int | None = None) -> MergeReport:
    """Merge actor `merged_id` into `kept_id`; the merged actor is deleted."""
    if merged_id == kept_id:
        raise ValidationError({"into": "An actor cannot be merged into itself."})
    merged = Actor.objects.select_for_update().get(pk=merged_id)
    kept = Actor.objects.select_for_update().get(pk=kept_id)
    _check(merged, version)
    reason = _reason(user, "actor", merged, kept)
    report = MergeReport(kept=kept)

    # Aliases: the merged actor's name and aliases, unless the kept actor has them.
    have = {kept.name, *kept.aliases.values_list("name", flat=True)}
    for alias in list(merged.aliases.all()):
        if alias.name in have:
            _delete(alias, user=user, reason=reason)
            continue
        alias.actor = kept
        _save(alias, user=user, reason=reason)
        have.add(alias.name)
        report.count("aliases")
    if merged.name not in have:
        alias = ActorAlias(actor=kept, name=merged.name)
        _save(alias, user=user, reason=reason)
        report.count("aliases")

    # Statements, as speaker and as via.
    touched = list(Statement.objects.select_for_update().filter(Q(speaker=merged) | Q(via=merged)))
    for s in touched:
        fields = []
        if s.speaker_id == merged.pk:
            s.speaker = kept
            fields.append("speaker")
        if s.via_id == merged.pk:
            s.via = kept
            fields.append("via")
        if s.via_id is not None and s.via_id == s.speaker_id:
            s.via = None
            fields = [*set(fields) | {"via"}]
            report.resolved.append(
                f"Statement #{s.pk} would have been delivered by its own speaker; "
                "its via was removed."
            )
        _save(s, user=user, reason=reason, fields=fields)
        report.count("statements")

    # Affiliations, both ways.
    existing = set(
        Affiliation.objects.filter(Q(actor=kept) | Q(target=kept)).values_list(
            "actor_id", "role", "target_id"
        )
    )
    for aff in list(
        Affiliation.objects.select_for_update().filter(Q(actor=merged) | Q(target=merged))
    ):
        actor_id = kept.pk if aff.actor_id == merged.pk else aff.actor_id
        target_id = kept.pk if aff.target_id == merged.pk else aff.target_id
        label = f"{aff.actor} {aff.get_role_display()} {aff.target}"
        if actor_id == target_id:
            report.resolved.append(
                f"Dropped the affiliation “{label}”: the actor would be affiliated with itself."
            )
            _delete(aff, user=user, reason=reason)
            continue
        if (actor_id, aff.role, target_id) in existing:
            report.resolved.append(f"Dropped the affiliation “{label}”: {kept} already has it.")
            _delete(aff, user=user, reason=reason)
            continue
        aff.actor_id, aff.target_id = actor_id, target_id
        _save(aff, user=user, reason=reason)
        existing.add((actor_id, aff.role, target_id))
        report.count("affiliations")

    # Statements that are now the same statement twice.
    candidates = Statement.objects.filter(Q(speaker=kept) | Q(via=kept)).filter(
        Q(pk__in=[s.pk for s in touched])
        | Q(
            source_id__in={s.source_id for s in touched},
            start__in={s.start for s in touched},
        )
    )
    _fold_duplicate_statements(list(candidates), user=user, reason=reason, report=report)

    if not kept.description and merged.description:
        kept.description = merged.description
    if not kept.wikidata_id and merged.wikidata_id:
        kept.wikidata_id = merged.wikidata_id
    _save(kept, user=user, reason=reason)
    _delete(merged, user=user, reason=reason)
    return report


@transaction.atomic
def claim_merge(*, merged_id: int, kept_id: int, user, version: int | None = None) -> MergeReport:
    """Merge claim `merged_id` into `kept_id`: statements, contradictions and notes move."""
    if merged_id == kept_id:
        raise ValidationError({"into": "A claim cannot be merged into itself."})
    merged = Claim.objects.select_for_update().get(pk=merged_id)
    kept = Claim.objects.select_for_update().get(pk=kept_id)
    _check(merged, version)
    reason = _reason(user, "claim", merged, kept)
    report = MergeReport(kept=kept)

    moved = list(Statement.objects.select_for_update().filter(claim=merged))
    for s in moved:
        s.claim = kept
        _save(s, user=user, reason=reason, fields=["claim"])
        report.count("statements")
    for c in Contradiction.objects.select_for_update().filter(claim=merged):
        c.claim = kept
        _save(c, user=user, reason=reason, fields=["claim"])
        report.count("contradictions")
    for note in Note.objects.select_for_update().filter(claim=merged):
        note.claim = kept
        _save(note, user=user, reason=reason)
        report.count("notes")

    if moved:
        candidates = Statement.objects.filter(
            claim=kept, source_id__in={s.source_id for s in moved}
        )
        _fold_duplicate_statements(list(candidates), user=user, reason=reason, report=report)

    if kept.verdict == Claim.Verdict.UNRATED and merged.verdict != Claim.Verdict.UNRATED:
        kept.verdict, kept.rationale = merged.verdict, merged.rationale
        kept.reviewed_by, kept.reviewed_at = merged.reviewed_by, merged.reviewed_at
        report.resolved.append(
            f"{kept} had no verdict; it takes the merged claim's verdict "
            f"({merged.get_verdict_display().lower()})."
        )
    elif merged.verdict != Claim.Verdict.UNRATED and merged.verdict != kept.verdict:
        report.resolved.append(
            f"The merged claim's verdict ({merged.get_verdict_display().lower()}) differs "
            f"from the kept one's; the kept verdict stands and the rationale is kept in history."
        )
    if kept.assigned_to_id is None:
        kept.assigned_to_id = merged.assigned_to_id
    _save(kept, user=user, reason=reason)
    _delete(merged, user=user, reason=reason)
    claim_refresh_status(claim=kept)
    return report
