"""Suggested statements on the reading page: find them, accept, edit then accept, dismiss.

htmx requests get the refreshed "Suggested" list (the next pending suggestion marked
current, so the keyboard flow continues) plus HX-Trigger events: `statementsChanged`
after an accept (the text and the cards refresh) and `suggestionsChanged`. Plain
requests get a redirect to the source page with a message. Nothing becomes a
statement until a researcher accepts it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from claims import anchoring
from claims.access import mark_changeable, member_required
from claims.forms.statements import StatementForm, SuggestionDecisionForm
from claims.models import Source, Statement, SuggestedStatement
from claims.selectors import card_statements, suggestions_context
from claims.services import suggestions as services
from claims.services.statements import NewActor


def _require_annotate(request: HttpRequest) -> None:
    if not request.user.has_perm("claims.add_statement"):
        raise PermissionDenied("Your role does not allow recording statements.")


def _suggestion(pk: int) -> SuggestedStatement:
    return get_object_or_404(
        SuggestedStatement.objects.select_related("source", "speaker", "via"), pk=pk
    )


def _next_pending(suggestion: SuggestedStatement) -> int | None:
    """The pending suggestion after this one in text order (else the one before)."""
    pending = SuggestedStatement.objects.filter(
        source_id=suggestion.source_id, status=SuggestedStatement.Status.PENDING
    ).exclude(pk=suggestion.pk)
    after = (
        pending.filter(start__gte=suggestion.start)
        .order_by("start", "end", "id")
        .values_list("id", flat=True)
        .first()
    )
    if after is not None:
        return after
    return pending.order_by("-start", "-end", "-id").values_list("id", flat=True).first()


def _list_response(
    request: HttpRequest,
    source: Source,
    *,
    current: int | None = None,
    notice: str = "",
    statement: Statement | None = None,
    errors: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    ctx = {
        **suggestions_context(request, source),
        "current_suggestion": current,
        "suggestion_notice": notice,
        "notice_statement": statement,
        "suggestion_errors": errors or {},
        "can_annotate": request.user.has_perm("claims.add_statement"),
    }
    return render(request, "claims/source_detail.html#suggestions", ctx, status=status)


def _back(source: Source, anchor: str = "suggestions") -> HttpResponse:
    return redirect(source.get_absolute_url() + f"#{anchor}")


@require_GET
@member_required
def suggestion_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Suggested" list alone: it refreshes itself when suggestions change."""
    source = get_object_or_404(Source, pk=pk)
    if not request.htmx:
        return _back(source)
    return _list_response(request, source)


