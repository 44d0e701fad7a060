"""Merging duplicates (editors only): an actor into another actor, a claim into another
claim. The page is about the record that goes away; the editor picks the one that stays."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_http_methods

from claims.access import editor_required
from claims.forms.review import MergeForm
from claims.models import Actor, Claim
from claims.selectors import paginate
from claims.services import merges
from claims.services.conflicts import EditConflict, conflict_context

CANDIDATES_PER_PAGE = 20


def _actor_url(actor: Actor) -> str:
    try:
        return actor.get_absolute_url()
    except NoReverseMatch:
        return reverse("claims:actor_history", args=[actor.pk])


def _candidates(request: HttpRequest, qs):
    return paginate(request, qs, CANDIDATES_PER_PAGE)


def _merge_page(
    request: HttpRequest,
    *,
    what: str,
    merged,
    candidates,
    form: MergeForm,
    q: str,
    status: int = 200,
    conflict: EditConflict | None = None,
) -> HttpResponse:
    ctx = {
        "nav": "claims" if what == "claim" else "actors",
        "what": what,
        "merged": merged,
        "page": candidates,
        "form": form,
        "q": q,
        **(
            conflict_context(conflict, {"merge into": form.data.get("into", "")})
            if conflict
            else {}
        ),
    }
    if request.htmx and request.htmx.target == "merge-candidates":
        return render(request, "claims/merge.html#candidates", ctx, status=status)
    return render(request, "claims/merge.html", ctx, status=status)


def _report(request: HttpRequest, report: merges.MergeReport, label: str) -> None:
    messages.success(request, f"Merged {label} into “{report.kept}”: {report.summary()}.")
    for line in report.resolved:
        messages.warning(request, line)


def _merge(
    request: HttpRequest,
    pk: int,
    *,
    what: str,
    model: type[Actor] | type[Claim],
    order_by: str,
    search: Callable[[QuerySet, str], QuerySet],
    merge: Callable[..., merges.MergeReport],
    label: Callable[[Any], str],
    kept_url: Callable[[Any], str],
) -> HttpResponse:
    """The merge page and its POST, the same for actors and claims: `search` narrows the
    candidates to a query, `merge` is the service, `label` names the merged record in the
    message and `kept_url` is where to go afterwards."""
    merged = get_object_or_404(
        model.objects.annotate(n_statements=Count("statements", distinct=True)), pk=pk
    )
    q = request.GET.get("q", "").strip()
    qs = (
        model.objects.exclude(pk=pk)
        .annotate(n_statements=Count("statements", distinct=True))
        .order_by(order_by, "id")
    )
    if q:
        qs = search(qs, q)
    form = MergeForm(request.POST or None, model=model, merged=merged)
    status, conflict = 200, None
    if request.method == "POST":
        if form.is_valid():
            kept = form.cleaned_data["into"]
            try:
                report = merge(
                    merged_id=merged.pk,
                    kept_id=kept.pk,
                    user=request.user,
                    version=form.cleaned_data["version"],
                )
            except EditConflict as exc:
                status, conflict = 409, exc
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 422
            else:
                _report(request, report, label(merged))
                return redirect(kept_url(kept))
        else:
            status = 422
    return _merge_page(
        request,
        what=what,
        merged=merged,
        candidates=_candidates(request, qs),
        form=form,
        q=q,
        status=status,
        conflict=conflict,
    )


@require_http_methods(["GET", "POST"])
@editor_required
def actor_merge(request: HttpRequest, pk: int) -> HttpResponse:
    return _merge(
        request,
        pk,
        what="actor",
        model=Actor,
        order_by="name",
        search=lambda qs, q: qs.filter(
            Q(name__icontains=q) | Q(aliases__name__icontains=q)
        ).distinct(),
        merge=merges.actor_merge,
        label=lambda actor: f"“{actor.name}”",
        kept_url=_actor_url,
    )


@require_http_methods(["GET", "POST"])
@editor_required
def claim_merge(request: HttpRequest, pk: int) -> HttpResponse:
    return _merge(
        request,
        pk,
        what="claim",
        model=Claim,
        order_by="text",
        search=lambda qs, q: qs.filter(text__icontains=q),
        merge=merges.claim_merge,
        label=lambda claim: f"claim #{claim.pk}",
        kept_url=lambda claim: claim.get_absolute_url(),
    )


urlpatterns = [
    path("actors/<int:pk>/merge/", actor_merge, name="actor_merge"),
    path("claims/<int:pk>/merge/", claim_merge, name="claim_merge"),
]
