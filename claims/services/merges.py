"""Merging duplicates: an actor into an actor, a claim into a claim.

Everything happens in one short transaction. The merged record is deleted after all
that pointed at it has moved to the kept one. Statements, contradictions and notes
move with bulk UPDATEs (`version` + 1 in the same statement, so version-keyed caches
see the change) and their history rows are written in bulk, with a change reason
that names who merged what into what: 10,000 statements in well under 2 s
(`manage.py bench_merge`), so other writers wait briefly instead of failing. Links that the
merge would turn into nonsense are resolved and reported:

- an alias the kept actor already has is dropped;
- a statement whose *via* becomes its own speaker loses the via;
- an affiliation that becomes self-referential, or duplicates one the kept
  actor has, is dropped;
- two statements that become identical (same source, span, speaker, via,
  claim and stance: the natural key the database holds unique) are folded into the older
  one before anything moves; their contradictions move
  with them, and a contradiction that would then link a statement to itself is
  dropped, as is the weaker of two that would link the same pair (a reviewed
  one beats a proposed one; confirmed beats rejected; otherwise the older stays).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.utils import timezone

from claims import anchoring
from claims.models import (
    Actor,
    ActorAlias,
    Affiliation,
    Claim,
    Contradiction,
    Note,
    Statement,
    SuggestedStatement,
)
from claims.services.conflicts import lock_version
from claims.services.disputes import claim_refresh_status


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


def _fold_statements(into: dict[int, int], *, user, reason: str, report, now) -> None:
    """Fold each statement `dup` of `into` (dup id -> kept id) into its kept statement, all
    at once: their contradictions move onto the kept statements (a self-link is dropped;
    of two that would link the same pair the better-reviewed stays, with the other's
    notes), a kept statement without a summary takes its duplicate's, and the duplicates
    are deleted with one history row each. A few queries whatever the number of folds."""

    def final(pk: int) -> int:
        return into.get(pk, pk)

    dups, kept_ids = set(into), set(into.values())
    links = list(Contradiction.objects.filter(Q(first_id__in=dups) | Q(second_id__in=dups)))
    moving = {c.pk for c in links}
    pairs: dict[frozenset, list[Contradiction]] = {}
    for link in links:
        first, second = final(link.first_id), final(link.second_id)
        if first == second:
            report.resolved.append(
                f"Dropped contradiction #{link.pk}: after the merge it would link statement "
                f"#{first} to itself."
            )
            _delete(link, user=user, reason=reason)
            continue
        pairs.setdefault(frozenset((first, second)), []).append(link)
    rivals = Contradiction.objects.filter(Q(first_id__in=kept_ids) | Q(second_id__in=kept_ids))
    for rival in rivals.exclude(pk__in=moving):
        group = pairs.get(frozenset((rival.first_id, rival.second_id)))
        if group is not None:
            group.append(rival)
    for group in pairs.values():
        keep, *weaker = sorted(group, key=_rank)
        for drop in weaker:
            _bulk_move(
                Note,
                Note.objects.filter(contradiction=drop),
                user=user,
                reason=reason,
                now=now,
                contradiction=keep,
            )
            report.resolved.append(
                f"Contradictions #{keep.pk} and #{drop.pk} would link the same statements; "
                f"kept #{keep.pk} ({keep.get_status_display().lower()}), dropped #{drop.pk}."
            )
            _delete(drop, user=user, reason=reason)
        if keep.pk in moving:
            keep.first_id, keep.second_id = final(keep.first_id), final(keep.second_id)
            _save(keep, user=user, reason=reason, fields=["first", "second"])
            report.count("contradictions")

    summaries = dict(
        Statement.objects.filter(pk__in=dups).exclude(summary="").values_list("pk", "summary")
    )
    for kept in Statement.objects.filter(pk__in=kept_ids, summary=""):
        found = [summaries[d] for d, k in sorted(into.items()) if k == kept.pk and d in summaries]
        if found:
            kept.summary = found[0]
            _save(kept, user=user, reason=reason, fields=["summary"])
    report.resolved += [
        f"Statements #{k} and #{d} became the same statement; kept #{k}."
        for d, k in sorted(into.items())
    ]
    SuggestedStatement.objects.filter(statement_id__in=dups).update(statement=None)
    gone = Statement.objects.filter(pk__in=sorted(dups))
    _history_of(Statement, gone, user=user, reason=reason, now=now, kind="-")
    gone._raw_delete(gone.db)


Key = tuple


def _key(row: dict) -> Key:
    return (
        row["source_id"], row["start"], row["end"], row["speaker_id"], row["via_id"],
        row["claim_id"], row["stance"],
    )  # fmt: skip


KEY_FIELDS = ("pk", "source_id", "start", "end", "speaker_id", "via_id", "claim_id", "stance")


def _fold_collisions(
    moving: list[dict], others: list[dict], *, user, reason: str, report: MergeReport
) -> set[int]:
    """Fold statements that the move makes identical (by their key after the move), the
    older one kept, before any row moves (the database holds the key unique).
    `moving` rows carry their new key fields; returns the ids folded away."""
    groups: dict[Key, list[dict]] = {}
    for row in [*others, *moving]:
        groups.setdefault(_key(row), []).append(row)
    pairs = [
        (rows[0]["pk"], [r["pk"] for r in rows[1:]]) for rows in groups.values() if len(rows) > 1
    ]
    if not pairs:
        return set()
    ids = {pk for kept, dups in pairs for pk in (kept, *dups)}
    created = dict(Statement.objects.filter(pk__in=ids).values_list("pk", "created_at"))
    into: dict[int, int] = {}
    for kept_pk, dup_pks in pairs:
        kept, *dups = sorted([kept_pk, *dup_pks], key=lambda pk: (created[pk], pk))
        into.update(dict.fromkeys(dups, kept))
    _fold_statements(into, user=user, reason=reason, report=report, now=timezone.now())
    return set(into)


def _bulk_move(model, queryset, *, user, reason: str, now, **values) -> int:
    """UPDATE the rows `queryset` selects with `values` (version + 1 where the model has
    one), their history rows written first from the same rows with the new values. One
    INSERT ... SELECT and one UPDATE, both by the queryset's condition: no id lists, and a
    row someone else moved away meanwhile is neither recorded nor moved (PostgreSQL's
    FOR UPDATE in the history's SELECT locks the rows until the UPDATE is done; SQLite
    runs one writer at a time). Returns how many moved."""
    changes = dict(values)
    if hasattr(model, "version"):
        changes.update(version=F("version") + 1, updated_at=now)
    moved = _history_of(
        model, queryset.select_for_update(), user=user, reason=reason, now=now, changes=changes
    )
    if moved:
        queryset.update(**changes)
    return moved


def _history_of(
    model, queryset, *, user, reason: str, now, kind: str = "~", changes: dict | None = None
) -> int:
    """History rows (`kind`: "~" changed, "-" deleted) of the rows `queryset` selects, as
    they are with `changes` applied, written by the database in one INSERT ... SELECT:
    what bulk_history_create writes, without a model instance per row in Python (that
    took 8 of 9 s of a 10,000-statement merge). Returns how many were written."""
    changes = changes or {}
    columns, select = [], {}
    for i, f in enumerate(model._meta.concrete_fields):
        value = changes.get(f.name, changes.get(f.attname, F(f.attname)))
        if isinstance(value, models.Model):
            value = value.pk
        if not hasattr(value, "resolve_expression"):
            value = Value(value, output_field=f.target_field if f.is_relation else f)
        columns.append(f.column)
        select[f"h{i}"] = value
    history = {
        "history_date": Value(now, output_field=models.DateTimeField()),
        "history_change_reason": Value(reason, output_field=models.CharField()),
        "history_type": Value(kind, output_field=models.CharField()),
        "history_user_id": Value(getattr(user, "pk", None), output_field=models.IntegerField()),
    }
    for name, value in history.items():
        columns.append(name)
        select[f"h{len(select)}"] = value
    rows = queryset.order_by().annotate(**select).values_list(*select)
    sql, params = rows.query.sql_with_params()
    db = transaction.get_connection(queryset.db)
    names = ", ".join(db.ops.quote_name(c) for c in columns)
    table = db.ops.quote_name(model.history.model._meta.db_table)
    insert = f"INSERT INTO {table} ({names}) {sql}"  # noqa: S608 - names from the models
    with db.cursor() as cursor:
        cursor.execute(insert, params)
        return cursor.rowcount


def _lock_pair(model, merged_id: int, kept_id: int, version: int | None):
    """Both rows locked (in id order, so two merges cannot deadlock); the merged one's
    version checked when the form sent one."""
    rows = {
        o.pk: o
        for o in model.objects.select_for_update().filter(pk__in=sorted([merged_id, kept_id]))
    }
    if merged_id not in rows or kept_id not in rows:
        raise model.DoesNotExist(f"{model._meta.verbose_name} not found")
    if version is not None:
        lock_version(model, merged_id, version)
    return rows[merged_id], rows[kept_id]


@transaction.atomic
def actor_merge(*, merged_id: int, kept_id: int, user, version: int | None = None) -> MergeReport:
    """Merge actor `merged_id` into `kept_id`; the merged actor is deleted."""
    if merged_id == kept_id:
        raise ValidationError({"into": "An actor cannot be merged into itself."})
    merged, kept = _lock_pair(Actor, merged_id, kept_id, version)
    reason = _reason(user, "actor", merged, kept)
    report = MergeReport(kept=kept)
    now = timezone.now()

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

    # Statements, as speaker and as via: where each would be after the merge.
    touched = list(Statement.objects.filter(Q(speaker=merged) | Q(via=merged)).values(*KEY_FIELDS))
    self_via = []
    for row in touched:
        if row["speaker_id"] == merged.pk:
            row["speaker_id"] = kept.pk
        if row["via_id"] == merged.pk:
            row["via_id"] = kept.pk
        if row["via_id"] is not None and row["via_id"] == row["speaker_id"]:
            row["via_id"] = None
            self_via.append(row["pk"])
    report.resolved += [
        f"Statement #{pk} would have been delivered by its own speaker; its via was removed."
        for pk in self_via
    ]
    touched_ids = {row["pk"] for row in touched}
    others = (
        [
            row
            for row in Statement.objects.filter(
                source_id__in={r["source_id"] for r in touched},
                speaker_id__in={r["speaker_id"] for r in touched},
                start__in={r["start"] for r in touched},
            ).values(*KEY_FIELDS)
            if row["pk"] not in touched_ids
        ]
        if touched
        else []
    )
    _fold_collisions(touched, others, user=user, reason=reason, report=report)
    report.count("statements", len(touched))
    moves = [
        (Q(speaker=merged, via=kept), {"speaker": kept, "via": None}),
        (Q(speaker=kept, via=merged), {"via": None}),
        (Q(speaker=merged), {"speaker": kept}),
        (Q(via=merged), {"via": kept}),
    ]
    for where, values in moves:
        _bulk_move(
            Statement, Statement.objects.filter(where), user=user, reason=reason, now=now, **values
        )

    # Affiliations, both ways (few per actor: row by row).
    existing = set(
        Affiliation.objects.filter(Q(actor=kept) | Q(target=kept)).values_list(
            "actor_id", "role", "target_id"
        )
    )
    for aff in list(
        Affiliation.objects.select_for_update()
        .filter(Q(actor=merged) | Q(target=merged))
        .select_related("actor", "target")
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
    merged, kept = _lock_pair(Claim, merged_id, kept_id, version)
    reason = _reason(user, "claim", merged, kept)
    report = MergeReport(kept=kept)
    now = timezone.now()

    moving = list(Statement.objects.filter(claim=merged).values(*KEY_FIELDS))
    for row in moving:
        row["claim_id"] = kept.pk
    others = (
        list(
            Statement.objects.filter(
                claim=kept, source_id__in={r["source_id"] for r in moving}
            ).values(*KEY_FIELDS)
        )
        if moving
        else []
    )
    _fold_collisions(moving, others, user=user, reason=reason, report=report)
    report.count("statements", len(moving))
    where = {"claim": merged}
    _bulk_move(
        Statement, Statement.objects.filter(**where), user=user, reason=reason, now=now, claim=kept
    )
    report.count(
        "contradictions",
        _bulk_move(
            Contradiction,
            Contradiction.objects.filter(**where),
            user=user,
            reason=reason,
            now=now,
            claim=kept,
        ),
    )
    report.count(
        "notes",
        _bulk_move(
            Note, Note.objects.filter(**where), user=user, reason=reason, now=now, claim=kept
        ),
    )

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
