"""The annotation workspace's writes: record, edit and delete statements, create
claims in place, and link statements as contradictions.

htmx requests get the fragment that changed plus an HX-Trigger event
(statementsChanged / linksChanged) that the text and the card list listen to;
plain requests get a whole page or a redirect. Validation errors answer 422 with
the form, edit conflicts 409 with both versions.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget, trigger_client_event

from claims import caching
from claims.access import mark_changeable, member_required, require_statement_change
from claims.forms.statements import (
    ClaimQuickForm,
    ContradictionForm,
    Picker,
    StatementForm,
    claim_matches,
)
from claims.models import Source, Statement
from claims.search import Query, search_statements
from claims.selectors import card_statements, paginate
from claims.services import statements as services
from claims.services.conflicts import EditConflict, conflict_context

SEARCH_PER_PAGE = 10


def _require_perm(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied("Your role does not allow this.")


def _form_errors_from(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _card(request: HttpRequest, pk: int) -> Statement:
    statement = get_object_or_404(card_statements(), pk=pk)
    mark_changeable(request.user, [statement])
    return statement


def _form_response(request, form, source, statement=None, status=200) -> HttpResponse:
    ctx = {"form": form, "source": source, "statement": statement, "nav": "sources"}
    template = "claims/statement_form.html#form" if request.htmx else "claims/statement_form.html"
    return render(request, template, ctx, status=status)


def _replace_card(response: HttpResponse) -> HttpResponse:
    """The edit/link/delete forms sit in their card's slot; a success replaces the card."""
    return retarget(reswap(response, "outerHTML"), "closest .statement-card")


def _service_fields(cleaned: dict) -> dict:
    return {
        "speaker": cleaned["speaker"],
        "via": cleaned["via"],
        "reporting": cleaned["reporting"],
        "claim": cleaned["claim"],
        "stance": cleaned.get("stance") or "",
        "said_on": cleaned.get("said_on"),
        "summary": cleaned.get("summary") or "",
    }


