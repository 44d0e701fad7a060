"""Linking statements as contradictions from a card: search, suggestions, proposing."""

from __future__ import annotations

import html
import json

import pytest
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

pytestmark = pytest.mark.django_db

TEXT = (
    "Al-Sadr criticized the government for denying that it sent envoys. "
    "Al-Maliki said he didn't send an envoy to Najaf. "
    "Later al-Maliki said an envoy had gone to Najaf after all. "
    "A spokesman said the denials were meant only to save face."
)


@pytest.fixture
def seed(researcher):
    source = make_source(text=TEXT, title="Envoys story")
    claim = make_claim("The government sent envoys to al-Sadr.")
    sadr, maliki, ageili = (
        make_actor("Muqtada al-Sadr"),
        make_actor("Nuri al-Maliki"),
        make_actor("Saleh al-Ageili"),
    )

    def st(quote, speaker, stance):
        return make_statement(
            source=source,
            quote=quote,
            speaker=speaker,
            claim=claim,
            stance=stance,
            created_by=researcher,
        )

    return {
        "S3": st("criticized the government for denying that it sent envoys", sadr, "asserts"),
        "S5": st("he didn't send an envoy to Najaf", maliki, "denies"),
        "S5b": st("an envoy had gone to Najaf after all", maliki, "asserts"),
        "S7": st("the denials were meant only to save face", ageili, "asserts"),
        "claim": claim,
        "source": source,
    }


def link_url(statement) -> str:
    return reverse("claims:statement_link", args=[statement.pk])


def search_url(statement) -> str:
    return reverse("claims:statement_link_search", args=[statement.pk])


def test_panel_suggests_opposite_stances_marking_self_contradictions(researcher_client, seed):
    response = researcher_client.get(link_url(seed["S5"]), headers=HTMX)
    text = html.unescape(response.content.decode())
    assert response.status_code == 200 and "<html" not in text
    suggestions = text.split("<legend>")[1].split("</fieldset>")[0]
    for key in ("S3", "S5b", "S7"):
        assert f'value="{seed[key].pk}"' in suggestions
    assert f'value="{seed["S5"].pk}"' not in suggestions  # never itself
    self_line = [line for line in suggestions.splitlines() if f'value="{seed["S5b"].pk}"' in line][
        0
    ]
    assert "possible self-contradiction" in self_line
    sadr_line = [line for line in suggestions.splitlines() if f'value="{seed["S3"].pk}"' in line][0]
    assert "possible self-contradiction" not in sadr_line


def test_already_linked_statements_are_not_suggested(researcher_client, seed):
    make_contradiction(seed["S3"], seed["S5"])  # linked the other way round
    text = researcher_client.get(link_url(seed["S5"]), headers=HTMX).content.decode()
    suggestions = text.split("<legend>")[1].split("</fieldset>")[0]
    assert f'value="{seed["S3"].pk}"' not in suggestions


def test_search_over_quote_speaker_and_claim_in_every_source(researcher_client, researcher, seed):
    elsewhere = make_source(
        text="In another paper, officials said envoys went to Najaf.", title="Other paper"
    )
    far = make_statement(
        source=elsewhere, quote="officials said envoys went to Najaf", created_by=researcher
    )
    by_quote = researcher_client.get(search_url(seed["S5"]), {"q": "envoys went"}, headers=HTMX)
    assert (
        f'value="{far.pk}"' in by_quote.content.decode()
        and "Other paper" in by_quote.content.decode()
    )
    by_speaker = researcher_client.get(
        search_url(seed["S5"]), {"q": "ageili"}, headers=HTMX
    ).content.decode()
    assert f'value="{seed["S7"].pk}"' in by_speaker and f'value="{seed["S3"].pk}"' not in by_speaker
    by_claim = researcher_client.get(
        search_url(seed["S5"]), {"q": "sent envoys to"}, headers=HTMX
    ).content.decode()
    assert all(f'value="{seed[k].pk}"' in by_claim for k in ("S3", "S5b", "S7"))
    assert f'value="{seed["S5"].pk}"' not in by_claim  # never itself
    none = researcher_client.get(
        search_url(seed["S5"]), {"q": "zebra"}, headers=HTMX
    ).content.decode()
    assert "No statement matches" in html.unescape(none)


def test_search_is_paginated(researcher_client, researcher, seed):
    text = " ".join(f"Quote number {i:02d} here." for i in range(25))
    source = make_source(text=text)
    for i in range(25):
        make_statement(source=source, quote=f"Quote number {i:02d} here.", created_by=researcher)
    first = researcher_client.get(
        search_url(seed["S5"]), {"q": "Quote number"}, headers=HTMX
    ).content.decode()
    third = researcher_client.get(
        search_url(seed["S5"]), {"q": "Quote number", "page": 3}, headers=HTMX
    ).content.decode()
    assert "1–10" in first and " of 25" not in first  # no count
    assert "Quote number 00" in first and "Quote number 24" not in first
    assert "Quote number 24" in third


