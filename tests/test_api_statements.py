"""Statements through the API: offsets in UTF-16 or code points converted and verified as
on the page, who may record/edit/delete, conflicts (409 + the current record), bad input."""

from __future__ import annotations

import pytest

from claims import anchoring
from claims.models import Contradiction, Statement
from tests.api_helpers import send_json
from tests.factories import make_actor, make_claim, make_contradiction, make_source, make_statement

pytestmark = pytest.mark.django_db

# Astral characters before the quote: UTF-16 and code-point offsets differ by 2 each.
EMOJI_TEXT = "Crowds 🎉🎉 cheered. Al-Sadr said “the envoys came to Najaf” on Friday."
QUOTE = "the envoys came to Najaf"


@pytest.fixture
def source():
    return make_source(EMOJI_TEXT)


@pytest.fixture
def sadr():
    return make_actor("Muqtada al-Sadr")


def body(source, speaker, **extra):
    start = EMOJI_TEXT.index(QUOTE)
    data = {
        "source": source.pk,
        "speaker": speaker.pk,
        "offsets": "codepoints",
        "start": start,
        "end": start + len(QUOTE),
        "exact": QUOTE,
        "reporting": "direct_quote",
    }
    data.update(extra)
    return data


def test_record_with_utf16_offsets_stores_code_points(researcher_api, researcher, source, sadr):
    cp_start = EMOJI_TEXT.index(QUOTE)
    u16_start = anchoring.cp_to_utf16(EMOJI_TEXT, cp_start)
    assert u16_start == cp_start + 2
    response = researcher_api.post(
        "/api/statements/",
        body(source, sadr, offsets="utf16", start=u16_start, end=u16_start + len(QUOTE)),
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["start"], data["end"]) == (cp_start, cp_start + len(QUOTE))
    assert (data["start_utf16"], data["end_utf16"]) == (u16_start, u16_start + len(QUOTE))
    statement = Statement.objects.get()
    assert EMOJI_TEXT[statement.start : statement.end] == QUOTE == statement.exact
    assert statement.created_by == researcher
    assert statement.prefix == EMOJI_TEXT[: statement.start][-32:]
    assert statement.history.get().history_user == researcher


def test_record_with_code_point_offsets(researcher_api, source, sadr):
    response = researcher_api.post("/api/statements/", body(source, sadr))
    assert response.status_code == 201, response.content
    assert response.json()["exact"] == QUOTE


def test_utf16_offsets_sent_as_code_points_are_found_by_the_quote_as_on_the_page(
    researcher_api, source, sadr
):
    """Offsets that miss the quote: it is looked up by its context near them (the page's
    rule); the stored span is the quote's, never the offsets' wrong one."""
    start = EMOJI_TEXT.index(QUOTE)
    response = researcher_api.post(
        "/api/statements/", body(source, sadr, offsets="utf16", start=start, end=start + 24)
    )
    assert response.status_code == 201
    statement = Statement.objects.get()
    assert EMOJI_TEXT[statement.start : statement.end] == QUOTE


def test_a_span_that_does_not_match_is_refused_and_nothing_saved(researcher_api, source, sadr):
    response = researcher_api.post(
        "/api/statements/", body(source, sadr, exact="the envoys never came")
    )
    assert response.status_code == 422
    data = response.json()
    assert "exact" in data["errors"]
    assert "cannot be placed" in data["detail"]
    assert not Statement.objects.exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"start": 10_000, "end": 10_010, "exact": "zzz"}, "exact"),
        ({"offsets": "bytes"}, "offsets"),
        ({"offsets": None}, "offsets"),
        ({"start": -1}, "start"),
        ({"start": "nine"}, "start"),
        ({"speaker": 999_999}, "speaker"),
        ({"via": 999_999}, "via"),
        ({"claim": 999_999}, "claim"),
        ({"source": 999_999}, "source"),
        ({"speaker": 2**70}, "speaker"),
        ({"reporting": "rumour"}, "reporting"),
        ({"stance": "asserts"}, "claim"),
        ({"said_on": "yesterday"}, "said_on"),
        ({"exact": ""}, "exact"),
    ],
)
def test_bad_input_is_422_with_a_message_on_the_field(researcher_api, source, sadr, change, field):
    response = researcher_api.post("/api/statements/", {**body(source, sadr), **change})
    assert response.status_code == 422, response.content
    data = response.json()
    assert field in data["errors"], data
    assert all(isinstance(m, str) and m for m in data["errors"][field])
    assert not Statement.objects.exists()