# --- record ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_required
def statement_create(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "GET":
        source = get_object_or_404(Source.objects.defer("notes"), pk=pk)
        _require_perm(request, "claims.add_statement")
        form = StatementForm(source=source, auto_id="new_%s")
        return _form_response(request, form, source)
    # the source (its text and version), the speaker and the claim chosen: one query
    # (claims/compiled.py). The service places the selection in this text and saves it
    # only if the source's version is still this one under the source's lock (else the
    # text is read again there). The form does not place it, but to show errors with the
    # others'.
    (source,), read = StatementForm.read_with(
        request.POST, (Source, pk, ("id", "title", "text", "version"))
    )
    if source is None:
        raise Http404("No such source.")
    _require_perm(request, "claims.add_statement")
    form = StatementForm(
        request.POST, source=source, auto_id="new_%s", place_selection=False, read=read
    )
    if form.is_valid():
        try:
            statement = services.statement_create(
                user=request.user,
                source=source,
                anchor=form.cleaned_data["anchor"],
                **_service_fields(form.cleaned_data),
            )
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            if not request.htmx:
                return redirect(statement)
            # the card from the statement the service returned: nothing is read again
            response = HttpResponse(caching.new_statement_card(request.user, statement), status=201)
            return trigger_client_event(response, "statementsChanged", {"id": statement.pk})
    return _form_response(request, form, source, status=422)


# --- one card, edit, delete ----------------------------------------------------


def _cached_card(request: HttpRequest, pk: int, prefix: str = "") -> HttpResponse:
    """The statement's card as the card list shows it (claims/caching.py); 404 if gone."""
    html = caching.card_html(request.user, pk, prefix=prefix)
    if html is None:
        raise Http404("No such statement.")
    return HttpResponse(html)


@require_GET
@member_required
def statement_card(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.htmx:
        return redirect(get_object_or_404(Statement.objects.only("id", "source_id"), pk=pk))
    return _cached_card(request, pk, "focus-" if request.GET.get("slot") else "")


def _conflict_response(request, conflict: EditConflict, form) -> HttpResponse:
    """409: the shared conflict partial (what you opened, what is stored now, yours); the
    form keeps your values with the current version, so saving again is a deliberate choice."""
    current = _card(request, conflict.current.pk)
    data = request.POST.copy()
    data["version"] = str(current.version)
    fresh = StatementForm(
        data, source=current.source, statement=current, auto_id=f"edit{current.pk}_%s"
    )
    cleaned = getattr(form, "cleaned_data", {})
    yours = {k: cleaned[k] for k in services.EDITABLE if k in cleaned}
    ctx = {
        "statement": current,
        "source": current.source,
        "form": fresh,
        **conflict_context(conflict, yours),
        "conflict_keeps_yours": True,
        "nav": "sources",
    }
    template = (
        "claims/statement_form.html#conflict" if request.htmx else "claims/statement_form.html"
    )
    return render(request, template, ctx, status=409)


@require_http_methods(["GET", "POST"])
@member_required
def statement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_object_or_404(Statement.objects.select_related("source", "speaker"), pk=pk)
    require_statement_change(request.user, statement)
    auto_id = f"edit{statement.pk}_%s"
    if request.method == "GET":
        form = StatementForm(source=statement.source, statement=statement, auto_id=auto_id)
        return _form_response(request, form, statement.source, statement)
    form = StatementForm(
        request.POST, source=statement.source, statement=statement, auto_id=auto_id
    )
    if form.is_valid():
        try:
            updated = services.statement_update(
                user=request.user,
                statement_id=statement.pk,
                version=form.cleaned_data["version"],
                **_service_fields(form.cleaned_data),
            )
        except EditConflict as conflict:
            return _conflict_response(request, conflict, form)
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            if not request.htmx:
                return redirect(updated)
            response = _replace_card(_cached_card(request, pk))
            return trigger_client_event(response, "statementsChanged", {"id": pk})
    return _form_response(request, form, statement.source, statement, status=422)


@require_http_methods(["GET", "POST"])
@member_required
def statement_delete(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _card(request, pk)
    require_statement_change(request.user, statement)
    ctx = {"statement": statement, "nav": "sources"}
    if request.method == "POST":
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = None
        try:
            services.statement_delete(user=request.user, statement_id=pk, version=version)
        except EditConflict as conflict:
            ctx.update(conflict_context(conflict), statement=_card(request, conflict.current.pk))
            template = (
                "claims/statement_delete.html#confirm"
                if request.htmx
                else "claims/statement_delete.html"
            )
            return render(request, template, ctx, status=409)
        if not request.htmx:
            return redirect(statement.source)
        response = _replace_card(render(request, "claims/statement_delete.html#deleted", ctx))
        return trigger_client_event(response, "statementsChanged", {"id": pk, "deleted": True})
    template = (
        "claims/statement_delete.html#confirm" if request.htmx else "claims/statement_delete.html"
    )
    return render(request, template, ctx)


# --- claims found or made in place ------------------------------------------------


def _claim_picker(request, *, chosen=None, errors=(), new_text="", message="") -> Picker:
    return Picker(
        field="claim",
        label="Claim",
        id_prefix=request.GET.get("prefix", "new_")[:20],
        chosen=chosen,
        options=[chosen] if chosen else [],
        new_name=new_text,
        errors=list(errors),
        message=message,
    )


@require_GET
@member_required
def claim_options(request: HttpRequest) -> HttpResponse:
    """<option>s of the claims matching claim_q, for the statement form's claim list."""
    q = request.GET.get("claim_q", "")
    return render(
        request,
        "claims/statement_form.html#claim_options",
        {"options": claim_matches(q), "q": q, "select_first": bool(q.strip())},
    )


@require_POST
@member_required
def claim_quick_create(request: HttpRequest) -> HttpResponse:
    """Create a claim from the statement form and answer with the picker, the claim chosen."""
    _require_perm(request, "claims.add_claim")
    form = ClaimQuickForm({"text": request.POST.get("claim_new_text", "")})
    if form.is_valid():
        try:
            claim, created = services.claim_create(
                user=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            form.add_error("text", exc.messages)
        else:
            message = "Claim created." if created else "That claim already existed; it is chosen."
            picker = _claim_picker(request, chosen=claim, message=message)
            return render(request, "claims/statement_form.html#claim_picker", {"picker": picker})
    picker = _claim_picker(
        request, errors=form.errors.get("text", []), new_text=request.POST.get("claim_new_text", "")
    )
    return render(
        request, "claims/statement_form.html#claim_picker", {"picker": picker}, status=422
    )


# --- contradictions ------------------------------------------------------------------


def _link_context(request, statement: Statement, form: ContradictionForm) -> dict:
    return {
        "statement": statement,
        "form": form,
        "suggestions": services.statement_suggestions(statement=statement),
        "results": _search(request, statement),
        "q": request.GET.get("q", ""),
        "nav": "sources",
    }


def _search(request: HttpRequest, statement: Statement):
    q = request.GET.get("q", "").strip()
    if not q:
        return None
    # by quote or summary (ranked), speaker or claim: the full-text index (claims/search.py)
    found = search_statements(
        Statement.objects.exclude(pk=statement.pk)
        .select_related("speaker", "via", "claim", "source")
        .defer("source__text", "source__notes"),
        Query.parse(q),
        then=("source_id", "start", "id"),
    )
    return paginate(request, found, SEARCH_PER_PAGE, count=False)


@require_http_methods(["GET", "POST"])
@member_required
def statement_link(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Contradicts…": search every source's statements, pick one, say how and why."""
    _require_perm(request, "claims.add_contradiction")
    statement = get_object_or_404(
        Statement.objects.select_related("speaker", "claim", "source").defer("source__text"), pk=pk
    )
    if request.method == "GET":
        form = ContradictionForm(statement=statement)
        template = (
            "claims/statement_link.html#panel" if request.htmx else "claims/statement_link.html"
        )
        return render(request, template, _link_context(request, statement, form))
    form = ContradictionForm(request.POST, statement=statement)
    if form.is_valid():
        try:
            services.contradiction_propose(
                user=request.user,
                first=statement,
                second=form.cleaned_data["other"],
                kind=form.cleaned_data["kind"],
                rationale=form.cleaned_data["rationale"],
            )
        except ValidationError as exc:
            form.add_error("other", exc.messages)
        else:
            if not request.htmx:
                return redirect(statement)
            response = _replace_card(_cached_card(request, pk))
            return trigger_client_event(response, "linksChanged", {"id": pk})
    template = "claims/statement_link.html#panel" if request.htmx else "claims/statement_link.html"
    return render(request, template, _link_context(request, statement, form), status=422)


@require_GET
@member_required
def statement_link_search(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_object_or_404(Statement.objects.only("id"), pk=pk)
    return render(
        request,
        "claims/statement_link.html#results",
        {
            "statement": statement,
            "results": _search(request, statement),
            "q": request.GET.get("q", ""),
        },
    )


urlpatterns = [
    path("sources/<int:pk>/statements/new/", statement_create, name="statement_create"),
    path("statements/<int:pk>/", statement_card, name="statement_card"),
    path("statements/<int:pk>/edit/", statement_edit, name="statement_edit"),
    path("statements/<int:pk>/delete/", statement_delete, name="statement_delete"),
    path("statements/<int:pk>/contradicts/", statement_link, name="statement_link"),
    path(
        "statements/<int:pk>/contradicts/search/",
        statement_link_search,
        name="statement_link_search",
    ),
    path("statements/claim-options/", claim_options, name="claim_options"),
    path("statements/claim-new/", claim_quick_create, name="claim_quick_create"),
]
