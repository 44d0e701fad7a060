"""Review rows rendered once per version (claims/caching.py, review_rows_html): the queue
and the claim page never show a stale row. Each test views the pages first (so the old
rows are in the cache), writes through one path, then views again."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from claims import caching
from claims.models import Claim, Contradiction
from claims.services import merges, records
from claims.services.statements import statement_update
from tests.conftest import HTMX, make_user
from tests.factories import (
    make_actor,
    make_bridge_world,
    make_claim,
    make_contradiction,
    make_statement,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("claims:review_queue")


@pytest.fixture
def world(researcher):
    """The cache tests' bridge source (tests.factories.make_bridge_world), with the two
    statements linked and a second, disputed claim."""
    world = make_bridge_world(researcher, publisher="Daily Span")
    world["link"] = make_contradiction(
        world["said"], world["denied"], claim=world["claim"], rationale="Opposite answers."
    )
    world["disputed"] = make_claim("The river is clean", status="disputed")
    make_statement(
        source=world["source"],
        quote="the cracks were old",
        speaker=world["critic"],
        claim=world["disputed"],
        created_by=researcher,
    )
    return world


def words(markup: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(markup)).split())


def row(client, url: str, element_id: str) -> str:
    """The row with this id on the page at url, as text and markup."""
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    start = page.index(f'id="{element_id}"')
    return page[start : page.index("</article>", start)]


def queue_row(client, link: Contradiction) -> str:
    return row(
        client,
        f"{QUEUE}?status={Contradiction.objects.get(pk=link.pk).status}",
        f"contradiction-{link.pk}",
    )


def claim_page_row(client, link: Contradiction, claim: Claim) -> str:
    return row(client, claim.get_absolute_url(), f"contradiction-{link.pk}")


def both(client, world) -> tuple[str, str]:
    return queue_row(client, world["link"]), claim_page_row(client, world["link"], world["claim"])


def test_rows_come_from_the_cache_the_second_time(editor_client, world):
    first = both(editor_client, world)
    editor_client.get(QUEUE)
    keys = [k for k in cache._cache if ":row:" in k]  # locmem's own store
    assert any(f":row:c:{world['link'].pk}:" in k for k in keys)
    assert any(f":row:k:{world['disputed'].pk}:" in k for k in keys)

    def untokened(rows):
        return [re.sub(r'csrfmiddlewaretoken" value="[^"]+"', "", r) for r in rows]

    assert untokened(both(editor_client, world)) == untokened(first)


def test_decision_shows_at_once(editor_client, editor, world):
    link = world["link"]
    before = both(editor_client, world)
    assert all("Proposed" in words(r) for r in before)
    response = editor_client.post(
        reverse("claims:contradiction_decide", args=[link.pk]),
        {"decision": "confirm", "note": "Checked the tape.", "version": link.version},
    )
    assert response.status_code == 302
    for r in both(editor_client, world):
        assert f"Confirmed by {editor.username}" in words(r)
        assert "Checked the tape." in words(r)


def test_assignment_shows_at_once(editor_client, editor, world):
    link = world["link"]
    both(editor_client, world)
    response = editor_client.post(
        reverse("claims:contradiction_assign", args=[link.pk]),
        {"assigned_to": editor.pk, "version": link.version},
        headers=HTMX,
    )
    assert response.status_code == 200
    for r in both(editor_client, world):
        assert f"assigned to {editor.username}" in words(r)
        assert f'<option value="{editor.pk}" selected>' in r
    disputed = world["disputed"]
    editor_client.post(
        reverse("claims:claim_assign", args=[disputed.pk]),
        {"assigned_to": editor.pk, "version": disputed.version},
    )
    item = row(editor_client, QUEUE, f"claim-item-{disputed.pk}")
    assert f"assigned to {editor.username}" in words(item)


def test_statement_edit_shows_at_once(editor_client, editor, world):
    said = world["said"]
    both(editor_client, world)
    statement_update(
        user=editor,
        statement_id=said.pk,
        version=said.version,
        speaker=world["critic"],
        reporting=said.reporting,
        claim=world["claim"],
        stance="questions",
        said_on=datetime.date(2024, 5, 6),
    )
    for r in both(editor_client, world):
        text = words(r)
        assert "said 2024-05-06" in text and "questions" in text
        assert "Minister Alpha" not in text


def test_actor_rename_and_source_edit_show_at_once(editor_client, editor, world):
    both(editor_client, world)
    minister = world["minister"]
    records.actor_update(
        user=editor, actor_id=minister.pk, version=minister.version, fields={"name": "Gamma"}
    )
    source = world["source"]
    records.source_update(
        user=editor,
        source_id=source.pk,
        version=source.version,
        fields={"title": "Flood inquiry"},
    )
    for r in both(editor_client, world):
        assert "Gamma" in words(r) and "Minister Alpha" not in words(r)
        assert "Flood inquiry" in words(r) and "Bridge report" not in words(r)


def test_actor_merge_shows_at_once(editor_client, editor, world):
    both(editor_client, world)
    kept = make_actor("Minister Alpha-Kept")
    merges.actor_merge(merged_id=world["minister"].pk, kept_id=kept.pk, user=editor)
    for r in both(editor_client, world):
        assert "Minister Alpha-Kept" in words(r)
        assert f"?actor={kept.pk}" in r and f"?actor={world['minister'].pk}" not in r


def test_claim_edit_and_merge_show_at_once(editor_client, editor, world):
    claim = world["claim"]
    queue_row(editor_client, world["link"])
    records.claim_update(
        user=editor, claim_id=claim.pk, version=claim.version, text="The bridge holds"
    )
    assert "The bridge holds" in words(queue_row(editor_client, world["link"]))
    kept = make_claim("Bridges hold up")
    merges.claim_merge(merged_id=claim.pk, kept_id=kept.pk, user=editor)
    assert "Bridges hold up" in words(queue_row(editor_client, world["link"]))


def test_claim_row_counts_and_verdict_show_at_once(editor_client, editor, researcher, world):
    disputed = world["disputed"]
    before = words(row(editor_client, QUEUE, f"claim-item-{disputed.pk}"))
    assert "1 statement: 1 assert , 0 deny" in before
    make_statement(
        source=world["source"],
        quote="An engineer",
        speaker=world["minister"],
        claim=disputed,
        stance="denies",
        created_by=researcher,
    )
    after = words(row(editor_client, QUEUE, f"claim-item-{disputed.pk}"))
    assert "2 statements: 1 assert , 1 deny" in after


def test_user_rename_and_editor_list_show_at_once(editor_client, editor, world):
    link = world["link"]
    Contradiction.objects.filter(pk=link.pk).update(assigned_to=editor)
    link.refresh_from_db()
    # a queryset update changes no version: the key holds the assignee's name itself
    assert f"assigned to {editor.username}" in words(queue_row(editor_client, link))
    editor.username = "editor-renamed"
    editor.save()
    assert "assigned to editor-renamed" in words(queue_row(editor_client, link))
    newcomer = make_user("newcomer", "Editors")
    assert f'<option value="{newcomer.pk}">newcomer</option>' in queue_row(editor_client, link)


def test_researcher_and_editor_rows_differ(editor_client, researcher_client, world):
    editor_row = queue_row(editor_client, world["link"])
    researcher_row = queue_row(researcher_client, world["link"])
    assert "decision-form" in editor_row and "decision-form" not in researcher_row
    assert "csrfmiddlewaretoken" not in researcher_row


def test_each_viewer_gets_its_own_csrf_token_and_next(editor, world):
    from tests.conftest import _client_for

    link = world["link"]
    one, two = _client_for(editor), _client_for(editor)
    for client, query in ((one, "status=proposed"), (two, "status=proposed&q=")):
        for _ in range(2):  # the second round from the cache
            page = client.get(f"{QUEUE}?{query}").content.decode()
            token = client.cookies["csrftoken"].value
            tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            assert tokens and all(len(t) == 64 for t in tokens)
            assert caching.ROW_CSRF not in page and caching.ROW_HERE not in page
            nexts = set(re.findall(r'name="next" value="([^"]+)"', page))
            assert nexts == {html.escape(f"{QUEUE}?{query}")}
            assert token
    # a token from the cached row passes the CSRF check
    page = one.get(QUEUE).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    strict.cookies["csrftoken"] = one.cookies["csrftoken"].value
    page = strict.get(QUEUE).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = strict.post(
        reverse("claims:contradiction_decide", args=[link.pk]),
        {"decision": "confirm", "note": "", "version": link.version, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_untrusted_text_stays_escaped_in_cached_rows(editor_client, editor, world):
    claim = world["claim"]
    records.claim_update(
        user=editor, claim_id=claim.pk, version=claim.version, text="<script>x</script>"
    )
    for _ in range(2):
        r = queue_row(editor_client, world["link"])
        assert "<script>x" not in r and "&lt;script&gt;x" in r


# --- the claim page's picture, statements and timeline (claims.caching.claim_body_html) ---


def claim_page(client, claim: Claim) -> str:
    response = client.get(claim.get_absolute_url())
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def section(page: str, heading_id: str) -> str:
    start = page.index(f'aria-labelledby="{heading_id}"')
    return page[start : page.index("</section>", start)]


def test_claim_body_comes_from_the_cache_the_second_time(researcher_client, world):
    def body(page):
        return [section(page, h) for h in ("picture-h", "statements-h", "timeline-h")]

    first = claim_page(researcher_client, world["claim"])
    assert any(":claimbody:" in k for k in cache._cache)
    assert body(claim_page(researcher_client, world["claim"])) == body(first)


def test_claim_body_after_statement_edit(researcher_client, editor, world):
    said, claim = world["said"], world["claim"]
    before = claim_page(researcher_client, claim)
    assert "Minister Alpha" in section(before, "picture-h")
    statement_update(
        user=editor,
        statement_id=said.pk,
        version=said.version,
        speaker=world["critic"],
        reporting=said.reporting,
        claim=claim,
        stance="questions",
        said_on=datetime.date(2024, 5, 6),
    )
    after = claim_page(researcher_client, claim)
    assert "Minister Alpha" not in section(after, "picture-h")
    assert "Minister Alpha" not in section(after, "statements-h")
    assert "2024-05-06" in section(after, "timeline-h")
    questions = section(after, "statements-h").split('pill stance-questions">questions')[1]
    assert "the bridge was safe" in questions


def test_claim_body_after_rename_source_edit_and_merge(researcher_client, editor, world):
    claim = world["claim"]
    claim_page(researcher_client, claim)
    critic = world["critic"]
    records.actor_update(
        user=editor, actor_id=critic.pk, version=critic.version, fields={"name": "Delta"}
    )
    source = world["source"]
    records.source_update(
        user=editor,
        source_id=source.pk,
        version=source.version,
        fields={"title": "Flood inquiry"},
    )
    page = claim_page(researcher_client, claim)
    for heading in ("picture-h", "statements-h", "timeline-h"):
        assert "Delta" in section(page, heading) and "Critic Beta" not in section(page, heading)
    assert "Flood inquiry" in section(page, "statements-h")
    kept = make_actor("Minister Kept")
    merges.actor_merge(merged_id=world["minister"].pk, kept_id=kept.pk, user=editor)
    page = claim_page(researcher_client, claim)
    assert "Minister Kept" in section(page, "picture-h")
    assert "Minister Kept" in section(page, "statements-h")


def test_claim_body_after_claim_edit_new_statement_and_decision(
    editor_client, editor, researcher, world
):
    claim, link = world["claim"], world["link"]
    before = claim_page(editor_client, claim)
    assert "dg-x-denial dg-status-proposed" in section(before, "picture-h")
    editor_client.post(
        reverse("claims:contradiction_decide", args=[link.pk]),
        {"decision": "confirm", "note": "", "version": link.version},
    )
    assert "dg-x-denial dg-status-confirmed" in section(
        claim_page(editor_client, claim), "picture-h"
    )
    link.refresh_from_db()
    claim.refresh_from_db()
    records.claim_update(
        user=editor, claim_id=claim.pk, version=claim.version, text="The bridge holds"
    )
    assert "The bridge holds" in section(claim_page(editor_client, claim), "picture-h")
    make_statement(
        source=world["source"],
        quote="An engineer",
        speaker=make_actor("Engineer Eta"),
        claim=claim,
        created_by=researcher,
    )
    editor_client.post(
        reverse("claims:contradiction_decide", args=[link.pk]),
        {"decision": "reject", "note": "Different bridges.", "version": link.version},
    )
    after = claim_page(editor_client, claim)
    picture = section(after, "picture-h")
    assert "The bridge holds" in picture and "Engineer Eta" in picture
    assert "dg-x-denial dg-status-rejected" in picture
    assert "dg-x-denial dg-status-proposed" not in picture
    assert "Engineer Eta" in section(after, "statements-h")
    assert "Rejected by" in words(section(after, "contradictions-h"))