def test_a_claim_needs_a_stance(researcher_api, source, sadr):
    claim = make_claim("Envoys were sent to Najaf")
    response = researcher_api.post("/api/statements/", body(source, sadr, claim=claim.pk))
    assert response.status_code == 422
    assert "stance" in response.json()["errors"]


def test_via_cannot_be_the_speaker(researcher_api, source, sadr):
    response = researcher_api.post("/api/statements/", body(source, sadr, via=sadr.pk))
    assert response.status_code == 422
    assert "via" in response.json()["errors"]


def test_the_same_statement_twice_is_refused(researcher_api, source, sadr):
    assert researcher_api.post("/api/statements/", body(source, sadr)).status_code == 201
    again = researcher_api.post("/api/statements/", body(source, sadr))
    assert again.status_code in (409, 422)
    assert "already recorded" in again.json()["detail"]
    assert Statement.objects.count() == 1


def test_body_of_the_wrong_type_is_4xx(researcher_api):
    assert researcher_api.post("/api/statements/", "not json").status_code == 400
    assert researcher_api.post("/api/statements/", [1, 2]).status_code == 422
    assert researcher_api.post("/api/statements/", "null").status_code in (400, 422)


def test_outsider_may_not_record(outsider_api, source, sadr):
    assert outsider_api.post("/api/statements/", body(source, sadr)).status_code == 403
    assert not Statement.objects.exists()


# --- read, edit, delete -----------------------------------------------------------------


@pytest.fixture
def mine(researcher, source, sadr):
    return make_statement(source=source, quote=QUOTE, created_by=researcher, speaker=sadr)


