"""Searches on a keystroke read one page (and one row more) without counting the matches
(issue 9): the lists, the review queue and the "Contradicts…" statement search. Next and
Previous appear exactly when there is a next or previous page, and pages read one by one
cover the whole result once."""

from __future__ import annotations

import math
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Contradiction
from tests.conftest import HTMX
from tests.factories import (
    make_actor,
    make_claim,
    make_contradiction,
    make_source,
    make_statement,
)

NEXT = re.compile(r">Next")
PREVIOUS = re.compile(r">(← )?Previous")


def _counts(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if '"__count"' in q["sql"] or q["sql"].lstrip().upper().startswith("SELECT COUNT(")
    ]


def read_pages(client, url, q, headers, markers: dict, per_page: int) -> list:
    """Follow the pages of a search from 1 while they offer Next: no count query on any,
    Previous exactly after the first; returns what each page showed, in order."""
    seen, number = [], 1
    while True:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"q": q, "page": number}, headers={**HTMX, **headers})
        assert response.status_code == 200
        assert not _counts(ctx.captured_queries), _counts(ctx.captured_queries)
        body = response.content.decode()
        shown = [key for key, marker in markers.items() if marker in body]
        assert 0 < len(shown) <= per_page
        seen += shown
        assert bool(PREVIOUS.search(body)) == (number > 1)
        if not NEXT.search(body):
            break
        assert len(shown) == per_page  # a next page only after a full one
        number += 1
    assert number == math.ceil(len(markers) / per_page)
    return seen


def assert_covers(seen: list, markers: dict) -> None:
    assert len(seen) == len(set(seen)) and set(seen) == set(markers)


@pytest.mark.parametrize("n", [50, 53])  # an exact multiple of the page: no empty last page
def test_source_list_search_pages_without_a_count(researcher_client, n):
    sources = [make_source(title=f"Pipeline report {i:02d}") for i in range(n)]
    make_source(title="Harbour news")
    markers = {s.pk: f'href="{s.get_absolute_url()}"' for s in sources}
    seen = read_pages(
        researcher_client,
        reverse("claims:source_list"),
        "pipeline",
        {"HX-Target": "source-results"},
        markers,
        25,
    )
    assert_covers(seen, markers)
    body = researcher_client.get(
        reverse("claims:source_list"), {"q": "pipeline", "page": 2}
    ).content.decode()  # the whole page, without htmx: links that work without JavaScript
    assert "Page 2" in body and " of " not in body.split("Page 2", 1)[1][:20]
    assert 'href="?q=pipeline&amp;page=1"' in body and 'hx-get="?q=pipeline&amp;page=1"' in body
    past = researcher_client.get(
        reverse("claims:source_list"), {"q": "pipeline", "page": 9}
    ).content.decode()
    assert "No more sources match" in past and PREVIOUS.search(past) and not NEXT.search(past)


def test_unfiltered_lists_keep_their_counts(researcher_client):
    for i in range(30):
        make_source(title=f"Paper {i:02d}")
    assert (
        "Page 1 of 2 · 30 sources"
        in researcher_client.get(reverse("claims:source_list")).content.decode()
    )


def test_claim_list_search_pages_without_a_count(researcher_client):
    claims = [make_claim(f"Pipeline claim number {i:02d}") for i in range(53)]
    make_claim("The bridge was safe")
    markers = {c.pk: f'href="{c.get_absolute_url()}"' for c in claims}
    seen = read_pages(
        researcher_client,
        reverse("claims:claim_list"),
        "pipeline",
        {"HX-Target": "claim-results"},
        markers,
        25,
    )
    assert_covers(seen, markers)


def test_actor_list_search_pages_without_a_count(researcher_client):
    actors = [make_actor(f"Pipeline Person {i:02d}") for i in range(27)]
    make_actor("Someone Else")
    markers = {a.pk: f'href="{a.get_absolute_url()}"' for a in actors}
    seen = read_pages(
        researcher_client,
        reverse("claims:actor_list"),
        "pipeline",
        {"HX-Target": "actor-results"},
        markers,
        25,
    )
    assert_covers(seen, markers)


