"""The one version check: no lost updates, for the pages, the admin, the API and merges.

Every versioned write locks its row and compares the version the writer's form was
opened with (`lock_version`); on a mismatch it raises `EditConflict`, which every
screen shows with the same template partial (`claims/conflict.html#conflict`):
who changed it since, and field by field the version you opened, the stored
version and yours. Nothing is saved by a refused write.

The lock is `SELECT ... FOR UPDATE` on PostgreSQL: a second writer waits for the
first to commit and then reads the new version, so it cannot pass the check with
a stale one. On SQLite every write transaction is `BEGIN IMMEDIATE` (settings),
which serialises writers the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models, transaction


class EditConflict(Exception):
    """The record changed after the form was opened; `current` is how it is now."""

    def __init__(self, current: models.Model, submitted_version: int | None):
        self.current = current
        self.submitted_version = submitted_version
        super().__init__(
            f"{current._meta.verbose_name} {current.pk} is at version {current.version}, "
            f"the form had version {submitted_version}"
        )

    def later_records(self, limit: int = 10) -> list:
        """The history records written after the version the form had: who, when, why."""
        return list(
            self.current.history.filter(version__gt=self.submitted_version or 0)
            .select_related("history_user")
            .order_by("history_date", "history_id")[:limit]
        )

    def opened_record(self):
        """The history record of the version the form was opened with (None if unknown)."""
        if self.submitted_version is None:
            return None
        return (
            self.current.history.filter(version=self.submitted_version)
            .order_by("-history_id")
            .first()
        )

    def changes(self) -> list[tuple[str, object, object]]:
        """Field by field (name, value when the form was opened, value now)."""
        base = self.opened_record()
        latest = self.current.history.order_by("-history_id").first()
        if base is None or latest is None:
            return []
        return [(c.field, c.old, c.new) for c in latest.diff_against(base).changes]


def lock_version(model: type[models.Model], pk: int, version: int | None) -> models.Model:
    """Inside a transaction: the row, locked until the transaction ends, or EditConflict
    when its version is not `version` (None, a form without a version, never passes)."""
    if not transaction.get_connection(model.objects.db).in_atomic_block:
        raise RuntimeError("lock_version() must run inside transaction.atomic()")
    obj = model.objects.select_for_update().get(pk=pk)
    if version is None or obj.version != version:
        raise EditConflict(obj, version)
    return obj


# --- what the conflict screens show --------------------------------------------------


@dataclass(frozen=True)
class ConflictRow:
    label: str
    opened: str
    now: str
    yours: str
    changed: bool


def _yours_text(model: type[models.Model], name: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, models.Model):
        return str(value)
    try:
        field = model._meta.get_field(name)
    except Exception:  # a form field that is not a model field (decision, note)
        return str(value)
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _label(model: type[models.Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name).capitalize()
    except Exception:
        return name.replace("_", " ").capitalize()


def conflict_context(conflict: EditConflict, yours: dict[str, object] | None = None) -> dict:
    """The context of the conflict partial: the records written since, and rows of
    (field, value when you opened it, value now, your value) for every field that
    changed since or that you submitted."""
    from claims.selectors import format_changes  # reads shared with the history pages

    model = type(conflict.current)
    yours = dict(yours or {})
    base = conflict.opened_record()
    changed = {name for name, _old, _new in conflict.changes()}
    names = [f.name for f in model._meta.fields if f.name in changed or f.name in yours]
    delta = []
    for name in names:
        attname = model._meta.get_field(name).attname
        now = getattr(conflict.current, attname)
        opened = getattr(base, attname) if base is not None else None
        delta.append((name, opened, now))
    formatted = format_changes(model, delta) if delta else []
    rows = [
        ConflictRow(
            label=change.label.capitalize(),
            opened=change.old if base is not None else "?",
            now=change.new,
            yours=_yours_text(model, name, yours[name]) if name in yours else "(not in your form)",
            changed=name in changed,
        )
        for name, change in zip(names, formatted, strict=True)
    ]
    model_fields = {f.name for f in model._meta.fields}
    rows += [
        ConflictRow(_label(model, k), "", "", _yours_text(model, k, v), False)
        for k, v in yours.items()
        if k not in model_fields
    ]
    return {
        "conflict": conflict,
        "conflict_records": conflict.later_records(),
        "conflict_rows": rows,
        "conflict_model": model._meta.verbose_name,
    }