def test_propose_a_link_from_a_card(researcher_client, researcher, seed):
    data = {"other": seed["S3"].pk, "kind": "denial", "rationale": "He denies what al-Sadr says."}
    response = researcher_client.post(link_url(seed["S5"]), data, headers=HTMX)
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"linksChanged": {"id": seed["S5"].pk}}
    assert response["HX-Retarget"] == "closest .statement-card"
    link = Contradiction.objects.get()
    assert (link.first, link.second, link.kind, link.status) == (
        seed["S5"],
        seed["S3"],
        "denial",
        "proposed",
    )
    assert link.proposed_by == researcher and link.claim == seed["claim"]
    assert link.rationale == "He denies what al-Sadr says."
    card = html.unescape(response.content.decode())
    assert "Denial of" in card and "Muqtada al-Sadr" in card
    # the other card lists it too, the other way round
    other = researcher_client.get(
        reverse("claims:statement_card", args=[seed["S3"].pk]), headers=HTMX
    )
    assert "Denial by" in other.content.decode() and "Nuri al-Maliki" in other.content.decode()


def test_a_pair_is_linked_once_either_way_round(researcher_client, seed):
    make_contradiction(seed["S3"], seed["S5"])
    data = {"other": seed["S3"].pk, "kind": "denial"}
    response = researcher_client.post(link_url(seed["S5"]), data, headers=HTMX)
    assert response.status_code == 422 and "already linked" in response.content.decode()
    assert Contradiction.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "denial"}, "Pick the statement it contradicts."),
        ({"other": 99999, "kind": "denial"}, "no longer exists"),
        ({"other": "self", "kind": "denial"}, "cannot contradict itself"),
        ({"other": "S3", "kind": "insult"}, "Select a valid choice"),
    ],
)
def test_bad_link_input_gets_a_form_error(researcher_client, seed, data, message):
    data = dict(data)
    if data.get("other") == "self":
        data["other"] = seed["S5"].pk
    elif data.get("other") == "S3":
        data["other"] = seed["S3"].pk
    response = researcher_client.post(link_url(seed["S5"]), data, headers=HTMX)
    assert response.status_code == 422 and message in html.unescape(response.content.decode())
    assert not Contradiction.objects.exists()


def test_who_may_link(anon_client, outsider_client, other_researcher_client, editor_client, seed):
    data = {"other": seed["S3"].pk, "kind": "denial"}
    response = anon_client.post(link_url(seed["S5"]), data)
    assert response.status_code == 302 and "/login/" in response.url
    assert outsider_client.get(link_url(seed["S5"])).status_code == 403
    assert outsider_client.post(link_url(seed["S5"]), data).status_code == 403
    assert outsider_client.get(search_url(seed["S5"]), {"q": "x"}).status_code == 403
    assert other_researcher_client.post(link_url(seed["S5"]), data, csrf=False).status_code == 403
    assert not Contradiction.objects.exists()
    # any researcher may propose a link, also on someone else's statement
    response = other_researcher_client.post(link_url(seed["S5"]), data)
    assert response.status_code == 302 and response.url == seed["S5"].get_absolute_url()
    data = {"other": seed["S7"].pk, "kind": "rebuttal"}
    assert editor_client.post(link_url(seed["S5"]), data).status_code == 302
    assert Contradiction.objects.count() == 2


def test_plain_page_works_without_javascript(researcher_client, seed):
    response = researcher_client.get(link_url(seed["S5"]), {"q": "save face"})
    text = response.content.decode()
    assert response.status_code == 200 and "<html" in text and f'value="{seed["S7"].pk}"' in text


@pytest.mark.parametrize("rows", [5, 50])
def test_link_panel_and_search_query_counts(
    researcher_client, researcher, seed, django_assert_num_queries, rows
):
    text = " ".join(f"Envoy quote {i:02d} here." for i in range(rows))
    source = make_source(text=text)
    for i in range(rows):
        make_statement(
            source=source,
            quote=f"Envoy quote {i:02d} here.",
            claim=seed["claim"],
            stance="asserts",
            speaker=make_actor(),
            created_by=researcher,
        )
    # the user with their permissions, statement, suggestions: links + candidates, search:
    # its candidates (search.Candidates) and its page (no count)
    with django_assert_num_queries(6):
        researcher_client.get(link_url(seed["S5"]), {"q": "Envoy"}, headers=HTMX)
    # the user with their permissions, statement, candidates, page
    with django_assert_num_queries(4):
        researcher_client.get(search_url(seed["S5"]), {"q": "Envoy"}, headers=HTMX)
