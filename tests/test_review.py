"""The editors' review queue and decisions: who may, CSRF, conflicts, bad input, query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from claims.models import Claim, Contradiction
from claims.pagecache import bump
from claims.views.review import ITEMS_PER_PAGE
from tests.conftest import HTMX, make_user
from tests.factories import make_claim, make_contradiction, make_source, make_statement
from tests.seed_fixture import build_seed

pytestmark = pytest.mark.django_db

QUEUE = reverse("claims:review_queue")


@pytest.fixture
def seed(researcher, editor):
    return build_seed(researcher, editor)


def decide_url(c):
    return reverse("claims:contradiction_decide", args=[c.pk])


# --- the queue ---------------------------------------------------------------------------


def test_queue_requires_login_and_role(anon_client, outsider_client, seed):
    response = anon_client.get(QUEUE)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert outsider_client.get(QUEUE).status_code == 403


def test_queue_lists_waiting_items_oldest_first_with_both_quotes(editor_client, seed):
    response = editor_client.get(QUEUE)
    assert response.status_code == 200
    html = response.content.decode()
    # X3 (proposed) and the disputed claims C1 and C3 wait; X1/X2 are confirmed.
    assert f'id="contradiction-{seed.x3.pk}"' in html
    assert f'id="contradiction-{seed.x1.pk}"' not in html
    assert f'id="claim-item-{seed.c1.pk}"' in html
    assert f'id="claim-item-{seed.c3.pk}"' in html
    assert "militias weren&#x27;t targeted" in html and "strongholds of al-Sadr" in html
    assert "Iraqi government" in html and "CNN" in html
    assert "Al-Sadr offers to help Iraqi security forces" in html
    # oldest first: C1 was created before C3, C3 before X3
    assert html.index(f"claim-item-{seed.c1.pk}") < html.index(f"claim-item-{seed.c3.pk}")
    assert html.index(f"claim-item-{seed.c3.pk}") < html.index(f'id="contradiction-{seed.x3.pk}"')
    assert "Confirm</button>" in html and "Record verdict" in html


def test_researcher_sees_the_queue_read_only(researcher_client, seed):
    html = researcher_client.get(QUEUE).content.decode()
    assert f'id="contradiction-{seed.x3.pk}"' in html
    assert "Confirm</button>" not in html
    assert "Record verdict" not in html
    assert "Assign</button>" not in html


def test_queue_htmx_returns_only_the_results(editor_client, seed):
    response = editor_client.get(
        QUEUE + "?q=strongholds", headers={**HTMX, "HX-Target": "review-results"}
    )
    html = response.content.decode()
    assert "<html" not in html and 'id="review-results"' in html
    assert f'id="contradiction-{seed.x3.pk}"' in html
    assert f"claim-item-{seed.c1.pk}" not in html


@pytest.mark.parametrize(
    ("params", "expect_x3", "expect_c1", "expect_c3"),
    [
        ({"status": "proposed"}, True, False, False),
        ({"status": "disputed"}, False, True, True),
        ({"status": "confirmed"}, False, False, False),
        ({"kind": "conflicting_facts"}, True, False, False),
        ({"kind": "denial"}, False, False, False),
        ({"q": "envoys"}, False, True, False),
        ({"assigned": "none"}, True, True, True),
    ],
)
def test_queue_filters(editor_client, seed, params, expect_x3, expect_c1, expect_c3):
    html = editor_client.get(QUEUE, params).content.decode()
    assert (f'id="contradiction-{seed.x3.pk}"' in html) is expect_x3
    assert (f'id="claim-item-{seed.c1.pk}"' in html) is expect_c1
    assert (f'id="claim-item-{seed.c3.pk}"' in html) is expect_c3


def test_queue_filters_by_actor_source_claim_and_editor(editor_client, editor, seed):
    html = editor_client.get(QUEUE, {"actor": seed.cnn.pk}).content.decode()
    assert f'id="contradiction-{seed.x3.pk}"' in html and f"claim-item-{seed.c1.pk}" not in html
    assert "actor: CNN" in html
    html = editor_client.get(QUEUE, {"actor": seed.maliki.pk}).content.decode()
    assert f"claim-item-{seed.c1.pk}" in html and f'id="contradiction-{seed.x3.pk}"' not in html
    other = make_source(title="Elsewhere")
    html = editor_client.get(QUEUE, {"source": other.pk}).content.decode()
    assert "Nothing waits" in html
    html = editor_client.get(QUEUE, {"source": seed.source.pk}).content.decode()
    assert f'id="contradiction-{seed.x3.pk}"' in html
    html = editor_client.get(QUEUE, {"claim": seed.c3.pk}).content.decode()
    assert f'id="contradiction-{seed.x3.pk}"' in html and f"claim-item-{seed.c3.pk}" in html
    assert f"claim-item-{seed.c1.pk}" not in html
    Contradiction.objects.filter(pk=seed.x3.pk).update(assigned_to=editor)
    html = editor_client.get(QUEUE, {"assigned": str(editor.pk)}).content.decode()
    assert f'id="contradiction-{seed.x3.pk}"' in html and f"claim-item-{seed.c1.pk}" not in html


def test_queue_bad_filter_values_do_not_fail(editor_client, seed):
    response = editor_client.get(QUEUE, {"actor": "abc", "status": "nonsense", "page": "zz"})
    assert response.status_code == 200


def _waiting_items(n, researcher):
    source = make_source()
    for _ in range(n):
        a = make_statement(source=source, quote="the bridge was safe", created_by=researcher)
        b = make_statement(source=source, quote="the bridge was not safe", created_by=researcher)
        make_contradiction(a, b)
        claim = make_claim(status="disputed")
        make_statement(source=source, quote="cracks were old", created_by=researcher, claim=claim)


@pytest.mark.parametrize("n", [5, 50])
def test_queue_query_count_is_fixed(editor_client, researcher, django_assert_num_queries, n):
    _waiting_items(n, researcher)
    editor_client.get(QUEUE)  # warm the session and permission caches
    bump()  # a write elsewhere: the page is rendered again (claims/pagecache.py)
    # the user with their permissions, editors, count, page, contradictions, claims, badge; a first
    # page that holds every item (n contradictions, n claims) is its own count (selectors.Pager)
    counted = 2 * n > ITEMS_PER_PAGE
    with django_assert_num_queries(7 if counted else 6):
        response = editor_client.get(QUEUE)
    assert response.status_code == 200
    kept = editor_client.get(QUEUE)  # asked for twice in one generation: kept
    with django_assert_num_queries(0):  # again, nothing changed: the page cache answers
        assert editor_client.get(QUEUE).content == kept.content
    with django_assert_num_queries(6 if counted else 5):  # the same without the badge
        editor_client.get(QUEUE, headers={**HTMX, "HX-Target": "review-results"})


def test_nav_badge_counts_waiting_items(researcher_client, seed):
    html = researcher_client.get(QUEUE).content.decode()
    # X3 + C1 + C3
    assert 'id="review-count"' in html and ">3</span>" in html
    assert researcher_client.get(reverse("claims:review_count")).content.decode().strip() == "3"


# --- confirm / reject --------------------------------------------------------------------


def test_editor_confirms_in_place(editor_client, editor, seed):
    response = editor_client.post(
        decide_url(seed.x3),
        {"decision": "confirm", "note": "Both are in the article.", "version": seed.x3.version},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "review-changed"
    html = response.content.decode()
    assert f'id="contradiction-{seed.x3.pk}"' in html and "<html" not in html
    assert "Confirmed by editor" in html
    x3 = Contradiction.objects.get(pk=seed.x3.pk)
    assert (x3.status, x3.reviewed_by, x3.review_note) == (
        "confirmed",
        editor,
        "Both are in the article.",
    )
    assert x3.reviewed_at is not None and x3.version == seed.x3.version + 1
    assert x3.history.first().history_user == editor


def test_confirm_marks_open_claim_disputed(editor_client, researcher):
    source = make_source()
    claim = make_claim()
    a = make_statement(
        source=source, quote="the bridge was safe", created_by=researcher, claim=claim
    )
    b = make_statement(source=source, quote="cracks were old", created_by=researcher, claim=claim)
    x = make_contradiction(a, b)
    assert Claim.objects.get(pk=claim.pk).status == "open"
    response = editor_client.post(decide_url(x), {"decision": "confirm", "version": x.version})
    assert response.status_code == 302
    assert Claim.objects.get(pk=claim.pk).status == "disputed"


def test_reject_needs_a_note(editor_client, seed):
    response = editor_client.post(
        decide_url(seed.x3), {"decision": "reject", "note": " ", "version": 1}, headers=HTMX
    )
    assert response.status_code == 422
    assert "Say why the contradiction is rejected." in response.content.decode()
    assert Contradiction.objects.get(pk=seed.x3.pk).status == "proposed"


def test_bad_decision_is_refused(editor_client, seed):
    for data in (
        {"decision": "maybe", "version": 1},
        {"decision": "confirm"},
        {"decision": "confirm", "version": "x"},
    ):
        response = editor_client.post(decide_url(seed.x3), data)
        assert response.status_code == 422, data
        assert "errorlist" in response.content.decode()
    assert Contradiction.objects.get(pk=seed.x3.pk).status == "proposed"


def test_reject_with_note_plain_post_redirects_back(editor_client, seed):
    response = editor_client.post(
        decide_url(seed.x3),
        {
            "decision": "reject",
            "note": "Different places.",
            "version": 1,
            "next": QUEUE + "?kind=tension",
        },
    )
    assert response.status_code == 302 and response["Location"] == QUEUE + "?kind=tension"
    assert Contradiction.objects.get(pk=seed.x3.pk).status == "rejected"


def test_next_cannot_leave_the_site(editor_client, seed):
    response = editor_client.post(
        decide_url(seed.x3), {"decision": "confirm", "version": 1, "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == QUEUE


def test_researcher_may_not_decide(researcher_client, seed):
    response = researcher_client.post(decide_url(seed.x3), {"decision": "confirm", "version": 1})
    assert response.status_code == 403
    assert Contradiction.objects.get(pk=seed.x3.pk).status == "proposed"


def test_decide_refuses_forged_request(editor_client, seed):
    response = editor_client.post(
        decide_url(seed.x3), {"decision": "confirm", "version": 1}, csrf=False
    )
    assert response.status_code == 403
    assert Contradiction.objects.get(pk=seed.x3.pk).status == "proposed"


def test_decide_unknown_is_404_and_get_is_405(editor_client):
    assert (
        editor_client.post(reverse("claims:contradiction_decide", args=[999]), {}).status_code
        == 404
    )
    assert editor_client.get(reverse("claims:contradiction_decide", args=[999])).status_code == 405


def test_second_editor_gets_409_with_the_first_decision(editor_client, seed):
    second = make_user("second_editor", "Editors")
    from tests.conftest import _client_for

    other = _client_for(second)
    opened_with = seed.x3.version
    first = editor_client.post(
        decide_url(seed.x3),
        {"decision": "confirm", "note": "Stands.", "version": opened_with},
        headers=HTMX,
    )
    assert first.status_code == 200
    response = other.post(
        decide_url(seed.x3),
        {"decision": "reject", "note": "Does not.", "version": opened_with},
        headers=HTMX,
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone changed this contradiction since you opened it" in html  # shared partial
    assert "editor" in html and "confirmed by editor" in html
    assert "Stands." in html and "Does not." in html  # both versions
    x3 = Contradiction.objects.get(pk=seed.x3.pk)
    assert (x3.status, x3.review_note) == ("confirmed", "Stands.")
    # plain POST: a full page, same status
    response = other.post(
        decide_url(seed.x3), {"decision": "reject", "note": "No.", "version": opened_with}
    )
    assert response.status_code == 409 and "<html" in response.content.decode()
    # with the current version the second editor may overrule deliberately
    response = other.post(
        decide_url(seed.x3),
        {"decision": "reject", "note": "Overruled.", "version": x3.version},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert Contradiction.objects.get(pk=seed.x3.pk).status == "rejected"


# --- assignment --------------------------------------------------------------------------


def test_assign_contradiction_and_claim(editor_client, editor, seed):
    url = reverse("claims:contradiction_assign", args=[seed.x3.pk])
    response = editor_client.post(
        url, {"assigned_to": editor.pk, "version": seed.x3.version}, headers=HTMX
    )
    assert response.status_code == 200 and "assigned to editor" in response.content.decode()
    assert Contradiction.objects.get(pk=seed.x3.pk).assigned_to == editor
    url = reverse("claims:claim_assign", args=[seed.c1.pk])
    response = editor_client.post(
        url, {"assigned_to": editor.pk, "version": seed.c1.version}, headers=HTMX
    )
    assert (
        response.status_code == 200 and f'id="claim-item-{seed.c1.pk}"' in response.content.decode()
    )
    assert Claim.objects.get(pk=seed.c1.pk).assigned_to == editor
    response = editor_client.post(url, {"assigned_to": "", "version": seed.c1.version + 1})
    assert response.status_code == 302
    assert Claim.objects.get(pk=seed.c1.pk).assigned_to is None


def test_assign_only_to_editors(editor_client, researcher, seed):
    url = reverse("claims:contradiction_assign", args=[seed.x3.pk])
    response = editor_client.post(url, {"assigned_to": researcher.pk, "version": 1}, headers=HTMX)
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert Contradiction.objects.get(pk=seed.x3.pk).assigned_to is None


def test_assign_permissions_csrf_and_conflict(researcher_client, editor_client, editor, seed):
    url = reverse("claims:claim_assign", args=[seed.c1.pk])
    assert researcher_client.post(url, {"assigned_to": editor.pk, "version": 1}).status_code == 403
    assert (
        editor_client.post(
            url, {"assigned_to": editor.pk, "version": seed.c1.version}, csrf=False
        ).status_code
        == 403
    )
    response = editor_client.post(
        url, {"assigned_to": editor.pk, "version": seed.c1.version - 1 or 99}, headers=HTMX
    )
    assert response.status_code == 409
    assert Claim.objects.get(pk=seed.c1.pk).assigned_to is None


# --- verdicts and resolution -------------------------------------------------------------


def verdict_url(claim):
    return reverse("claims:claim_verdict", args=[claim.pk])


def test_editor_gives_verdict_with_rationale_on_claim_page(editor_client, editor, seed):
    response = editor_client.post(
        verdict_url(seed.c1),
        {
            "verdict": "mostly_true",
            "rationale": "Two sources say envoys went.",
            "version": seed.c1.version,
        },
        headers={**HTMX, "HX-Target": "claim-verdict"},
    )
    assert response.status_code == 200 and response["HX-Trigger"] == "review-changed"
    html = response.content.decode()
    assert (
        'id="claim-verdict"' in html
        and "Mostly true" in html
        and "Two sources say envoys went." in html
    )
    c1 = Claim.objects.get(pk=seed.c1.pk)
    assert (c1.verdict, c1.reviewed_by, c1.status) == ("mostly_true", editor, "disputed")
    assert c1.reviewed_at is not None
    # it has a verdict now: it no longer waits in the queue
    assert f"claim-item-{c1.pk}" not in editor_client.get(QUEUE).content.decode()


def test_verdict_from_queue_row_and_resolve(editor_client, seed):
    response = editor_client.post(
        verdict_url(seed.c3),
        {
            "verdict": "true",
            "rationale": "Fighting was in their strongholds.",
            "resolve": "on",
            "version": seed.c3.version,
        },
        headers={**HTMX, "HX-Target": f"claim-item-{seed.c3.pk}"},
    )
    assert response.status_code == 200
    assert f'id="claim-item-{seed.c3.pk}"' in response.content.decode()
    assert Claim.objects.get(pk=seed.c3.pk).status == "resolved"


def test_every_verdict_needs_a_rationale_unrated_included(editor_client, seed):
    response = editor_client.post(
        verdict_url(seed.c1),
        {"verdict": "false", "rationale": "", "version": seed.c1.version},
        headers={**HTMX, "HX-Target": "claim-verdict"},
    )
    assert response.status_code == 422
    assert "Give the rationale for the verdict." in response.content.decode()
    assert Claim.objects.get(pk=seed.c1.pk).verdict == "unrated"
    response = editor_client.post(
        verdict_url(seed.c1), {"verdict": "bogus", "rationale": "x", "version": 1}
    )
    assert response.status_code == 422 and "<html" in response.content.decode()
    # issue 7 (11): "Unrated" is a decision too; without a rationale it is refused
    response = editor_client.post(
        verdict_url(seed.c1), {"verdict": "unrated", "rationale": "", "version": seed.c1.version}
    )
    assert response.status_code == 422
    assert "Give the rationale for the verdict." in response.content.decode()
    response = editor_client.post(
        verdict_url(seed.c1),
        {"verdict": "unrated", "rationale": "Not enough to go on.", "version": seed.c1.version},
    )
    assert response.status_code == 302 and response["Location"] == seed.c1.get_absolute_url()


def test_verdict_permissions_csrf_and_conflict(researcher_client, editor_client, seed):
    data = {"verdict": "true", "rationale": "Because.", "version": seed.c1.version}
    assert researcher_client.post(verdict_url(seed.c1), data).status_code == 403
    assert editor_client.post(verdict_url(seed.c1), data, csrf=False).status_code == 403
    assert editor_client.post(verdict_url(seed.c1), data).status_code == 302
    stale = {"verdict": "false", "rationale": "No.", "version": seed.c1.version}
    response = editor_client.post(
        verdict_url(seed.c1), stale, headers={**HTMX, "HX-Target": "claim-verdict"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "verdict true by editor" in html and "No." in html
    assert Claim.objects.get(pk=seed.c1.pk).verdict == "true"


def test_resolve_and_reopen(editor_client, researcher_client, seed):
    url = reverse("claims:claim_resolve", args=[seed.c1.pk])
    assert (
        researcher_client.post(url, {"action": "resolve", "version": seed.c1.version}).status_code
        == 403
    )
    response = editor_client.post(
        url,
        {"action": "resolve", "version": seed.c1.version},
        headers={**HTMX, "HX-Target": "claim-verdict"},
    )
    assert response.status_code == 200 and "Reopen" in response.content.decode()
    c1 = Claim.objects.get(pk=seed.c1.pk)
    assert c1.status == "resolved"
    response = editor_client.post(url, {"action": "reopen", "version": c1.version})
    assert response.status_code == 302
    assert Claim.objects.get(pk=seed.c1.pk).status == "disputed"  # still contested
    assert editor_client.post(url, {"action": "explode", "version": 1}).status_code == 422
    assert editor_client.post(url, {"action": "resolve", "version": 1}).status_code == 409


def test_no_decision_form_for_researchers_on_claim_page(researcher_client, editor_client, seed):
    url = seed.c1.get_absolute_url()
    assert "Record verdict" not in researcher_client.get(url).content.decode()
    assert "Record verdict" in editor_client.get(url).content.decode()
