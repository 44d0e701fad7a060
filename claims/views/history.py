"""History pages: every change to a claim, statement, contradiction, source or actor,
field by field (simple_history's diff_against), with who, when and why. Records of
deleted (for instance merged) objects stay viewable."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_GET

from claims import anchoring
from claims.access import member_required
from claims.models import Actor, Claim, Contradiction, Source, Statement
from claims.selectors import history_entries

RECORDS_PER_PAGE = 25


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
