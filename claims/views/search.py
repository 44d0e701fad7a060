"""Search everything: one box in the navigation bar, results grouped by kind (sources,
statements, actors, claims), matched words highlighted, best first. The whole page shows
a few per kind with a "more" link; one kind alone is paged without counting the matches."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from claims.access import member_required
from claims.pagecache import per_viewer
from claims.search import Query, page_number
from claims.selectors import search_groups

PER_GROUP = 5
PER_PAGE = 20


@require_GET
@member_required
@per_viewer
def search(request: HttpRequest) -> HttpResponse:
    query = Query.parse(request.GET.get("q", ""))
    kind = request.GET.get("kind", "")
    number = page_number(request.GET.get("page"))
    groups = search_groups(query, kind=kind, number=number, per_group=PER_GROUP, per_page=PER_PAGE)
    ctx = {
        "nav": "search",
        "q": query.raw,
        "query": query,
        "kind": kind if len(groups) == 1 else "",
        "groups": groups,
        "too_short": bool(query.raw) and not query,
    }
    return render(request, "claims/search.html", ctx)


urlpatterns = [path("search/", search, name="search")]
