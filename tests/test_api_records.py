"""Sources, actors (with aliases), claims, contradictions and notes through the API: each
endpoint for the persona who may and the one who may not, version conflicts (409 with
the current record), bad input (422 per field), unknown ids (404/422)."""

from __future__ import annotations

import pytest

from claims.models import Actor, ActorAlias, Claim, Contradiction, Note, Source
from tests.factories import (
    DEFAULT_TEXT,
    make_actor,
    make_claim,
    make_contradiction,
    make_source,
    make_statement,
)

pytestmark = pytest.mark.django_db


# --- sources ------------------------------------------------------------------------------


def test_researcher_imports_a_source_text_normalised(researcher_api, researcher):
    response = researcher_api.post(
        "/api/sources/",
        {
            "title": "CNN, 3 April 2008",
            "text": "Line one\r\nLine two",
            "published_on": "2008-04-03",
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["text"] == "Line one\nLine two"
    assert data["text_length"] == data["text_length_utf16"] == 17
    source = Source.objects.get()
    assert source.created_by == researcher and source.text_sha256 == data["text_sha256"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"title": "T"}, "text"),
        ({"title": "T", "text": "x", "url": "ftp://example.org"}, "url"),
        ({"title": "T", "text": "x", "kind": "tweet"}, "kind"),
        ({"title": "T", "text": "x", "published_on": "2008-13-01"}, "published_on"),
        ({"title": "", "text": "x"}, "title"),
        ({"title": "   ", "text": "x"}, "title"),
        ({"title": "T", "text": "nul \x00 here"}, "text"),
        ({"title": ["T"], "text": "x"}, "title"),
    ],
)
def test_bad_sources_are_refused_per_field(researcher_api, body, field):
    response = researcher_api.post("/api/sources/", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert not Source.objects.exists()


def test_outsider_may_not_import(outsider_api):
    assert outsider_api.post("/api/sources/", {"title": "T", "text": "x"}).status_code == 403


def test_only_editors_edit_sources_and_text_changes_reanchor(
    researcher_api, editor_api, researcher
):
    source = make_source()
    statement = make_statement(source=source, quote="the cracks were old", created_by=researcher)
    url = f"/api/sources/{source.pk}"
    assert researcher_api.patch(url, {"version": 1, "title": "New"}).status_code == 403
    response = editor_api.patch(url, {"version": 1, "text": "Preface. " + DEFAULT_TEXT})
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    statement.refresh_from_db()
    assert statement.start == DEFAULT_TEXT.index("the cracks were old") + len("Preface. ")
    assert statement.exact == "the cracks were old"
    put = editor_api.put(
        url, {"version": 2, "title": "Renamed", "text": "Preface. " + DEFAULT_TEXT}
    )
    assert put.status_code == 200 and put.json()["title"] == "Renamed"
    assert put.json()["publisher"] == ""  # PUT replaces every field


def test_source_conflict_returns_the_current_source(editor_api):
    source = make_source()
    source.title = "Changed"
    source.save()
    response = editor_api.patch(f"/api/sources/{source.pk}", {"version": 1, "title": "Mine"})
    assert response.status_code == 409
    assert response.json()["current"]["title"] == "Changed"
    assert response.json()["current"]["version"] == 2


def test_deleting_sources_is_for_admins_and_refused_while_statements_use_it(
    editor_api, admin_api, researcher
):
    used = make_source()
    make_statement(source=used, quote="the cracks were old", created_by=researcher)
    empty = make_source()
    assert editor_api.delete(f"/api/sources/{empty.pk}?version=1").status_code == 403
    refused = admin_api.delete(f"/api/sources/{used.pk}?version=1")
    assert refused.status_code == 409 and "used by" in refused.json()["detail"]
    assert admin_api.delete(f"/api/sources/{empty.pk}?version=1").status_code == 204
    assert list(Source.objects.all()) == [used]


def test_source_list_filters_and_search(researcher_api, researcher):
    a = make_source(title="Najaf envoys", published_on="2008-04-03")
    b = make_source(title="Basra fighting", published_on="2008-03-25")
    speaker = make_actor("Al-Sadr")
    make_statement(source=b, quote="the cracks were old", created_by=researcher, speaker=speaker)

    def ids(query):
        response = researcher_api.get(f"/api/sources/?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [b.pk, a.pk]  # newest first
    assert ids("q=najaf") == [a.pk]
    assert ids("published_after=2008-04-01") == [a.pk]
    assert ids("published_before=2008-04-01") == [b.pk]
    assert ids(f"actor={speaker.pk}") == [b.pk]
    listed = researcher_api.get("/api/sources/").json()["results"]
    assert {r["id"]: r["statements"] for r in listed} == {a.pk: 0, b.pk: 1}
    assert "text" not in listed[0]
    assert researcher_api.get("/api/sources/?published_after=soon").status_code == 422
    assert researcher_api.get(f"/api/sources/{a.pk}").json()["text"] == DEFAULT_TEXT
    assert researcher_api.get(f"/api/sources/{2**70}").status_code == 404


# --- actors ---------------------------------------------------------------------------------


def test_researcher_creates_an_actor_with_aliases(researcher_api):
    response = researcher_api.post(
        "/api/actors/",
        {"name": "Muqtada al-Sadr", "kind": "person", "aliases": ["al-Sadr", "Sadr"]},
    )
    assert response.status_code == 201, response.content
    assert {a["name"] for a in response.json()["aliases"]} == {"al-Sadr", "Sadr"}
    assert ActorAlias.objects.count() == 2


def test_an_existing_name_is_409_with_that_actor(researcher_api):
    actor = make_actor("Nuri al-Maliki")
    response = researcher_api.post("/api/actors/", {"name": "nuri AL-maliki"})
    assert response.status_code == 409
    assert response.json()["current"]["id"] == actor.pk
    assert Actor.objects.count() == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "X", "kind": "alien"}, "kind"),
        ({"name": "X", "wikidata_id": "1234"}, "wikidata_id"),
        ({"name": ""}, "name"),
        ({"name": "X", "aliases": "not a list"}, "aliases"),
    ],
)
def test_bad_actors_are_refused_per_field(researcher_api, body, field):
    response = researcher_api.post("/api/actors/", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert not Actor.objects.exists()


def test_actor_edits_are_for_editors_with_the_version(researcher_api, editor_api):
    actor = make_actor("Saleh al-Ageili")
    url = f"/api/actors/{actor.pk}"
    assert researcher_api.patch(url, {"version": 1, "description": "x"}).status_code == 403
    ok = editor_api.patch(url, {"version": 1, "description": "Sadrist spokesman"})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = editor_api.put(url, {"version": 1, "name": "S. al-Ageili", "kind": "person"})
    assert stale.status_code == 409
    assert stale.json()["current"]["description"] == "Sadrist spokesman"
    put = editor_api.put(url, {"version": 2, "name": "S. al-Ageili", "kind": "person"})
    assert put.status_code == 200 and put.json()["description"] == ""


def test_aliases_added_by_researchers_removed_by_editors(researcher_api, editor_api):
    actor = make_actor("Nuri al-Maliki")
    added = researcher_api.post(f"/api/actors/{actor.pk}/aliases", {"name": "al-Maliki"})
    assert added.status_code == 201
    alias_id = added.json()["id"]
    again = researcher_api.post(f"/api/actors/{actor.pk}/aliases", {"name": "al-Maliki"})
    assert again.status_code == 422
    url = f"/api/actors/{actor.pk}/aliases/{alias_id}"
    assert researcher_api.delete(url).status_code == 403
    assert editor_api.delete(url).status_code == 204
    assert editor_api.delete(url).status_code == 404
    assert researcher_api.post("/api/actors/999999/aliases", {"name": "x"}).status_code == 404


def test_actor_list_search_by_alias_and_filters(researcher_api, researcher):
    sadr = make_actor("Muqtada al-Sadr")
    ActorAlias.objects.create(actor=sadr, name="Sayyid Muqtada")
    maliki = make_actor("Nuri al-Maliki", kind="government")
    source = make_source()
    make_statement(source=source, quote="the cracks were old", created_by=researcher, speaker=sadr)

    def ids(query):
        return [r["id"] for r in researcher_api.get(f"/api/actors/?{query}").json()["results"]]

    assert ids("q=sayyid") == [sadr.pk]
    assert ids("kind=government") == [maliki.pk]
    assert ids(f"source={source.pk}") == [sadr.pk]
    detail = researcher_api.get(f"/api/actors/{sadr.pk}").json()
    assert detail["aliases"][0]["name"] == "Sayyid Muqtada" and detail["statements"] == 1
    assert detail["affiliations"] == []


def test_actor_delete_for_admins_only_when_unused(editor_api, admin_api, researcher):
    used, unused = make_actor("Used"), make_actor("Unused")
    make_statement(
        source=make_source(), quote="the cracks were old", created_by=researcher, speaker=used
    )
    assert editor_api.delete(f"/api/actors/{unused.pk}?version=1").status_code == 403
    assert admin_api.delete(f"/api/actors/{used.pk}?version=1").status_code == 409
    assert admin_api.delete(f"/api/actors/{unused.pk}?version=1").status_code == 204


# --- claims -----------------------------------------------------------------------------------


def test_claims_create_edit_list(researcher_api, editor_api, researcher):
    created = researcher_api.post("/api/claims/", {"text": "  The government sent envoys  "})
    assert created.status_code == 201
    data = created.json()
    assert data["text"] == "The government sent envoys" and data["status"] == "open"
    duplicate = researcher_api.post("/api/claims/", {"text": "the government sent envoys"})
    assert duplicate.status_code == 409 and duplicate.json()["current"]["id"] == data["id"]
    url = f"/api/claims/{data['id']}"
    assert researcher_api.patch(url, {"version": 1, "text": "x"}).status_code == 403
    edited = editor_api.patch(url, {"version": 1, "text": "The Iraqi government sent envoys"})
    assert edited.status_code == 200 and edited.json()["version"] == 2
    assert editor_api.put(url, {"version": 1, "text": "y"}).status_code == 409
    assert editor_api.patch(url, {"version": 2, "text": ""}).status_code == 422
    other = make_claim("Al-Sadr offers help")
    statement = make_statement(
        source=make_source(), quote="the cracks were old", created_by=researcher, claim=other
    )
    listed = researcher_api.get("/api/claims/?q=sadr").json()
    assert [r["id"] for r in listed["results"]] == [other.pk]
    assert listed["results"][0]["statements"] == 1 and listed["results"][0]["asserts"] == 1
    by_actor = researcher_api.get(f"/api/claims/?actor={statement.speaker_id}").json()
    assert [r["id"] for r in by_actor["results"]] == [other.pk]
    assert researcher_api.get("/api/claims/?status=open").json()["count"] == 2
    assert researcher_api.get("/api/claims/?status=maybe").status_code == 422


def test_claim_delete_for_admins_only_when_unused(editor_api, admin_api):
    claim = make_claim()
    assert editor_api.delete(f"/api/claims/{claim.pk}?version=1").status_code == 403
    assert admin_api.delete(f"/api/claims/{claim.pk}?version=9").status_code == 409
    assert admin_api.delete(f"/api/claims/{claim.pk}?version=1").status_code == 204
    assert not Claim.objects.exists()


# --- contradictions ---------------------------------------------------------------------------


@pytest.fixture
def pair(researcher):
    source = make_source()
    first = make_statement(source=source, quote="the bridge was not safe", created_by=researcher)
    second = make_statement(source=source, quote="the bridge was safe", created_by=researcher)
    return first, second


def test_researcher_proposes_a_contradiction_once(researcher_api, researcher, pair):
    first, second = pair
    body = {"first": first.pk, "second": second.pk, "kind": "rebuttal", "rationale": "Says no"}
    response = researcher_api.post("/api/contradictions/", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "proposed" and data["proposed_by"] == "researcher"
    assert data["first"]["id"] == first.pk  # the order (who answers whom) is kept
    reversed_pair = {"first": second.pk, "second": first.pk, "kind": "denial"}
    again = researcher_api.post("/api/contradictions/", reversed_pair)
    assert again.status_code == 422 and "already linked" in again.json()["detail"]
    itself = researcher_api.post(
        "/api/contradictions/", {"first": first.pk, "second": first.pk, "kind": "denial"}
    )
    assert itself.status_code == 422
    missing = researcher_api.post(
        "/api/contradictions/", {"first": first.pk, "second": 999999, "kind": "denial"}
    )
    assert missing.status_code == 422 and "second" in missing.json()["errors"]
    assert Contradiction.objects.count() == 1


def test_contradiction_edits_and_deletes_are_for_editors(researcher_api, editor_api, pair):
    link = make_contradiction(*pair)
    url = f"/api/contradictions/{link.pk}"
    assert researcher_api.patch(url, {"version": 1, "rationale": "x"}).status_code == 403
    assert researcher_api.delete(f"{url}?version=1").status_code == 403
    edited = editor_api.patch(url, {"version": 1, "kind": "rebuttal", "rationale": "Because"})
    assert edited.status_code == 200 and edited.json()["kind"] == "rebuttal"
    stale = editor_api.put(url, {"version": 1, "kind": "tension"})
    assert stale.status_code == 409 and stale.json()["current"]["kind"] == "rebuttal"
    assert editor_api.patch(url, {"version": 2, "claim": 999999}).status_code == 422
    assert editor_api.delete(f"{url}?version=2").status_code == 204
    assert not Contradiction.objects.exists()


def test_contradiction_list_filters(researcher_api, researcher, pair):
    first, second = pair
    claim = make_claim()
    link = make_contradiction(first, second, claim=claim, rationale="bridge dispute")
    other = make_contradiction(
        make_statement(source=make_source(), quote="the cracks were old", created_by=researcher),
        second,
        kind="tension",
    )

    def ids(query):
        response = researcher_api.get(f"/api/contradictions/?{query}")
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["results"]]

    assert ids("") == [link.pk, other.pk]
    assert ids("kind=tension") == [other.pk]
    assert ids(f"claim={claim.pk}") == [link.pk]
    assert ids(f"statement={first.pk}") == [link.pk]
    assert ids(f"source={first.source_id}") == [link.pk, other.pk]
    assert ids(f"actor={first.speaker_id}") == [link.pk]
    assert ids("q=dispute") == [link.pk]
    assert ids("status=confirmed") == []
    assert researcher_api.get(f"/api/contradictions/{link.pk}").json()["claim"]["id"] == claim.pk


# --- notes -------------------------------------------------------------------------------------


def test_notes_written_by_members_changed_by_admins(researcher_api, editor_api, admin_api, pair):
    claim = make_claim()
    link = make_contradiction(*pair)
    on_claim = researcher_api.post("/api/notes/", {"claim": claim.pk, "body": "Check the date"})
    assert on_claim.status_code == 201 and on_claim.json()["author"] == "researcher"
    on_link = editor_api.post("/api/notes/", {"contradiction": link.pk, "body": "Agreed"})
    assert on_link.status_code == 201
    both = researcher_api.post(
        "/api/notes/", {"claim": claim.pk, "contradiction": link.pk, "body": "x"}
    )
    assert both.status_code == 422 and "__all__" in both.json()["errors"]
    assert researcher_api.post("/api/notes/", {"body": "x"}).status_code == 422
    assert researcher_api.post("/api/notes/", {"claim": claim.pk, "body": " "}).status_code == 422
    assert researcher_api.post("/api/notes/", {"claim": 999999, "body": "x"}).status_code == 422
    assert [
        n["id"] for n in researcher_api.get(f"/api/notes/?claim={claim.pk}").json()["results"]
    ] == [on_claim.json()["id"]]
    url = f"/api/notes/{on_claim.json()['id']}"
    assert researcher_api.get(url).json()["body"] == "Check the date"
    assert editor_api.put(url, {"body": "edited"}).status_code == 403
    assert editor_api.delete(url).status_code == 403
    assert admin_api.put(url, {"body": "edited"}).json()["body"] == "edited"
    assert admin_api.delete(url).status_code == 204
    assert Note.objects.count() == 1
