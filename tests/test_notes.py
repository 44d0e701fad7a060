"""Notes on claims and contradictions: researchers and editors post; empty is refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from claims.models import Note
from tests.conftest import HTMX
from tests.seed_fixture import build_seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed(researcher, editor):
    return build_seed(researcher, editor)


def claim_notes(claim):
    return reverse("claims:claim_note_add", args=[claim.pk])


def contradiction_notes(c):
    return reverse("claims:contradiction_notes", args=[c.pk])


def test_researcher_posts_a_note_on_a_claim_in_place(researcher_client, researcher, seed):
    response = researcher_client.post(
        claim_notes(seed.c1), {"body": "Check the Najaf trip."}, headers=HTMX
    )
    assert response.status_code == 200 and response["HX-Trigger"] == "notes-changed"
    html = response.content.decode()
    assert "<html" not in html and 'id="claim-notes"' in html
    assert "Check the Najaf trip." in html and "researcher" in html
    note = Note.objects.get()
    assert (note.claim, note.author, note.contradiction) == (seed.c1, researcher, None)


def test_editor_posts_a_note_plain_post(editor_client, seed):
    response = editor_client.post(claim_notes(seed.c1), {"body": "Agreed."})
    assert response.status_code == 302 and response["Location"].endswith("#notes")
    html = editor_client.get(seed.c1.get_absolute_url()).content.decode()
    assert "Agreed." in html and "editor" in html


def test_thread_is_in_order_with_author_and_time(researcher_client, editor_client, seed):
    researcher_client.post(claim_notes(seed.c1), {"body": "First <b>note</b>"})
    editor_client.post(claim_notes(seed.c1), {"body": "Second note"})
    html = researcher_client.get(seed.c1.get_absolute_url()).content.decode()
    assert html.index("First &lt;b&gt;note&lt;/b&gt;") < html.index("Second note")
    assert "<b>note</b>" not in html
    assert html.count('<time datetime="') >= 2


@pytest.mark.parametrize("body", ["", "   \n "])
def test_empty_note_is_422_with_a_message(researcher_client, seed, body):
    response = researcher_client.post(claim_notes(seed.c1), {"body": body}, headers=HTMX)
    assert response.status_code == 422
    assert "Write something before posting the note." in response.content.decode()
    response = researcher_client.post(contradiction_notes(seed.x3), {"body": body}, headers=HTMX)
    assert response.status_code == 422
    assert "Write something before posting the note." in response.content.decode()
    response = researcher_client.post(claim_notes(seed.c1), {"body": body})
    assert response.status_code == 422 and "<html" in response.content.decode()
    assert not Note.objects.exists()


def test_notes_need_a_role_and_a_token(outsider_client, researcher_client, anon_client, seed):
    assert outsider_client.post(claim_notes(seed.c1), {"body": "x"}).status_code == 403
    assert outsider_client.post(contradiction_notes(seed.x3), {"body": "x"}).status_code == 403
    assert anon_client.post(claim_notes(seed.c1), {"body": "x"}).status_code == 302
    assert (
        researcher_client.post(claim_notes(seed.c1), {"body": "x"}, csrf=False).status_code == 403
    )
    assert (
        researcher_client.post(contradiction_notes(seed.x3), {"body": "x"}, csrf=False).status_code
        == 403
    )
    assert researcher_client.get(claim_notes(seed.c1)).status_code == 405
    assert (
        researcher_client.post(
            reverse("claims:claim_note_add", args=[999]), {"body": "x"}
        ).status_code
        == 404
    )
    assert not Note.objects.exists()


def test_notes_on_a_contradiction(researcher_client, editor_client, researcher, seed):
    url = contradiction_notes(seed.x3)
    page = researcher_client.get(url)
    assert page.status_code == 200 and "No notes yet." in page.content.decode()
    assert "militias weren&#x27;t targeted" in page.content.decode()
    response = researcher_client.post(
        url, {"body": "Is CNN's narration a statement?"}, headers=HTMX
    )
    assert response.status_code == 200 and response["HX-Trigger"] == "notes-changed"
    assert "CNN&#x27;s narration" in response.content.decode()
    assert editor_client.post(url, {"body": "Yes."}).status_code == 302
    notes = list(Note.objects.order_by("id"))
    assert [n.contradiction for n in notes] == [seed.x3, seed.x3]
    html = researcher_client.get(url).content.decode()
    assert html.index("CNN&#x27;s narration") < html.index("Yes.")
    assert researcher_client.get(contradiction_notes(seed.x3) + "x").status_code == 404


@pytest.mark.parametrize("n", [5, 50])
def test_contradiction_notes_query_count(
    researcher_client, researcher, seed, django_assert_num_queries, n
):
    for i in range(n):
        Note.objects.create(contradiction=seed.x3, author=researcher, body=f"n{i}")
    url = contradiction_notes(seed.x3)
    researcher_client.get(url)
    # the user with their permissions, contradiction, notes page, editors, badge: up to 50 notes,
    # the first page is its own count (selectors.Pager)
    with django_assert_num_queries(5):
        researcher_client.get(url)
    with django_assert_num_queries(4):  # the thread fragment: no badge
        researcher_client.get(url, headers=HTMX)
