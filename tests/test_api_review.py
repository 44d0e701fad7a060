"""Review decisions through the API: editors only (403 for researchers), the version check
(409 with the current record), the same rules as the review queue (422 per field)."""

from __future__ import annotations

import pytest

from claims.models import Claim, Contradiction
from tests.api_helpers import send_json
from tests.factories import make_claim, make_contradiction, make_source, make_statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(researcher):
    claim = make_claim("The bridge is safe")
    source = make_source()
    first = make_statement(
        source=source, quote="the bridge was not safe", created_by=researcher, claim=claim,
        stance="denies",
    )  # fmt: skip
    second = make_statement(
        source=source, quote="the bridge was safe", created_by=researcher, claim=claim
    )
    return make_contradiction(first, second, claim=claim)


def decide(client, link, **body):
    return client.post(f"/api/review/contradictions/{link.pk}/decision", body)


def test_editor_confirms_and_the_claim_follows(editor_api, editor, link):
    response = decide(editor_api, link, version=1, decision="confirm", note="Clear denial")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "confirmed" and data["reviewed_by"] == "editor"
    assert data["review_note"] == "Clear denial" and data["version"] == 2
    assert Claim.objects.get().status == "disputed"
    assert Contradiction.objects.get().history.first().history_user == editor


def test_researcher_may_not_decide(researcher_api, link):
    assert decide(researcher_api, link, version=1, decision="confirm").status_code == 403
    assert Contradiction.objects.get().status == "proposed"


def test_a_stale_decision_is_409_with_the_current_contradiction(editor_api, link):
    link.rationale = "edited meanwhile"
    link.save()
    response = decide(editor_api, link, version=1, decision="confirm")
    assert response.status_code == 409
    assert response.json()["current"]["rationale"] == "edited meanwhile"
    assert Contradiction.objects.get().status == "proposed"


def test_rejection_needs_a_note_and_a_known_decision(editor_api, link):
    refused = decide(editor_api, link, version=1, decision="reject", note="")
    assert refused.status_code == 422 and "note" in refused.json()["errors"]
    unknown = decide(editor_api, link, version=1, decision="maybe")
    assert unknown.status_code == 422 and "decision" in unknown.json()["errors"]
    missing = editor_api.post("/api/review/contradictions/999999/decision", {"version": 1})
    assert missing.status_code in (404, 422)
    assert Contradiction.objects.get().status == "proposed"


def test_assignment_to_an_editor_by_username(editor_api, researcher, link):
    url = f"/api/review/contradictions/{link.pk}/assignment"
    assigned = editor_api.post(url, {"version": 1, "assignee": "editor"})
    assert assigned.status_code == 200 and assigned.json()["assigned_to"] == "editor"
    not_editor = editor_api.post(url, {"version": 2, "assignee": "researcher"})
    assert not_editor.status_code == 422 and "assignee" in not_editor.json()["errors"]
    cleared = editor_api.post(url, {"version": 2, "assignee": None})
    assert cleared.status_code == 200 and cleared.json()["assigned_to"] is None


def test_verdict_with_rationale_and_resolution(editor_api, researcher_api, link):
    claim = link.claim
    url = f"/api/review/claims/{claim.pk}/verdict"
    body = {"version": claim.version, "verdict": "false", "rationale": "", "resolve": True}
    assert researcher_api.post(url, body).status_code == 403
    refused = editor_api.post(url, body)
    assert refused.status_code == 422 and "rationale" in refused.json()["errors"]
    bad = editor_api.post(url, {**body, "verdict": "pants on fire"})
    assert bad.status_code == 422 and "verdict" in bad.json()["errors"]
    given = editor_api.post(url, {**body, "rationale": "Engineers found cracks"})
    assert given.status_code == 200, given.content
    data = given.json()
    assert (data["verdict"], data["status"], data["reviewed_by"]) == ("false", "resolved", "editor")
    stale = editor_api.post(url, {**body, "rationale": "again"})
    assert stale.status_code == 409 and stale.json()["current"]["verdict"] == "false"
    reopen = editor_api.post(
        f"/api/review/claims/{claim.pk}/resolution", {"version": data["version"], "resolved": False}
    )
    assert reopen.status_code == 200 and reopen.json()["status"] != "resolved"


def test_claim_assignment(editor_api, researcher_api):
    claim = make_claim()
    url = f"/api/review/claims/{claim.pk}/assignment"
    assert researcher_api.post(url, {"version": 1, "assignee": "editor"}).status_code == 403
    response = editor_api.post(url, {"version": 1, "assignee": "editor"})
    assert response.status_code == 200 and response.json()["assigned_to"] == "editor"
    assert (
        editor_api.post("/api/review/claims/999999/assignment", {"version": 1}).status_code == 404
    )


def test_session_decisions_need_csrf(editor_client, link):
    url = f"/api/review/contradictions/{link.pk}/decision"
    body = {"version": 1, "decision": "confirm"}
    assert send_json(editor_client, "post", url, body, csrf=False).status_code == 403
    assert send_json(editor_client, "post", url, body).status_code == 200
