"""Actors: the list (search over names and aliases) and an actor's page."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from claims.models import Affiliation
from claims.views.actors import ACTORS_PER_PAGE, CONTRADICTIONS_PER_PAGE, STATEMENTS_PER_PAGE
from tests.conftest import HTMX
from tests.factories import (
    make_actor,
    make_claim,
    make_contradiction,
    make_source,
    make_statement,
)

pytestmark = pytest.mark.django_db

LIST = reverse("claims:actor_list")


def detail(actor) -> str:
    return reverse("claims:actor_detail", args=[actor.pk])


def test_who_may_see_actors(anon_client, outsider_client):
    actor = make_actor()
    for url in (LIST, detail(actor), reverse("claims:actor_options")):
        response = anon_client.get(url)
        assert response.status_code == 302 and "/login/" in response.url
        assert outsider_client.get(url).status_code == 403


def test_unknown_actor_is_404(researcher_client):
    assert researcher_client.get(reverse("claims:actor_detail", args=[999])).status_code == 404


def test_list_searches_names_and_aliases_as_you_type(researcher_client):
    maliki = make_actor("Nuri al-Maliki")
    maliki.aliases.create(name="the prime minister")
    make_actor("Muqtada al-Sadr")
    page = researcher_client.get(LIST).content.decode()
    assert "Nuri al-Maliki" in page and "Muqtada al-Sadr" in page and "the prime minister" in page
    response = researcher_client.get(
        LIST, {"q": "prime"}, headers={**HTMX, "HX-Target": "actor-results"}
    )
    text = response.content.decode()
    assert "<html" not in text and "Nuri al-Maliki" in text and "al-Sadr" not in text
    assert "No actor matches" in html.unescape(
        researcher_client.get(LIST, {"q": "zebra"}).content.decode()
    )


def test_list_counts_statements_and_pages(researcher_client, researcher):
    speaker = make_actor("Aaron Speaker")
    source = make_source()
    make_statement(source=source, quote="Critics said", speaker=speaker, created_by=researcher)
    make_statement(source=source, quote="An engineer said", speaker=speaker, created_by=researcher)
    for i in range(30):
        make_actor(f"Zed {i:02d}")
    first = researcher_client.get(LIST).content.decode()
    assert "Aaron Speaker" in first and "<td>2</td>" in first and "Page 1 of 2" in first
    assert "Zed 29" in researcher_client.get(LIST, {"page": 2}).content.decode()


@pytest.mark.parametrize("rows", [5, 50])
def test_list_query_count_is_fixed(researcher_client, researcher, django_assert_num_queries, rows):
    source = make_source()
    for i in range(rows):
        actor = make_actor(f"Actor {i}")
        actor.aliases.create(name=f"Alias {i}")
        make_statement(source=source, quote="Critics said", speaker=actor, created_by=researcher)
    # the user with their permissions, count, page, aliases, review badge; a first page that holds
    # every actor is its own count (selectors.Pager)
    with django_assert_num_queries(5 if rows > ACTORS_PER_PAGE else 4):
        assert researcher_client.get(LIST).status_code == 200
    # a search: the user with their permissions, page, aliases (no count)
    with django_assert_num_queries(3):
        researcher_client.get(LIST, {"q": "Alias"}, headers={**HTMX, "HX-Target": "actor-results"})


@pytest.fixture
def sadr_world(researcher):
    sadr = make_actor("Muqtada al-Sadr")
    sadr.aliases.create(name="al-Sadr")
    movement = make_actor("Sadrist movement", kind="party")
    ageili = make_actor("Saleh al-Ageili")
    Affiliation.objects.create(actor=sadr, role="leader_of", target=movement)
    Affiliation.objects.create(actor=ageili, role="spokesperson_for", target=sadr)
    maliki = make_actor("Nuri al-Maliki")
    text = (
        "Al-Sadr said envoys came. Al-Sadr said the offensive failed. "
        "Al-Sadr offered help. Al-Maliki said no envoy went."
    )
    source = make_source(text=text, title="Envoys")
    c1, c4 = make_claim("Envoys were sent."), make_claim("The offensive succeeded.")
    s1 = make_statement(
        source=source,
        quote="Al-Sadr said envoys came.",
        speaker=sadr,
        via=ageili,
        claim=c1,
        stance="asserts",
        created_by=researcher,
    )
    make_statement(
        source=source,
        quote="Al-Sadr said the offensive failed.",
        speaker=sadr,
        claim=c4,
        stance="denies",
        created_by=researcher,
    )
    make_statement(
        source=source, quote="Al-Sadr offered help.", speaker=sadr, created_by=researcher
    )
    s4 = make_statement(
        source=source,
        quote="Al-Maliki said no envoy went.",
        speaker=maliki,
        claim=c1,
        stance="denies",
        created_by=researcher,
    )
    make_contradiction(s4, s1, claim=c1)
    return {"sadr": sadr, "ageili": ageili, "movement": movement, "maliki": maliki}


def test_actor_page_shows_aliases_affiliations_statements_and_contradictions(
    researcher_client, sadr_world
):
    text = html.unescape(researcher_client.get(detail(sadr_world["sadr"])).content.decode())
    assert "al-Sadr" in text
    assert "Muqtada al-Sadr is leader of" in text and "Sadrist movement" in text
    assert "Saleh al-Ageili</a> is spokesperson for Muqtada al-Sadr" in text
    # statements grouped by claim, the claimless ones together
    assert text.index("Envoys were sent.") < text.index("The offensive succeeded.")
    assert "No claim" in text and "Al-Sadr offered help." in text
    assert "via Saleh al-Ageili" in text
    assert "Denial" in text and "Al-Maliki said no envoy went." in text
    # the spokesman's page lists what he delivered
    ageili = html.unescape(researcher_client.get(detail(sadr_world["ageili"])).content.decode())
    assert "Muqtada al-Sadr, delivered by Saleh al-Ageili" in ageili


@pytest.mark.parametrize("rows", [5, 50])
def test_actor_page_query_count_is_fixed(
    researcher_client, researcher, django_assert_num_queries, rows
):
    actor = make_actor("Speaker")
    for i in range(3):
        actor.aliases.create(name=f"Alias {i}")
        Affiliation.objects.create(actor=actor, role="member_of", target=make_actor())
        Affiliation.objects.create(actor=make_actor(), role="part_of", target=actor)
    text = " ".join(f"Sentence {i:02d} said." for i in range(rows))
    source = make_source(text=text)
    statements = [
        make_statement(
            source=source,
            quote=f"Sentence {i:02d} said.",
            speaker=actor,
            claim=make_claim() if i % 2 else None,
            created_by=researcher,
        )
        for i in range(rows)
    ]
    for a, b in zip(statements[::2], statements[1::2], strict=False):
        make_contradiction(a, b)
    # the user with their permissions, actor, aliases, affiliations x2,
    # statements: count + page, contradictions: count + page, review badge; no count where
    # the first page holds every row (selectors.Pager)
    counts = (rows > STATEMENTS_PER_PAGE) + (rows // 2 > CONTRADICTIONS_PER_PAGE)
    with django_assert_num_queries(8 + counts):
        assert researcher_client.get(detail(actor)).status_code == 200
