"""Sources: the list, the import form, and the reading and annotating page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from claims import caching
from claims.access import member_required
from claims.forms.sources import SourceImportForm
from claims.models import Source, Statement
from claims.pagecache import per_viewer
from claims.search import Query, search_sources
from claims.selectors import paginate, statement_count, suggestions_context
from claims.services.imports import source_create

SOURCES_PER_PAGE = 25
CARDS_PER_PAGE = 25


@require_GET
@member_required
@per_viewer
def source_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    sources = (
        Source.objects.annotate(n_statements=statement_count("source"))
        .defer("text", "notes")
        .order_by("-created_at", "-id")
    )
    if q:  # title, text, publisher, byline, dateline; best first (claims/search.py)
        sources = search_sources(sources, Query.parse(q))
    page = paginate(request, sources, SOURCES_PER_PAGE, count=not q)  # a search: no count
    rows = caching.source_rows_html(page.object_list)  # each once per what it shows
    ctx = {"nav": "sources", "q": q, "page": page, "rows": rows}
    if request.htmx and request.htmx.target == "source-results":
        return render(request, "claims/source_list.html#results", ctx)
    return render(request, "claims/source_list.html", ctx)


@require_http_methods(["GET", "POST"])
@member_required
def source_create_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("claims.add_source"):
        raise PermissionDenied("Your role does not allow importing sources.")
    if request.method == "POST":
        form = SourceImportForm(request.POST, request.FILES)
        if form.is_valid():
            fields = {k: v for k, v in form.cleaned_data.items() if k not in {"text", "upload"}}
            source = source_create(user=request.user, text=form.cleaned_data["text"], **fields)
            return redirect(source)
        return render(
            request, "claims/source_form.html", {"form": form, "nav": "sources"}, status=422
        )
    return render(
        request, "claims/source_form.html", {"form": SourceImportForm(), "nav": "sources"}
    )


# --- the reading page ----------------------------------------------------------


def text_context(source: Source) -> dict:
    return {"source": source, "text_html": caching.source_text_html(source)}


def cards_context(request: HttpRequest, source: Source) -> dict:
    """One page of cards, each rendered once per version (claims/caching.py)."""
    page = caching.card_page(
        request.user,
        Statement.objects.filter(source=source).order_by("start", "-end", "id"),
        CARDS_PER_PAGE,
        request.GET.get("page"),
    )
    return {"source": source, "cards": page}


@require_GET
@member_required
@per_viewer
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk)
    ctx = {
        "nav": "sources",
        **text_context(source),
        **cards_context(request, source),
        **suggestions_context(request, source),
    }
    if request.user.has_perm("claims.add_statement"):
        # the same for every viewer but for the CSRF token: rendered once per source
        ctx.update(can_annotate=True, form_html=caching.new_statement_form_html(request, source))
    return render(request, "claims/source_detail.html", ctx)


@require_GET
@member_required
@per_viewer
def source_text(request: HttpRequest, pk: int) -> HttpResponse:
    """The highlighted text alone: it refreshes itself after statements change."""
    source = get_object_or_404(Source, pk=pk)
    if not request.htmx:  # a fragment opened as a page (new tab, bookmark): the page
        return redirect(source)
    return render(request, "claims/source_detail.html#text", text_context(source))


@require_GET
@member_required
@per_viewer
def source_cards(request: HttpRequest, pk: int) -> HttpResponse:
    """One page of statement cards: it refreshes itself after statements or links change."""
    source = get_object_or_404(Source, pk=pk)
    if not request.htmx:  # a fragment opened as a page: the page, at the same card page
        query = request.GET.urlencode()
        return redirect(source.get_absolute_url() + (f"?{query}" if query else ""))
    return render(request, "claims/source_detail.html#cards", cards_context(request, source))


urlpatterns = [
    path("sources/", source_list, name="source_list"),
    path("sources/new/", source_create_view, name="source_create"),
    path("sources/<int:pk>/", source_detail, name="source_detail"),
    path("sources/<int:pk>/text/", source_text, name="source_text"),
    path("sources/<int:pk>/cards/", source_cards, name="source_cards"),
]
