"""Claim list and claim page: access, search and filters, fragments, query counts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from claims.models import Note
from claims.pagecache import bump
from claims.views.claims import CLAIMS_PER_PAGE
from tests.conftest import HTMX
from tests.factories import make_actor, make_claim, make_contradiction, make_source, make_statement
from tests.seed_fixture import build_seed

pytestmark = pytest.mark.django_db

LIST = reverse("claims:claim_list")


@pytest.fixture
def seed(researcher, editor):
    return build_seed(researcher, editor)


def test_list_requires_login_and_role(anon_client, outsider_client, seed):
    assert anon_client.get(LIST).status_code == 302
    assert outsider_client.get(LIST).status_code == 403
    assert anon_client.get(seed.c1.get_absolute_url()).status_code == 302
    assert outsider_client.get(seed.c1.get_absolute_url()).status_code == 403


def test_list_shows_claims_with_counts(researcher_client, seed):
    html = researcher_client.get(LIST).content.decode()
    assert "The Iraqi government sent envoys" in html and "The Basra offensive targeted" in html
    assert "2 assert" in html and "1 deny" in html
    assert "Disputed" in html


def test_list_search_and_filters(researcher_client, seed):
    make_claim("Bridges are safe", status="open")
    make_claim("Rain is wet", verdict="true", rationale="Measured.", status="resolved")
    html = researcher_client.get(LIST, {"q": "ENVOYS"}).content.decode()
    assert "envoys" in html and "Basra offensive targeted" not in html
    html = researcher_client.get(LIST, {"status": "open"}).content.decode()
    assert "Bridges are safe" in html and "envoys" not in html
    html = researcher_client.get(LIST, {"verdict": "true"}).content.decode()
    assert "Rain is wet" in html and "Bridges" not in html
    html = researcher_client.get(LIST, {"q": "nothing like this"}).content.decode()
    assert "No claims match" in html
    assert researcher_client.get(LIST, {"status": "weird", "page": "9"}).status_code == 200


def test_list_htmx_gets_the_results_fragment(researcher_client, seed):
    response = researcher_client.get(
        LIST, {"q": "Basra"}, headers={**HTMX, "HX-Target": "claim-results"}
    )
    html = response.content.decode()
    assert "<html" not in html and 'id="claim-results"' in html and "Basra" in html


def test_list_is_paginated(researcher_client):
    for i in range(30):
        make_claim(f"Claim number {i:02d}")
    html = researcher_client.get(LIST).content.decode()
    assert "Page 1 of 2" in html and "Claim number 24" in html and "Claim number 25" not in html
    assert "Claim number 25" in researcher_client.get(LIST, {"page": 2}).content.decode()


@pytest.mark.parametrize("n", [5, 50])
def test_list_query_count_is_fixed(researcher_client, researcher, django_assert_num_queries, n):
    source = make_source()
    for _ in range(n):
        claim = make_claim()
        make_statement(
            source=source, quote="the bridge was safe", created_by=researcher, claim=claim
        )
    researcher_client.get(LIST)
    bump()  # a write elsewhere: the page is rendered again (claims/pagecache.py)
    # the user with their permissions, count, page, badge; a first page that holds every claim is
    # its own count (selectors.Pager)
    with django_assert_num_queries(4 if n > CLAIMS_PER_PAGE else 3):
        researcher_client.get(LIST)
    researcher_client.get(LIST)  # asked for twice in one generation: kept
    with django_assert_num_queries(0):  # again, nothing changed: the page cache answers
        researcher_client.get(LIST)
    with django_assert_num_queries(3 if n > CLAIMS_PER_PAGE else 2):
        researcher_client.get(LIST, headers={**HTMX, "HX-Target": "claim-results"})


def test_claim_page_shows_statements_by_stance(researcher_client, seed):
    html = researcher_client.get(seed.c1.get_absolute_url()).content.decode()
    assert "he also criticized the Iraqi government" in html
    assert "Muqtada al-Sadr" in html and "Nuri al-Maliki" in html and "Saleh al-Ageili" in html
    assert "said 2008-04-03" in html and "date not known" in html
    assert "Al-Sadr offers to help Iraqi security forces" in html
    asserts = html.index('<span class="pill stance-asserts">asserts</span> <span')
    denies = html.index('<span class="pill stance-denies">denies</span> <span')
    assert asserts < html.index("Saleh al-Ageili", asserts) < denies
    # contradictions, verdict panel, notes, picture, timeline
    assert f'id="contradiction-{seed.x1.pk}"' in html and f'id="contradiction-{seed.x2.pk}"' in html
    assert f'id="contradiction-{seed.x3.pk}"' not in html
    assert 'id="claim-verdict"' in html and 'id="claim-notes"' in html
    assert "<svg" in html and '<title id="dg-title-' in html
    assert 'class="timeline"' in html
    assert 'style="' not in html


def test_claim_page_404(researcher_client):
    assert researcher_client.get(reverse("claims:claim_detail", args=[999])).status_code == 404


def test_claim_page_timeline_is_by_date_said(researcher_client, researcher):
    source = make_source()
    claim = make_claim()
    late = make_statement(
        source=source,
        quote="cracks were old",
        created_by=researcher,
        claim=claim,
        said_on=datetime.date(2020, 5, 1),
        speaker=make_actor("Late Speaker"),
    )
    early = make_statement(
        source=source,
        quote="the bridge was safe",
        created_by=researcher,
        claim=claim,
        said_on=datetime.date(2019, 1, 1),
        speaker=make_actor("Early Speaker"),
    )
    html = researcher_client.get(claim.get_absolute_url()).content.decode()
    timeline = html[html.index('class="timeline"') :]
    assert timeline.index("2019-01-01") < timeline.index("2020-05-01")
    assert early.pk and late.pk


def test_claim_page_htmx_fragments(researcher_client, seed):
    url = seed.c1.get_absolute_url()
    html = researcher_client.get(url, headers={**HTMX, "HX-Target": "claim-notes"}).content.decode()
    assert "<html" not in html and 'id="claim-notes"' in html and "<svg" not in html
    html = researcher_client.get(
        url, headers={**HTMX, "HX-Target": "claim-verdict"}
    ).content.decode()
    assert "<html" not in html and 'id="claim-verdict"' in html


def _claim_with(n, researcher, editor):
    source = make_source()
    claim = make_claim()
    other = make_claim()
    previous = None
    for i in range(n):
        speaker = make_actor()
        s = make_statement(
            source=source,
            quote="the bridge was safe" if i % 2 else "the bridge was not safe",
            created_by=researcher,
            claim=claim,
            stance="asserts" if i % 2 else "denies",
            speaker=speaker,
            via=make_actor() if i % 3 == 0 else None,
        )
        if previous is not None:
            make_contradiction(s, previous, claim=claim, proposed_by=researcher, reviewed_by=editor)
        previous = s
        Note.objects.create(claim=claim, author=researcher, body=f"note {i}")
    make_statement(source=source, quote="cracks were old", created_by=researcher, claim=other)
    return claim


@pytest.mark.parametrize("n", [5, 50])
def test_claim_page_query_count_is_fixed(
    editor_client, researcher, editor, django_assert_num_queries, n
):
    claim = _claim_with(n, researcher, editor)
    url = claim.get_absolute_url()
    editor_client.get(url)
    bump()  # a write elsewhere: the page is rendered again (claims/pagecache.py)
    # the user with their permissions, claim, statements count+page, contradictions drawn,
    # contradictions count, page of ids and their rows, notes count+page, editors, badge;
    # up to 50 statements, contradictions and notes each first page is its own count
    # (selectors.Pager): no count
    with django_assert_num_queries(9):
        response = editor_client.get(url)
    assert response.status_code == 200
    kept = editor_client.get(url)  # asked for twice in one generation: kept
    with django_assert_num_queries(0):  # again, nothing changed: the page cache answers
        assert editor_client.get(url).content == kept.content
    # the fragments: the user with their permissions, claim, editors, notes page (no count,
    # as above)
    with django_assert_num_queries(4):
        editor_client.get(url, headers={**HTMX, "HX-Target": "claim-notes"})
    with django_assert_num_queries(4):
        editor_client.get(url, headers={**HTMX, "HX-Target": "claim-verdict"})


def test_claim_page_paginates_statements(researcher_client, researcher, editor):
    claim = _claim_with(60, researcher, editor)
    html = researcher_client.get(claim.get_absolute_url()).content.decode()
    assert "Page 1 of 2" in html and "1–50 of 60" in html
    assert (
        researcher_client.get(
            claim.get_absolute_url(), {"page": 2, "cpage": 2, "npage": 2}
        ).status_code
        == 200
    )
