"""History pages: every change to a claim, statement, contradiction, source or actor,
field by field (simple_history's diff_against), with who, when and why. Records of
deleted (for instance merged) objects stay viewable."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db import models
from django.db.models import ForeignKey
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from claims import anchoring
from claims.access import member_required
from claims.models import Actor, Claim, Contradiction, Source, Statement

RECORDS_PER_PAGE = 25
VALUE_CHARS = 400
TYPES = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    record: object
    action: str
    changes: list[FieldChange]


def _label(model: type[models.Model], record) -> str:
    if model is Claim:
        return record.text
    if model is Source:
        return record.title
    if model is Actor:
        return record.name
    if model is Statement:
        return f"“{anchoring._short(record.exact, 80)}”"
    return f"{record.get_kind_display()}: statement #{record.first_id} vs #{record.second_id}"


def _object_url(model: type[models.Model], pk: int) -> str:
    """Where the record lives now, or "" when it was deleted (one query)."""
    fields = {Statement: ("pk", "source_id"), Source: ("pk",)}.get(model)
    qs = model.objects.filter(pk=pk)
    obj = (qs.only(*fields) if fields else qs).first()
    if obj is None:
        return ""
    if model is Contradiction:
        return reverse("claims:contradiction_notes", args=[pk])
    try:
        return obj.get_absolute_url()
    except NoReverseMatch:
        return ""


def _fk_names(model: type[models.Model], pairs: list[tuple[str, set]]) -> dict:
    """{(field, pk): label} for the foreign keys that appear in the diffs: one query per
    related model that appears."""
    names: dict = {}
    by_model: dict[type, set] = {}
    fields: dict[str, type] = {}
    for name, ids in pairs:
        related = model._meta.get_field(name).related_model
        fields[name] = related
        by_model.setdefault(related, set()).update(i for i in ids if i is not None)
    found = {}
    for related, ids in by_model.items():
        if not ids:
            continue
        qs = related._default_manager.filter(pk__in=ids)
        if related is Source:
            qs = qs.only("pk", "title")
        elif related is Statement:
            qs = qs.select_related("speaker").only("pk", "exact", "speaker__name")
        found[related] = {obj.pk: obj for obj in qs}
    for name, related in fields.items():
        for pk, obj in found.get(related, {}).items():
            names[(name, pk)] = obj.get_username() if hasattr(obj, "get_username") else str(obj)
    return names


def _value(model, field_name: str, value, names: dict) -> str:
    if value is None or value == "":
        return "—"
    field = model._meta.get_field(field_name)
    if isinstance(field, ForeignKey):
        return f"{names.get((field_name, value), 'deleted')} (#{value})"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z")
    text = str(value)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def history_entries(model: type[models.Model], records: list, older) -> list[Entry]:
    """Entries for `records` (newest first); `older` is the record before the last one."""
    chain = [*records, older] if older is not None else list(records)
    deltas = []
    for i, record in enumerate(records):
        previous = chain[i + 1] if i + 1 < len(chain) else None
        if previous is not None and record.history_type != "+":
            deltas.append([(c.field, c.old, c.new) for c in record.diff_against(previous).changes])
        else:
            fields = [
                f.name
                for f in model._meta.fields
                if f.editable and not f.primary_key and f.name != "history"
            ]
            initial = [
                (name, None, getattr(record, model._meta.get_field(name).attname))
                for name in fields
            ]
            deltas.append([(n, o, v) for n, o, v in initial if v not in (None, "")])
    fk_ids: dict[str, set] = {}
    for delta in deltas:
        for name, old, new in delta:
            if isinstance(model._meta.get_field(name), ForeignKey):
                fk_ids.setdefault(name, set()).update({old, new})
    names = _fk_names(model, list(fk_ids.items()))
    return [
        Entry(
            record,
            TYPES.get(record.history_type, record.history_type),
            _format(model, delta, names),
        )
        for record, delta in zip(records, deltas, strict=True)
    ]


def _format(model, delta: list[tuple[str, object, object]], names: dict) -> list[FieldChange]:
    return [
        FieldChange(
            str(model._meta.get_field(name).verbose_name),
            _value(model, name, old, names),
            _value(model, name, new, names),
        )
        for name, old, new in delta
    ]


def format_changes(model, delta: list[tuple[str, object, object]]) -> list[FieldChange]:
    """Readable field changes: choice labels, names for foreign keys (one query per
    related model)."""
    fk_ids: dict[str, set] = {}
    for name, old, new in delta:
        if isinstance(model._meta.get_field(name), ForeignKey):
            fk_ids.setdefault(name, set()).update({old, new})
    return _format(model, delta, _fk_names(model, list(fk_ids.items())))


def _history_view(request: HttpRequest, model: type[models.Model], pk: int) -> HttpResponse:
    records_qs = (
        model.history.filter(id=pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )
    paginator = Paginator(records_qs, RECORDS_PER_PAGE)
    if paginator.count == 0:
        raise Http404("No history for this record.")
    page = paginator.get_page(request.GET.get("page"))
    start = page.start_index() - 1
    window = list(records_qs[start : start + RECORDS_PER_PAGE + 1])
    records, older = window[:RECORDS_PER_PAGE], None
    if len(window) > RECORDS_PER_PAGE:
        older = window[-1]
    latest = records[0] if page.number == 1 else records_qs.first()
    ctx = {
        "nav": "",
        "model_name": model._meta.verbose_name,
        "pk": pk,
        "label": _label(model, latest),
        "deleted": latest.history_type == "-",
        "object_url": _object_url(model, pk),
        "page": page,
        "entries": history_entries(model, records, older),
    }
    return render(request, "claims/history.html", ctx)


def _make(model: type[models.Model]):
    @require_GET
    @member_required
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _history_view(request, model, pk)

    view.__name__ = f"{model._meta.model_name}_history"
    view.__doc__ = f"Every change to one {model._meta.verbose_name}, newest first."
    return view


claim_history = _make(Claim)
statement_history = _make(Statement)
contradiction_history = _make(Contradiction)
source_history = _make(Source)
actor_history = _make(Actor)

urlpatterns = [
    path("history/claim/<int:pk>/", claim_history, name="claim_history"),
    path("history/statement/<int:pk>/", statement_history, name="statement_history"),
    path("history/contradiction/<int:pk>/", contradiction_history, name="contradiction_history"),
    path("history/source/<int:pk>/", source_history, name="source_history"),
    path("history/actor/<int:pk>/", actor_history, name="actor_history"),
]
