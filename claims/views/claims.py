"""Claims: the list (search as you type) and a claim's page, with its statements by
stance, contradictions, notes, verdict panel, the picture of the dispute and a timeline."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from claims import caching
from claims.access import member_required
from claims.forms.review import NoteForm
from claims.models import Claim
from claims.pagecache import per_viewer
from claims.search import Query, search_claims
from claims.selectors import claim_context, claim_statement_count, paginate
from claims.services.review import note_add

CLAIMS_PER_PAGE = 25


@require_GET
@member_required
@per_viewer
def claim_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    verdict = request.GET.get("verdict", "")
    claims = Claim.objects.annotate(
        n_statements=claim_statement_count(),
        n_asserts=claim_statement_count("asserts"),
        n_denies=claim_statement_count("denies"),
    )
    if q:  # best first (claims/search.py)
        claims = search_claims(claims, Query.parse(q))
    if status in Claim.Status.values:
        claims = claims.filter(status=status)
    if verdict in Claim.Verdict.values:
        claims = claims.filter(verdict=verdict)
    page = paginate(request, claims, CLAIMS_PER_PAGE, count=not q)  # a search: no count
    ctx = {
        "nav": "claims",
        "q": q,
        "status": status,
        "verdict": verdict,
        "statuses": Claim.Status.choices,
        "verdicts": Claim.Verdict.choices,
        "page": page,
        "rows": caching.claim_rows_html(page.object_list),  # each once per what it shows
    }
    if request.htmx and request.htmx.target == "claim-results":
        return render(request, "claims/claim_list.html#results", ctx)
    return render(request, "claims/claim_list.html", ctx)


def get_claim(pk: int) -> Claim:
    return get_object_or_404(
        Claim.objects.select_related("reviewed_by", "assigned_to", "created_by"), pk=pk
    )


@require_GET
@member_required
@per_viewer
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_claim(pk)
    if request.htmx and request.htmx.target in {"claim-notes", "claim-verdict"}:
        fragment = "notes" if request.htmx.target == "claim-notes" else "verdict"
        return render(
            request,
            f"claims/claim_detail.html#{fragment}",
            claim_context(request, claim, full=False),
        )
    return render(request, "claims/claim_detail.html", claim_context(request, claim))


@require_POST
@member_required
def claim_note_add(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_claim(pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            note_add(user=request.user, body=form.cleaned_data["body"], claim=claim)
        except ValidationError as exc:
            form.add_error(None, exc)
    if form.errors:
        ctx = {**claim_context(request, claim, full=not request.htmx), "note_form": form}
        template = "claims/claim_detail.html#notes" if request.htmx else "claims/claim_detail.html"
        return render(request, template, ctx, status=422)
    if request.htmx:
        ctx = claim_context(request, claim, full=False)
        last = ctx["notes"].paginator.num_pages
        if last > 1:
            ctx["notes"] = ctx["notes"].paginator.get_page(last)
        response = render(request, "claims/claim_detail.html#notes", ctx)
        response["HX-Trigger"] = "notes-changed"
        return response
    messages.success(request, "Your note was posted.")
    return redirect(claim.get_absolute_url() + "#notes")


urlpatterns = [
    path("claims/", claim_list, name="claim_list"),
    path("claims/<int:pk>/", claim_detail, name="claim_detail"),
    path("claims/<int:pk>/notes/", claim_note_add, name="claim_note_add"),
]
