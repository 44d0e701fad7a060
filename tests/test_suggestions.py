"""Suggested statements: storage and refresh, accept/edit/dismiss (service and views),
the import hook, and the reading page's "Suggested" list (query counts pinned)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Actor, ActorAlias, Statement, SuggestedStatement
from claims.selectors import SUGGESTIONS_PER_PAGE
from claims.services.imports import source_create
from claims.services.suggestions import (
    suggestion_accept,
    suggestion_dismiss,
    suggestions_refresh,
)
from tests.conftest import HTMX
from tests.factories import make_actor, make_claim, make_source, make_statement

TEXT = (
    "Minister John Smith said the bridge was safe.\n\n"
    '"We will rebuild it in a year," Smith told reporters. '
    "Critics said the bridge was not safe.\n"
)
REBUILD = '"We will rebuild it in a year,"'


@pytest.fixture
def smith(db) -> Actor:
    actor = make_actor("John Smith")
    ActorAlias.objects.create(actor=actor, name="Smith")
    return actor


@pytest.fixture
def source(smith):
    source = make_source(text=TEXT, title="Bridge")
    suggestions_refresh(source=source)
    return source


def _sug(source, exact: str) -> SuggestedStatement:
    return SuggestedStatement.objects.get(source=source, exact=exact)


# --- the service ---------------------------------------------------------------------


def test_refresh_stores_spans_speakers_and_is_idempotent(source, smith):
    found = list(SuggestedStatement.objects.filter(source=source).order_by("start"))
    assert [s.exact for s in found] == [
        "the bridge was safe",
        REBUILD,
        "the bridge was not safe",
    ]
    for s in found:
        assert source.text[s.start : s.end] == s.exact
        assert s.status == SuggestedStatement.Status.PENDING
    rebuild = _sug(source, REBUILD)
    assert (rebuild.speaker, rebuild.speaker_text, rebuild.reporting) == (
        smith,
        "Smith",
        "direct_quote",
    )
    assert rebuild.cue_text == "told"
    critics = _sug(source, "the bridge was not safe")
    assert critics.speaker is None and critics.speaker_name == "Critics"
    again = suggestions_refresh(source=source)
    assert (again.created, again.updated, again.removed) == (0, 3, 0)
    assert SuggestedStatement.objects.filter(source=source).count() == 3


def test_refresh_keeps_dismissed_dismissed_and_skips_recorded_spans(source, researcher):
    suggestion_dismiss(suggestion=_sug(source, "the bridge was safe"), user=researcher)
    make_statement(source=source, quote="the bridge was not safe", created_by=researcher)
    result = suggestions_refresh(source=source)
    assert result.removed == 1  # the pending one a statement now covers
    assert result.kept == 1
    assert _sug(source, "the bridge was safe").status == "dismissed"
    assert not SuggestedStatement.objects.filter(exact="the bridge was not safe").exists()
    assert list(
        SuggestedStatement.objects.filter(source=source, status="pending").values_list(
            "exact", flat=True
        )
    ) == [REBUILD]


def test_candidate_claims_are_ranked_never_forced(smith, researcher):
    claim = make_claim("The bridge was safe")
    source = make_source(text=TEXT)
    suggestions_refresh(source=source)
    safe = _sug(source, "the bridge was safe")
    assert safe.candidate_claims and safe.candidate_claims[0]["id"] == claim.pk
    statement = suggestion_accept(suggestion=safe, user=researcher)
    assert statement.claim is None and statement.stance == ""


def test_source_import_finds_suggestions(researcher, smith):
    source = source_create(user=researcher, text=TEXT, title="Imported")
    assert SuggestedStatement.objects.filter(source=source, status="pending").count() == 3


def test_accept_records_the_researchers_statement(source, smith, researcher):
    suggestion = _sug(source, REBUILD)
    claim = make_claim("The bridge will be rebuilt within a year")
    statement = suggestion_accept(
        suggestion=suggestion, user=researcher, claim=claim, stance="asserts"
    )
    assert (statement.speaker, statement.created_by, statement.reporting) == (
        smith,
        researcher,
        "direct_quote",
    )
    assert (statement.start, statement.end, statement.exact) == (
        suggestion.start,
        suggestion.end,
        REBUILD,
    )
    assert (statement.claim, statement.stance) == (claim, "asserts")
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted" and suggestion.statement == statement
    assert suggestion.decided_by == researcher and suggestion.decided_at is not None
    with pytest.raises(ValidationError, match="already accepted"):
        suggestion_accept(suggestion=suggestion, user=researcher)
    assert Statement.objects.count() == 1


def test_accept_creates_a_new_speaker_or_asks_for_one(source, researcher):
    statement = suggestion_accept(
        suggestion=_sug(source, "the bridge was not safe"), user=researcher
    )
    assert statement.speaker.name == "Critics" and statement.speaker.created_by == researcher
    unnamed = _sug(source, "the bridge was safe")
    SuggestedStatement.objects.filter(pk=unnamed.pk).update(
        speaker=None, speaker_name="", speaker_text=""
    )
    unnamed.refresh_from_db()
    with pytest.raises(ValidationError, match="Who said it"):
        suggestion_accept(suggestion=unnamed, user=researcher)
    unnamed.refresh_from_db()
    assert unnamed.status == "pending"


def test_dismiss_twice_is_refused(source, researcher):
    suggestion = _sug(source, REBUILD)
    suggestion_dismiss(suggestion=suggestion, user=researcher)
    with pytest.raises(ValidationError, match="already dismissed"):
        suggestion_dismiss(suggestion=suggestion, user=researcher)


# --- the views -------------------------------------------------------------------------


def _url(name: str, pk: int) -> str:
    return reverse(f"claims:{name}", args=[pk])


def test_accept_view_htmx_answers_the_list_with_the_next_current(source, researcher_client):
    first, second = (
        _sug(source, "the bridge was safe"),
        _sug(source, REBUILD),
    )
    response = researcher_client.post(_url("suggestion_accept", first.pk), {}, headers=HTMX)
    assert response.status_code == 200
    assert "statementsChanged" in response["HX-Trigger"]
    html = response.content.decode()
    assert f'id="suggestion-{second.pk}"' in html and f'id="suggestion-{first.pk}"' not in html
    assert "data-current" in html and "Recorded:" in html
    statement = Statement.objects.get()
    assert statement.speaker.name == "John Smith"


def test_accept_view_with_claim_and_stance(source, researcher_client):
    claim = make_claim("Rebuilt within a year")
    suggestion = _sug(source, REBUILD)
    response = researcher_client.post(
        _url("suggestion_accept", suggestion.pk),
        {"claim": claim.pk, "stance": "asserts"},
        headers=HTMX,
    )
    assert response.status_code == 200
    statement = Statement.objects.get()
    assert (statement.claim, statement.stance) == (claim, "asserts")


def test_accept_view_refuses_a_claim_without_stance_with_422(source, researcher_client):
    claim = make_claim("Rebuilt within a year")
    suggestion = _sug(source, REBUILD)
    response = researcher_client.post(
        _url("suggestion_accept", suggestion.pk), {"claim": claim.pk}, headers=HTMX
    )
    assert response.status_code == 422
    assert "asserts, denies or questions" in response.content.decode()
    assert not Statement.objects.exists()


def test_accept_view_plain_post_redirects_to_the_statement(source, researcher_client):
    suggestion = _sug(source, REBUILD)
    response = researcher_client.post(_url("suggestion_accept", suggestion.pk))
    statement = Statement.objects.get()
    assert response.status_code == 302 and response.url == statement.get_absolute_url()


@pytest.mark.parametrize("name", ["suggestion_accept", "suggestion_dismiss"])
def test_decisions_refused_without_role_csrf_or_login(
    source, name, outsider_client, anon_client, researcher_client
):
    suggestion = _sug(source, REBUILD)
    assert outsider_client.post(_url(name, suggestion.pk)).status_code == 403
    response = anon_client.post(_url(name, suggestion.pk))
    assert response.status_code == 302 and "/login/" in response.url
    assert researcher_client.post(_url(name, suggestion.pk), csrf=False).status_code == 403
    assert researcher_client.post(_url(name, 999_999)).status_code == 404
    assert researcher_client.get(_url(name, suggestion.pk)).status_code == 405
    suggestion.refresh_from_db()
    assert suggestion.status == "pending" and not Statement.objects.exists()


def test_dismiss_view(source, editor_client):
    suggestion = _sug(source, REBUILD)
    response = editor_client.post(_url("suggestion_dismiss", suggestion.pk), headers=HTMX)
    assert response.status_code == 200 and "suggestionsChanged" in response["HX-Trigger"]
    suggestion.refresh_from_db()
    assert suggestion.status == "dismissed" and not Statement.objects.exists()
    again = editor_client.post(_url("suggestion_dismiss", suggestion.pk), headers=HTMX)
    assert again.status_code == 422 and "already dismissed" in again.content.decode()


def test_edit_view_fills_the_form_and_saving_accepts(source, smith, researcher_client):
    suggestion = _sug(source, REBUILD)
    url = _url("suggestion_edit", suggestion.pk)
    page = researcher_client.get(url, headers=HTMX)
    html = page.content.decode()
    assert page.status_code == 200 and f'action="{url}"' in html
    assert 'name="offsets_unit" value="cp"' in html
    assert f'<option value="{smith.pk}" selected>John Smith' in html
    response = researcher_client.post(
        url,
        {
            "exact": REBUILD,
            "start": suggestion.start,
            "end": suggestion.end,
            "offsets_unit": "cp",
            "speaker": smith.pk,
            "reporting": "paraphrase",
            "summary": "A year.",
        },
        headers=HTMX,
    )
    assert response.status_code == 201
    statement = Statement.objects.get()
    assert (statement.reporting, statement.summary, statement.exact) == (
        "paraphrase",
        "A year.",
        REBUILD,
    )
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted" and suggestion.statement == statement


def test_edit_view_for_a_new_speaker_names_them(source, researcher_client):
    suggestion = _sug(source, "the bridge was not safe")
    html = researcher_client.get(_url("suggestion_edit", suggestion.pk)).content.decode()
    assert 'name="speaker_new_name" value="Critics"' in html


def test_edit_view_refused_to_outsiders(source, outsider_client):
    suggestion = _sug(source, REBUILD)
    assert outsider_client.get(_url("suggestion_edit", suggestion.pk)).status_code == 403


def test_find_statements_view(smith, researcher_client, outsider_client):
    source = make_source(text=TEXT)
    assert not SuggestedStatement.objects.exists()
    assert outsider_client.post(_url("suggestions_find", source.pk)).status_code == 403
    response = researcher_client.post(_url("suggestions_find", source.pk), headers=HTMX)
    assert response.status_code == 200
    assert "3 suggested statements to review (3 new)." in response.content.decode()
    plain = researcher_client.post(_url("suggestions_find", source.pk))
    assert plain.status_code == 302
    assert SuggestedStatement.objects.count() == 3


def test_reading_page_lists_suggestions_in_text_order(source, researcher_client):
    html = researcher_client.get(source.get_absolute_url()).content.decode()
    positions = [
        html.index(f'id="suggestion-{s.pk}"') for s in source.suggestions.order_by("start")
    ]
    assert positions == sorted(positions)
    assert "Find statements" in html and 'id="keys-help"' in html


def _add_suggestions(source, n: int) -> None:
    claim_ids = [make_claim(f"Claim {n}-{i}").pk for i in range(3)]
    SuggestedStatement.objects.filter(source=source).delete()
    words = source.text
    for i in range(n):
        start = i % (len(words) - 5)
        SuggestedStatement.objects.create(
            source=source,
            start=start,
            end=start + 5,
            exact=words[start : start + 5],
            speaker=Actor.objects.first() if i % 2 else None,
            speaker_name="Someone",
            candidate_claims=[{"id": pk, "score": 0.5} for pk in claim_ids],
        )


@pytest.mark.parametrize("n", [3, 40])
def test_suggestion_list_query_count_does_not_grow(
    source, researcher_client, django_assert_num_queries, n
):
    _add_suggestions(source, n)
    url = _url("suggestion_list", source.pk)
    # the user with their permissions, source, count, page of suggestions, candidate claims; a first
    # page that holds every suggestion is its own count (selectors.Pager)
    with django_assert_num_queries(5 if n > SUGGESTIONS_PER_PAGE else 4):
        response = researcher_client.get(url, headers=HTMX)
    assert response.status_code == 200
    assert response.content.decode().count("data-suggestion=") == min(n, 30)


def test_suggestion_list_as_a_page_redirects(source, researcher_client):
    response = researcher_client.get(_url("suggestion_list", source.pk))
    assert response.status_code == 302 and response.url.endswith("#suggestions")


def test_reading_page_query_count_does_not_grow_with_suggestions(
    source, researcher, researcher_client
):
    make_statement(source=source, quote="Critics", created_by=researcher)
    url = source.get_absolute_url()
    counts = []
    for n in (3, 40):
        _add_suggestions(source, n)
        researcher_client.get(url)  # cached parts of the page (text, cards) are warm
        with CaptureQueriesContext(connection) as ctx:
            response = researcher_client.get(url)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    # bounded: only the suggestions' count comes in once they fill more than one page (3 fit
    # on the first, which is then its own count: selectors.Pager; 43 do not)
    assert counts[0] + 1 == counts[1] <= 17