@require_POST
@member_required
def suggestions_find(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Find statements": run the engine over the source again (older sources, new actors)."""
    _require_annotate(request)
    source = get_object_or_404(Source, pk=pk)
    result = services.suggestions_refresh(source=source)
    notice = (
        f"{result.pending} suggested statement{'s' if result.pending != 1 else ''} to review"
        + (f" ({result.created} new)" if result.created else "")
        + "."
    )
    if not request.htmx:
        messages.success(request, notice)
        return _back(source)
    response = _list_response(request, source, notice=notice)
    return trigger_client_event(response, "suggestionsChanged", {"source": source.pk})


def _decision_failed(request, suggestion, exc: ValidationError) -> HttpResponse:
    text = " ".join(exc.messages)
    if not request.htmx:
        messages.error(request, text)
        return _back(suggestion.source, f"suggestion-{suggestion.pk}")
    suggestion.refresh_from_db(fields=["status"])
    listed = suggestion.status == SuggestedStatement.Status.PENDING
    return _list_response(
        request,
        suggestion.source,
        current=suggestion.pk if listed else None,
        errors={suggestion.pk: exc.messages} if listed else None,
        notice="" if listed else text,
        status=422,
    )


@require_POST
@member_required
def suggestion_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept: record the suggestion as the researcher's statement, with the claim and
    stance chosen on the suggestion (optional; candidates are never applied unasked)."""
    _require_annotate(request)
    suggestion = _suggestion(pk)
    form = SuggestionDecisionForm(request.POST, suggestion=suggestion)
    if not form.is_valid():
        return _decision_failed(
            request, suggestion, ValidationError([e for es in form.errors.values() for e in es])
        )
    nxt = _next_pending(suggestion)
    try:
        statement = services.suggestion_accept(
            suggestion=suggestion,
            user=request.user,
            claim=form.cleaned_data["claim"],
            stance=form.cleaned_data["stance"],
        )
    except ValidationError as exc:
        return _decision_failed(request, suggestion, exc)
    notice = f"Recorded: {statement.speaker.name}, “{statement.exact[:60]}”."
    if not request.htmx:
        messages.success(request, notice)
        return redirect(statement)
    response = _list_response(request, suggestion.source, current=nxt, statement=statement)
    return trigger_client_event(
        trigger_client_event(response, "statementsChanged", {"id": statement.pk}),
        "suggestionAccepted",
        {"id": statement.pk},
    )


@require_POST
@member_required
def suggestion_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    _require_annotate(request)
    suggestion = _suggestion(pk)
    nxt = _next_pending(suggestion)
    try:
        services.suggestion_dismiss(suggestion=suggestion, user=request.user)
    except ValidationError as exc:
        return _decision_failed(request, suggestion, exc)
    if not request.htmx:
        messages.success(request, "Suggestion dismissed.")
        return _back(suggestion.source)
    response = _list_response(request, suggestion.source, current=nxt, notice="Dismissed.")
    return trigger_client_event(response, "suggestionsChanged", {"source": suggestion.source_id})


def _edit_form(suggestion: SuggestedStatement, data=None) -> StatementForm:
    speaker = services.default_speaker(suggestion)
    candidates = services.candidate_claim_ids(suggestion)
    initial = {
        "exact": suggestion.exact,
        "start": suggestion.start,
        "end": suggestion.end,
        "prefix": suggestion.prefix,
        "suffix": suggestion.suffix,
        "offsets_unit": "cp",
        "speaker": suggestion.speaker_id,
        "speaker_new_name": speaker.name if isinstance(speaker, NewActor) else "",
        "via": suggestion.via_id,
        "reporting": suggestion.reporting,
        "claim": candidates[0] if candidates else None,
    }
    form = StatementForm(
        data,
        source=suggestion.source,
        initial=initial,
        auto_id=f"sug{suggestion.pk}_%s",
        action_url=reverse("claims:suggestion_edit", args=[suggestion.pk]),
    )
    form.suggestion = suggestion
    return form


@require_http_methods(["GET", "POST"])
@member_required
def suggestion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit: the statement form filled in from the suggestion; saving accepts it."""
    _require_annotate(request)
    suggestion = _suggestion(pk)
    if suggestion.status != SuggestedStatement.Status.PENDING:
        if suggestion.statement_id:
            return redirect(reverse("claims:statement_edit", args=[suggestion.statement_id]))
        return _back(suggestion.source)
    template = "claims/statement_form.html#form" if request.htmx else "claims/statement_form.html"
    ctx = {"source": suggestion.source, "nav": "sources", "standalone": not request.htmx}
    if request.method == "GET":
        return render(request, template, {**ctx, "form": _edit_form(suggestion)})
    form = _edit_form(suggestion, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            statement = services.suggestion_accept(
                suggestion=suggestion,
                user=request.user,
                speaker=data["speaker"],
                via=data["via"],
                reporting=data["reporting"],
                claim=data["claim"],
                stance=data.get("stance") or "",
                said_on=data.get("said_on"),
                summary=data.get("summary") or "",
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            if not request.htmx:
                return redirect(statement)
            card = get_object_or_404(card_statements(), pk=statement.pk)
            mark_changeable(request.user, [card])
            response = render(
                request,
                "claims/source_detail.html#card",
                {"statement": card, "card_id_prefix": "saved-", "saved": True},
                status=201,
            )
            response = trigger_client_event(response, "statementsChanged", {"id": statement.pk})
            return trigger_client_event(response, "suggestionsChanged", {"id": suggestion.pk})
    return render(request, template, {**ctx, "form": form}, status=422)


@require_GET
@member_required
def statement_before(request: HttpRequest, pk: int) -> JsonResponse:
    """The statement that ends last before a UTF-16 offset in the source: what "same speaker
    as last" and "same claim as last" fall back on before anything was saved on the page."""
    source = get_object_or_404(Source.objects.only("id", "text"), pk=pk)
    try:
        at = anchoring.utf16_to_cp(source.text, int(request.GET.get("before", "")))
    except (ValueError, anchoring.AnchorError):
        return JsonResponse({"error": "Give the offset as ?before=<UTF-16 offset>."}, status=400)
    statement = (
        Statement.objects.filter(source=source, start__lt=at)
        .select_related("speaker", "claim")
        .order_by("-end", "-start", "-id")
        .first()
    )
    if statement is None:
        return JsonResponse({"statement": None})
    claim = statement.claim
    return JsonResponse(
        {
            "statement": statement.pk,
            "speaker": {"id": statement.speaker_id, "name": statement.speaker.name},
            "claim": {"id": claim.pk, "text": claim.text} if claim else None,
            "stance": statement.stance,
        }
    )


urlpatterns = [
    path("sources/<int:pk>/suggestions/", suggestion_list, name="suggestion_list"),
    path("sources/<int:pk>/suggestions/find/", suggestions_find, name="suggestions_find"),
    path("suggestions/<int:pk>/accept/", suggestion_accept, name="suggestion_accept"),
    path("suggestions/<int:pk>/dismiss/", suggestion_dismiss, name="suggestion_dismiss"),
    path("suggestions/<int:pk>/edit/", suggestion_edit, name="suggestion_edit"),
    path("sources/<int:pk>/statement-before/", statement_before, name="statement_before"),
]