def test_read_one(researcher_api, mine):
    response = researcher_api.get(f"/api/statements/{mine.pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["speaker"] == {"id": mine.speaker_id, "name": "Muqtada al-Sadr"}
    assert data["start_utf16"] == data["start"] + 2
    assert data["version"] == 1
    assert researcher_api.get("/api/statements/999999").status_code == 404
    assert researcher_api.get("/api/statements/abc").status_code == 404


def test_researcher_edits_own_statement_with_put_and_patch(researcher_api, mine):
    claim = make_claim("Envoys were sent to Najaf")
    put = researcher_api.put(
        f"/api/statements/{mine.pk}",
        {
            "version": 1,
            "speaker": mine.speaker_id,
            "reporting": "partial_quote",
            "claim": claim.pk,
            "stance": "asserts",
            "summary": "Says envoys came",
        },
    )
    assert put.status_code == 200, put.content
    assert put.json()["version"] == 2
    assert put.json()["claim"] == {"id": claim.pk, "text": claim.text}
    patch = researcher_api.patch(f"/api/statements/{mine.pk}", {"version": 2, "summary": "New"})
    assert patch.status_code == 200
    mine.refresh_from_db()
    assert (mine.summary, mine.reporting, mine.claim_id, mine.version) == (
        "New",
        "partial_quote",
        claim.pk,
        3,
    )
    # dropping the claim drops the stance with it
    cleared = researcher_api.patch(f"/api/statements/{mine.pk}", {"version": 3, "claim": None})
    assert cleared.status_code == 200
    assert cleared.json()["stance"] == "" and cleared.json()["claim"] is None


def test_stale_version_is_409_with_the_current_record(researcher_api, mine):
    mine.summary = "changed by someone else"
    mine.save()
    response = researcher_api.patch(f"/api/statements/{mine.pk}", {"version": 1, "summary": "x"})
    assert response.status_code == 409
    data = response.json()
    assert data["current"]["version"] == 2
    assert data["current"]["summary"] == "changed by someone else"
    assert "version" in data["detail"]
    mine.refresh_from_db()
    assert mine.summary == "changed by someone else"


def test_an_edit_without_version_is_422(researcher_api, mine):
    response = researcher_api.patch(f"/api/statements/{mine.pk}", {"summary": "x"})
    assert response.status_code == 422
    assert "version" in response.json()["errors"]


def test_other_researcher_may_not_edit_or_delete(other_researcher_api, mine):
    patch = other_researcher_api.patch(f"/api/statements/{mine.pk}", {"version": 1, "summary": "x"})
    assert patch.status_code == 403
    assert other_researcher_api.delete(f"/api/statements/{mine.pk}?version=1").status_code == 403
    assert Statement.objects.filter(pk=mine.pk, summary="").exists()


def test_editor_edits_any_statement(editor_api, mine):
    response = editor_api.patch(f"/api/statements/{mine.pk}", {"version": 1, "summary": "ed"})
    assert response.status_code == 200


def test_delete_needs_the_current_version_and_takes_contradictions(
    researcher_api, researcher, mine, source
):
    other = make_statement(source=source, quote="cheered", created_by=researcher)
    make_contradiction(mine, other)
    assert researcher_api.delete(f"/api/statements/{mine.pk}").status_code == 422
    stale = researcher_api.delete(f"/api/statements/{mine.pk}?version=7")
    assert stale.status_code == 409 and stale.json()["current"]["id"] == mine.pk
    response = researcher_api.delete(f"/api/statements/{mine.pk}?version=1")
    assert response.status_code == 204
    assert not Statement.objects.filter(pk=mine.pk).exists()
    assert not Contradiction.objects.exists()
    assert researcher_api.delete(f"/api/statements/{mine.pk}?version=1").status_code == 404


def test_session_client_records_with_csrf(researcher_client, source, sadr):
    response = send_json(researcher_client, "post", "/api/statements/", body(source, sadr))
    assert response.status_code == 201


# --- list -------------------------------------------------------------------------------


def test_list_filters(researcher_api, researcher, source, sadr):
    claim = make_claim("Envoys were sent to Najaf")
    other_source = make_source()
    minister = make_actor("Minister")
    a = make_statement(
        source=source,
        quote=QUOTE,
        created_by=researcher,
        speaker=sadr,
        claim=claim,
        stance="asserts",
        said_on="2008-04-03",
    )
    b = make_statement(
        source=other_source, quote="the bridge was safe", created_by=researcher, speaker=minister
    )
    c = make_statement(
        source=source, quote="cheered", created_by=researcher, speaker=minister, via=sadr
    )

    def ids(query):
        response = researcher_api.get(f"/api/statements/?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert set(ids("")) == {a.pk, b.pk, c.pk}
    assert ids(f"source={source.pk}") == [c.pk, a.pk]  # text order
    assert set(ids(f"actor={sadr.pk}")) == {a.pk, c.pk}  # speaker or via
    assert ids(f"claim={claim.pk}") == [a.pk]
    assert ids("stance=asserts") == [a.pk]
    assert ids("said_after=2008-04-01&said_before=2008-04-05") == [a.pk]
    assert ids("said_after=2008-04-04") == []
    assert ids("q=bridge") == [b.pk]
    assert ids("q=minister") and set(ids("q=minister")) == {b.pk, c.pk}
    page = researcher_api.get("/api/statements/?page_size=2&page=2").json()
    assert page["count"] == 3 and len(page["results"]) == 1
    assert researcher_api.get("/api/statements/?page_size=1000").status_code == 422
    assert researcher_api.get("/api/statements/?page=0").status_code == 422
    assert researcher_api.get("/api/statements/?page=99").json()["results"] == []
