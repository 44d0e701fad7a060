"""The editors' review: the queue of what waits, and the decisions taken in place.

Researchers see the queue read-only; every decision is @editor_required (403).
Each decision form carries the record's version: a stale one gets 409 with what
the other editor decided. Validation errors get 422 with the form re-rendered.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Value
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claims.access import editor_required, is_editor, member_required
from claims.caching import review_rows_html
from claims.forms.review import (
    AssignForm,
    DecisionForm,
    NoteForm,
    QueueFilterForm,
    ResolveForm,
    VerdictForm,
)
from claims.models import Actor, Claim, Contradiction, Source, Statement
from claims.pagecache import per_viewer
from claims.redirects import next_path
from claims.search import (
    ContradictionMatches,
    Query,
    claim_ids_matching,
)
from claims.selectors import (
    UnionPages,
    claim_context,
    claims_full,
    contradictions_full,
    paginate,
)
from claims.services import review as svc
from claims.services.conflicts import conflict_context

ITEMS_PER_PAGE = 25
NOTES_PER_PAGE = 50
QUEUE = "claims/review_queue.html"
TRIGGER = "review-changed"


def _either(statements: QuerySet) -> Q:
    ids = statements.order_by().values("pk")
    return Q(first_id__in=ids) | Q(second_id__in=ids)


def queue_union(data: dict) -> UnionPages:
    """(id, created_at, tag) of the queue's rows, both kinds, oldest first: an ordered
    union whose pages read at most a page's rows from each kind (selectors.UnionPages),
    each kind through its (status, created_at) index, instead of ordering every row."""
    status = data.get("status") or ""
    contradictions = Contradiction.objects.none()
    claims = Claim.objects.none()
    if status in ("", "proposed", "confirmed", "rejected"):
        contradictions = Contradiction.objects.filter(status=status or "proposed")
    if status in ("", "disputed"):
        claims = Claim.objects.filter(status="disputed", verdict=Claim.Verdict.UNRATED)
    elif status == "resolved":
        claims = Claim.objects.filter(status="resolved")
    if data.get("kind"):
        contradictions = contradictions.filter(kind=data["kind"])
        claims = Claim.objects.none()
    # Filters through statements go by subqueries of statement ids, which use the
    # statement indexes instead of joining every contradiction to its two statements.
    if actor := data.get("actor"):
        by_actor = Statement.objects.filter(Q(speaker_id=actor) | Q(via_id=actor))
        contradictions = contradictions.filter(_either(by_actor))
        claims = claims.filter(pk__in=by_actor.values("claim_id"))
    if source := data.get("source"):
        in_source = Statement.objects.filter(source_id=source)
        contradictions = contradictions.filter(_either(in_source))
        claims = claims.filter(pk__in=in_source.values("claim_id"))
    if claim := data.get("claim"):
        on_claim = Statement.objects.filter(claim_id=claim)
        contradictions = contradictions.filter(Q(claim_id=claim) | _either(on_claim))
        claims = claims.filter(pk=claim)
    assigned = data.get("assigned") or ""
    if assigned == "none":
        contradictions = contradictions.filter(assigned_to__isnull=True)
        claims = claims.filter(assigned_to__isnull=True)
    elif assigned.isdigit():
        contradictions = contradictions.filter(assigned_to_id=int(assigned))
        claims = claims.filter(assigned_to_id=int(assigned))
    if q := (data.get("q") or "").strip():
        # The full-text indexes (claims/search.py): contradictions by one document each
        # (their statements' quote, summary, speaker or claim, their own claim and their
        # rationale); claims by their text. No scan of every contradiction.
        query = Query.parse(q)
        if query:
            contradictions = contradictions.filter(ContradictionMatches(query))
            claims = claims.filter(pk__in=claim_ids_matching(query))
        else:
            contradictions, claims = contradictions.none(), claims.none()
    rows_c = (
        contradictions.order_by().annotate(tag=Value("c")).values_list("id", "created_at", "tag")
    )
    rows_k = claims.order_by().annotate(tag=Value("k")).values_list("id", "created_at", "tag")
    return UnionPages(rows_c, rows_k, order_by=("created_at", "id"))


def _filter_labels(data: dict) -> list[tuple[str, str, str, int]]:
    """(parameter, what, name, id) of the active actor/source/claim filters, one query each."""
    out = []
    for param, model, what, field in (
        ("actor", Actor, "actor", "name"),
        ("source", Source, "source", "title"),
        ("claim", Claim, "claim", "text"),
    ):
        if pk := data.get(param):
            obj = model.objects.filter(pk=pk).only("pk", field).first()
            out.append((param, what, str(obj) if obj else f"#{pk} (gone)", pk))
    return out


@require_GET
@member_required
@per_viewer
def review_queue(request: HttpRequest) -> HttpResponse:
    editor_list = list(svc.editors())
    form = QueueFilterForm(request.GET or None, editor_list=editor_list)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = queue_union(data)
    if not data.get("q") and any(data.get(name) for name in ("actor", "source", "claim")):
        # Narrowing filters scan statements: read their (id, date, kind) rows once rather
        # than once to count and again for the page.
        rows = list(rows)  # the plain ordered union, every matching row
    page = paginate(request, rows, ITEMS_PER_PAGE, count=not data.get("q"))  # a search: no count
    params = request.GET.copy()
    params.pop("page", None)
    ctx = {
        "nav": "review",
        "form": form,
        "page": page,
        "rows": review_rows_html(
            request,
            [(tag, pk) for pk, _at, tag in page.object_list],
            editor=is_editor(request.user),
            editor_list=editor_list,
            here=request.get_full_path(),
        ),
        "editor_list": editor_list,
        "active_filters": _filter_labels(data),
        "query": params.urlencode(),
        "here": request.get_full_path(),
    }
    if request.htmx and request.htmx.target == "review-results":
        return render(request, f"{QUEUE}#results", ctx)
    return render(request, QUEUE, ctx)


@require_GET
@member_required
@per_viewer
def review_count(request: HttpRequest) -> HttpResponse:
    return render(request, f"{QUEUE}#count", {"count": svc.waiting_count()})


# --- responding to a decision --------------------------------------------------------------


def _respond(
    request: HttpRequest,
    *,
    fragment: str,
    ctx: dict,
    status: int = 200,
    done: str = "",
    default_next: str,
) -> HttpResponse:
    """htmx: the changed fragment (and an HX-Trigger after a write). Plain POST: a
    redirect after success, or a page with the form, its errors or the conflict."""
    ctx = {"editor_list": list(svc.editors()), **ctx, "here": next_path(request, default_next)}
    if request.htmx:
        response = render(request, fragment, ctx, status=status)
        if status == 200:
            response["HX-Trigger"] = TRIGGER
        return response
    if status == 200:
        messages.success(request, done)
        return HttpResponseRedirect(next_path(request, default_next))
    return render(request, "claims/review_form.html", {**ctx, "fragment": fragment}, status=status)


def _conflict_ctx(exc: svc.EditConflict, submitted: dict) -> dict:
    """The shared conflict partial's context (claims/conflict.html#conflict), plus what was
    submitted so the form below it keeps the note that was typed."""
    return {**conflict_context(exc, submitted), "submitted": submitted}


def _contradiction_response(
    request: HttpRequest, pk: int, *, status: int = 200, done: str = "", **extra
) -> HttpResponse:
    c = get_object_or_404(contradictions_full(), pk=pk)
    return _respond(
        request,
        fragment=f"{QUEUE}#contradiction_item",
        ctx={"c": c, **extra},
        status=status,
        done=done,
        default_next=reverse("claims:review_queue"),
    )


@require_POST
@editor_required
def contradiction_decide(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Contradiction.objects.only("pk"), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _contradiction_response(request, pk, status=422, decision_form=form)
    data = form.cleaned_data
    try:
        c = svc.contradiction_decide(
            contradiction_id=pk,
            user=request.user,
            decision=data["decision"],
            note=data["note"],
            version=data["version"],
        )
    except svc.EditConflict as exc:
        submitted = {"decision": data["decision"], "note": data["note"]}
        return _contradiction_response(request, pk, status=409, **_conflict_ctx(exc, submitted))
    except ValidationError as exc:
        form.add_error(None, exc)
        return _contradiction_response(request, pk, status=422, decision_form=form)
    return _contradiction_response(
        request, pk, done=f"Contradiction #{pk} {c.get_status_display().lower()}."
    )


@require_POST
@editor_required
def contradiction_assign(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Contradiction.objects.only("pk"), pk=pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _contradiction_response(request, pk, status=422, assign_form=form)
    data = form.cleaned_data
    try:
        svc.contradiction_assign(
            contradiction_id=pk,
            user=request.user,
            assignee=data["assigned_to"],
            version=data["version"],
        )
    except svc.EditConflict as exc:
        who = data["assigned_to"].get_username() if data["assigned_to"] else "nobody"
        submitted = {"assigned_to": who}
        return _contradiction_response(request, pk, status=409, **_conflict_ctx(exc, submitted))
    return _contradiction_response(request, pk, done=f"Contradiction #{pk} assigned.")


def _claim_response(
    request: HttpRequest, pk: int, *, status: int = 200, done: str = "", **extra
) -> HttpResponse:
    claim = get_object_or_404(claims_full(), pk=pk)
    on_claim_page = request.htmx and request.htmx.target == "claim-verdict"
    if on_claim_page or (not request.htmx and status != 200):
        fragment = "claims/claim_detail.html#verdict"
        ctx = {**claim_context(request, claim, full=False), **extra}
    else:
        fragment = f"{QUEUE}#claim_item"
        ctx = {"cl": claim, **extra}
    return _respond(
        request,
        fragment=fragment,
        ctx=ctx,
        status=status,
        done=done,
        default_next=claim.get_absolute_url(),
    )


@require_POST
@editor_required
def claim_verdict(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Claim.objects.only("pk"), pk=pk)
    form = VerdictForm(request.POST)
    if not form.is_valid():
        return _claim_response(request, pk, status=422, verdict_form=form)
    data = form.cleaned_data
    try:
        claim = svc.claim_give_verdict(
            claim_id=pk,
            user=request.user,
            verdict=data["verdict"],
            rationale=data["rationale"],
            resolve=data["resolve"],
            version=data["version"],
        )
    except svc.EditConflict as exc:
        submitted = {
            "verdict": Claim.Verdict(data["verdict"]).label,
            "rationale": data["rationale"],
        }
        return _claim_response(request, pk, status=409, **_conflict_ctx(exc, submitted))
    except ValidationError as exc:
        form.add_error(None, exc)
        return _claim_response(request, pk, status=422, verdict_form=form)
    return _claim_response(
        request, pk, done=f"Verdict recorded: {claim.get_verdict_display().lower()}."
    )


@require_POST
@editor_required
def claim_assign(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Claim.objects.only("pk"), pk=pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _claim_response(request, pk, status=422, assign_form=form)
    data = form.cleaned_data
    try:
        svc.claim_assign(
            claim_id=pk, user=request.user, assignee=data["assigned_to"], version=data["version"]
        )
    except svc.EditConflict as exc:
        who = data["assigned_to"].get_username() if data["assigned_to"] else "nobody"
        return _claim_response(request, pk, status=409, **_conflict_ctx(exc, {"assigned_to": who}))
    return _claim_response(request, pk, done="Claim assigned.")


@require_POST
@editor_required
def claim_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Claim.objects.only("pk"), pk=pk)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _claim_response(request, pk, status=422, resolve_form=form)
    data = form.cleaned_data
    resolved = data["action"] == "resolve"
    try:
        svc.claim_set_resolved(
            claim_id=pk, user=request.user, resolved=resolved, version=data["version"]
        )
    except svc.EditConflict as exc:
        submitted = {"status": "resolved" if resolved else "reopened"}
        return _claim_response(request, pk, status=409, **_conflict_ctx(exc, submitted))
    return _claim_response(request, pk, done="Claim resolved." if resolved else "Claim reopened.")


# --- notes on a contradiction ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_required
def contradiction_notes(request: HttpRequest, pk: int) -> HttpResponse:
    c = get_object_or_404(contradictions_full(), pk=pk)
    form = NoteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            svc.note_add(user=request.user, body=form.cleaned_data["body"], contradiction=c)
            if not request.htmx:
                messages.success(request, "Your note was posted.")
                return redirect(reverse("claims:contradiction_notes", args=[pk]))
            form = NoteForm()
        else:
            status = 422
    notes = c.notes.select_related("author")
    page = paginate(request, notes, NOTES_PER_PAGE, "npage")
    if request.method == "POST" and status == 200 and page.paginator.num_pages > 1:
        page = page.paginator.get_page(page.paginator.num_pages)
    ctx = {
        "nav": "review",
        "c": c,
        "notes": page,
        "note_form": form,
        "editor_list": list(svc.editors()),
        "here": request.get_full_path(),
    }
    if request.htmx:
        response = render(request, "claims/contradiction_notes.html#thread", ctx, status=status)
        if request.method == "POST" and status == 200:
            response["HX-Trigger"] = "notes-changed"
        return response
    return render(request, "claims/contradiction_notes.html", ctx, status=status)


urlpatterns = [
    path("review/", review_queue, name="review_queue"),
    path("review/count/", review_count, name="review_count"),
    path(
        "review/contradictions/<int:pk>/decide/",
        contradiction_decide,
        name="contradiction_decide",
    ),
    path(
        "review/contradictions/<int:pk>/assign/",
        contradiction_assign,
        name="contradiction_assign",
    ),
    path(
        "review/contradictions/<int:pk>/notes/",
        contradiction_notes,
        name="contradiction_notes",
    ),
    path("review/claims/<int:pk>/verdict/", claim_verdict, name="claim_verdict"),
    path("review/claims/<int:pk>/assign/", claim_assign, name="claim_assign"),
    path("review/claims/<int:pk>/resolve/", claim_resolve, name="claim_resolve"),
]