def test_contradicts_search_pages_without_a_count(researcher_client, researcher):
    quotes = [f"Pipeline quote {i:02d} here." for i in range(23)]
    source = make_source(text=" ".join(quotes) + " Nothing else.")
    statements = [make_statement(source=source, quote=q, created_by=researcher) for q in quotes]
    me = make_statement(source=source, quote="Nothing else.", created_by=researcher)
    markers = {s.pk: f'value="{s.pk}"' for s in statements}
    seen = read_pages(
        researcher_client,
        reverse("claims:statement_link_search", args=[me.pk]),
        "pipeline",
        {},
        markers,
        10,
    )
    assert_covers(seen, markers)
    third = researcher_client.get(
        reverse("claims:statement_link_search", args=[me.pk]),
        {"q": "pipeline", "page": 3},
        headers=HTMX,
    ).content.decode()
    assert "21–23" in third and " of " not in third.split("21–23", 1)[1][:10]


def _review_world(researcher) -> dict:
    """30 items that match "pipeline": 12 contradictions by their rationale only, 12 by a
    quote, 3 by their claim, 3 disputed claims; and 3 contradictions that do not match."""
    quotes = [f"Plain quote {i:02d} said." for i in range(36)]
    quotes += [f"Pipeline quote {i:02d} said." for i in range(12)]
    source = make_source(text=" ".join(quotes))
    st = {q: make_statement(source=source, quote=q, created_by=researcher) for q in quotes}
    markers = {}
    for i in range(12):
        a, b = st[f"Plain quote {i:02d} said."], st[f"Plain quote {i + 12:02d} said."]
        c = make_contradiction(a, b, rationale=f"Both about the pipeline leak {i}.")
        markers[("c", c.pk)] = f'id="contradiction-{c.pk}"'
    for i in range(12):
        a, b = st[f"Pipeline quote {i:02d} said."], st[f"Plain quote {i + 24:02d} said."]
        c = make_contradiction(a, b)
        markers[("c", c.pk)] = f'id="contradiction-{c.pk}"'
    on_claim = make_claim("The pipeline was sabotaged")
    for i in range(3):
        a, b = st[f"Plain quote {i:02d} said."], st[f"Plain quote {i + 30:02d} said."]
        c = make_contradiction(a, b, claim=on_claim, kind=Contradiction.Kind.CONFLICTING_FACTS)
        markers[("c", c.pk)] = f'id="contradiction-{c.pk}"'
    for i in range(3):
        k = make_claim(f"Pipeline dispute {i}", status="disputed")
        markers[("k", k.pk)] = f'id="claim-item-{k.pk}"'
    for i in range(3):
        make_contradiction(
            st[f"Plain quote {i + 3:02d} said."],
            st[f"Plain quote {i + 33:02d} said."],
            rationale="Unrelated.",
        )
    return markers


def test_review_queue_search_pages_without_a_count(editor_client, researcher):
    markers = _review_world(researcher)
    queue = reverse("claims:review_queue")
    seen = read_pages(
        editor_client, queue, "pipeline", {"HX-Target": "review-results"}, markers, 25
    )
    assert_covers(seen, markers)
    body = editor_client.get(queue, {"q": "pipeline"}).content.decode()
    assert "Items 1–25, more on the next page" in body and " items<" not in body
    # without a search the queue keeps its count
    assert "33 items" in editor_client.get(queue).content.decode()


def test_review_queue_finds_a_rationale_by_its_index_after_any_write(editor_client, researcher):
    source = make_source(text="One said this. Two said that.")
    a = make_statement(source=source, quote="One said this.", created_by=researcher)
    b = make_statement(source=source, quote="Two said that.", created_by=researcher)
    c = make_contradiction(a, b, rationale="Both speak of the envoys.")
    queue = reverse("claims:review_queue")
    headers = {**HTMX, "HX-Target": "review-results"}
    mark = f'id="contradiction-{c.pk}"'
    for q in ("envoys", "envoy", "ENVOYS"):  # whole word, prefix, case
        assert mark in editor_client.get(queue, {"q": q}, headers=headers).content.decode()
    Contradiction.objects.filter(pk=c.pk).update(rationale="A matter of dates.")  # bulk write
    assert mark not in editor_client.get(queue, {"q": "envoys"}, headers=headers).content.decode()
    assert mark in editor_client.get(queue, {"q": "dates"}, headers=headers).content.decode()
    c.refresh_from_db()
    c.rationale = "Déjà vu over the convoy."
    c.save()
    assert mark in editor_client.get(queue, {"q": "deja"}, headers=headers).content.decode()
    c.delete()
    assert mark not in editor_client.get(queue, {"q": "deja"}, headers=headers).content.decode()
