"""Claims: the list (search as you type) and a claim's page, with its statements by
stance, contradictions, notes, verdict panel, the picture of the dispute and a timeline."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from claims import diagram
from claims.access import is_editor, member_required
from claims.forms.review import NoteForm
from claims.models import Claim, Contradiction, Statement
from claims.services.review import editors, note_add

CLAIMS_PER_PAGE = 25
STATEMENTS_PER_PAGE = 50
CONTRADICTIONS_PER_PAGE = 50
NOTES_PER_PAGE = 50


def paginate(request: HttpRequest, qs: QuerySet, per_page: int, param: str = "page") -> Page:
    return Paginator(qs, per_page).get_page(request.GET.get(param))


def _count(stance: str | None = None) -> Subquery:
    qs = Statement.objects.filter(claim=OuterRef("pk"))
    if stance:
        qs = qs.filter(stance=stance)
    return Subquery(
        qs.order_by().values("claim").annotate(n=Count("pk")).values("n"),
        output_field=IntegerField(),
    )


@require_GET
@member_required
def claim_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    verdict = request.GET.get("verdict", "")
    claims = Claim.objects.annotate(
        n_statements=_count(), n_asserts=_count("asserts"), n_denies=_count("denies")
    )
    if q:
        claims = claims.filter(text__icontains=q)
    if status in Claim.Status.values:
        claims = claims.filter(status=status)
    if verdict in Claim.Verdict.values:
        claims = claims.filter(verdict=verdict)
    ctx = {
        "nav": "claims",
        "q": q,
        "status": status,
        "verdict": verdict,
        "statuses": Claim.Status.choices,
        "verdicts": Claim.Verdict.choices,
        "page": paginate(request, claims, CLAIMS_PER_PAGE),
    }
    if request.htmx and request.htmx.target == "claim-results":
        return render(request, "claims/claim_list.html#results", ctx)
    return render(request, "claims/claim_list.html", ctx)


def contradictions_on(claim: Claim) -> QuerySet:
    """Ids of the contradictions at issue on the claim or between statements about it,
    oldest first. Ids only: the planner then never joins every statement (PostgreSQL
    misjudges the OR of subqueries and sorts the whole statement table)."""
    on_claim = Statement.objects.filter(claim=claim).order_by().values("pk")
    return (
        Contradiction.objects.filter(
            Q(claim=claim) | Q(first_id__in=on_claim) | Q(second_id__in=on_claim)
        )
        .order_by("created_at", "id")
        .values_list("id", flat=True)
    )


def with_rows(page: Page) -> Page:
    """Replace a page of contradiction ids by the contradictions, fully loaded (one query)."""
    ids = list(page.object_list)
    if ids:
        full = Contradiction.objects.select_related(
            "first__speaker",
            "first__via",
            "first__source",
            "second__speaker",
            "second__via",
            "second__source",
            "reviewed_by",
            "assigned_to",
            "proposed_by",
            "claim",
        ).defer("first__source__text", "second__source__text")
        by_id = full.in_bulk(ids)
        page.object_list = [by_id[i] for i in ids if i in by_id]
    else:
        page.object_list = []
    return page


def claim_context(request: HttpRequest, claim: Claim, *, full: bool = True) -> dict:
    """What the claim page shows; with full=False only what the verdict panel and the
    notes thread need (the fragments htmx swaps)."""
    ctx = {
        "nav": "claims",
        "claim": claim,
        "notes": paginate(request, claim.notes.select_related("author"), NOTES_PER_PAGE, "npage"),
        "note_form": NoteForm(),
        "editor_list": list(editors()) if is_editor(request.user) else [],
        "verdicts": Claim.Verdict.choices,
        "here": request.get_full_path(),
    }
    if not full:
        return ctx
    statements = (
        claim.statements.select_related("speaker", "via", "source")
        .defer("source__text", "source__notes")
        .order_by(F("said_on").asc(nulls_last=True), "id")
    )
    page = paginate(request, statements, STATEMENTS_PER_PAGE)
    on_page = list(page.object_list)
    ids = [s.pk for s in on_page]
    drawn = Contradiction.objects.filter(first_id__in=ids, second_id__in=ids).only(
        "id", "first_id", "second_id", "kind", "status"
    )
    ctx.update(
        {
            "statements": page,
            "groups": [
                (value, label, [s for s in on_page if s.stance == value])
                for value, label in Statement.Stance.choices
            ],
            "timeline": on_page,
            "diagram": diagram.build(claim, on_page, drawn) if on_page else None,
            "contradictions": with_rows(
                paginate(request, contradictions_on(claim), CONTRADICTIONS_PER_PAGE, "cpage")
            ),
        }
    )
    return ctx


def get_claim(pk: int) -> Claim:
    return get_object_or_404(
        Claim.objects.select_related("reviewed_by", "assigned_to", "created_by"), pk=pk
    )


@require_GET
@member_required
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
