"""Actors: the list, an actor's page, and the statement form's find-as-you-type
list and in-place creation."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from claims.access import member_required
from claims.forms.statements import ActorQuickForm, Picker, actor_matches
from claims.models import Actor, Affiliation, Contradiction, Statement
from claims.pagecache import per_viewer
from claims.search import Query, search_actors
from claims.selectors import Pager, paginate, statement_count
from claims.services.statements import actor_create

ACTORS_PER_PAGE = 25
STATEMENTS_PER_PAGE = 25
CONTRADICTIONS_PER_PAGE = 10
PICKER_FIELDS = {"speaker", "via"}


@require_GET
@member_required
@per_viewer
def actor_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    actors = Actor.objects.annotate(n_statements=statement_count("speaker")).prefetch_related(
        "aliases"
    )
    actors = actors.order_by("name", "id")
    if q:  # names and aliases; an exact name or alias first (claims/search.py)
        actors = search_actors(actors, Query.parse(q))
    page = paginate(request, actors, ACTORS_PER_PAGE, count=not q)  # a search: no count
    ctx = {"nav": "actors", "q": q, "page": page}
    if request.htmx and request.htmx.target == "actor-results":
        return render(request, "claims/actor_list.html#results", ctx)
    return render(request, "claims/actor_list.html", ctx)


@require_GET
@member_required
@per_viewer
def actor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = get_object_or_404(
        Actor.objects.prefetch_related(
            "aliases",
            Prefetch("affiliations", queryset=Affiliation.objects.select_related("target")),
            Prefetch("affiliated", queryset=Affiliation.objects.select_related("actor")),
        ),
        pk=pk,
    )
    statements = (
        Statement.objects.filter(Q(speaker=actor) | Q(via=actor))
        .select_related("speaker", "via", "claim", "source")
        .defer("source__text", "source__notes")
        .order_by("claim__text", "claim_id", "source_id", "start", "id")
    )
    statements_page = Pager(statements, STATEMENTS_PER_PAGE).get_page(request.GET.get("page"))
    contradictions = (
        Contradiction.objects.filter(
            Q(first__speaker=actor)
            | Q(second__speaker=actor)
            | Q(first__via=actor)
            | Q(second__via=actor)
        )
        .select_related(
            "first__speaker", "second__speaker", "first__source", "second__source", "claim"
        )
        .defer("first__source__text", "second__source__text")
        .order_by("-created_at", "-id")
    )
    contradictions_page = Pager(contradictions, CONTRADICTIONS_PER_PAGE).get_page(
        request.GET.get("cpage")
    )
    ctx = {
        "nav": "actors",
        "actor": actor,
        "statements": statements_page,
        "contradictions": contradictions_page,
    }
    return render(request, "claims/actor_detail.html", ctx)


# --- the statement form's speaker and via pickers ------------------------------------


def _field(request: HttpRequest) -> str:
    field = request.GET.get("field", "speaker")
    return field if field in PICKER_FIELDS else "speaker"


@require_GET
@member_required
def actor_options(request: HttpRequest) -> HttpResponse:
    """<option>s of the actors whose name or alias matches <field>_q."""
    field = _field(request)
    q = request.GET.get(f"{field}_q", "")
    ctx = {"options": actor_matches(q), "q": q, "field": field, "select_first": bool(q.strip())}
    return render(request, "claims/statement_form.html#actor_options", ctx)


@require_POST
@member_required
def actor_quick_create(request: HttpRequest) -> HttpResponse:
    """Create an actor from the statement form; answer with the picker, the actor chosen."""
    if not request.user.has_perm("claims.add_actor"):
        raise PermissionDenied("Your role does not allow creating actors.")
    field = _field(request)
    form = ActorQuickForm(
        {
            "name": request.POST.get(f"{field}_new_name", ""),
            "kind": request.POST.get(f"{field}_new_kind", "person"),
        }
    )
    picker = Picker(
        field=field,
        label="Speaker" if field == "speaker" else "Via (spokesperson or reader)",
        id_prefix=request.GET.get("prefix", "new_")[:20],
        required=field == "speaker",
    )
    if form.is_valid():
        try:
            actor, created = actor_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error("name", exc.messages)
        else:
            picker.chosen, picker.options = actor, [actor]
            picker.message = (
                f"{actor.name} created." if created else f"{actor.name} already existed; chosen."
            )
            return render(request, "claims/statement_form.html#actor_picker", {"picker": picker})
    picker.errors = [e for errors in form.errors.values() for e in errors]
    picker.new_name = request.POST.get(f"{field}_new_name", "")
    picker.new_kind = request.POST.get(f"{field}_new_kind", "person")
    return render(
        request, "claims/statement_form.html#actor_picker", {"picker": picker}, status=422
    )


urlpatterns = [
    path("actors/", actor_list, name="actor_list"),
    path("actors/<int:pk>/", actor_detail, name="actor_detail"),
    path("actors/options/", actor_options, name="actor_options"),
    path("actors/quick/", actor_quick_create, name="actor_quick_create"),
]
