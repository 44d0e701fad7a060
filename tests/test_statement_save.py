"""The statement save (the workspace's htmx POST of a new statement): what it reads and
writes, once each. The text is read once, under the source's row lock, and the selection
is placed in it there; a duplicate is refused by the unique constraint on the insert,
not looked up before every save; history is written; the answer is the new card."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Claim, Statement
from tests.conftest import HTMX
from tests.factories import make_actor, make_claim, make_source
from tests.test_statements import body, post_data

pytestmark = pytest.mark.django_db

# the user with their permissions (the session comes from its cache); the source (without
# its text), the speaker and the claim, in one query; the service's transaction: the text
# and the claim's status under their row locks (one statement), insert, history insert,
# the claim's status refresh (an open claim is probed for its stances and its confirmed
# links in one query); the transaction's own begin/commit (a savepoint and its release
# inside the test's transaction).
# Was 20: the source's text was read twice (with the source, then under the lock), and a
# duplicate was looked up before every insert. Was 19: the session and the permissions
# took three queries, the status refresh a savepoint and a separate read of the stances.
# Was 15: a savepoint around the insert, for the duplicate's message (now the whole
# transaction is rolled back and the message looked up after it). Was 13: the stances
# and the confirmed links were two queries. Was 12: the user and their permissions were
# two queries, the source, the speaker and the claim three, the claim's lock a fourth.
SAVE_QUERIES = 8
# a claim already disputed only gains a statement: its status is read under the lock (with
# the source's text), and nothing is probed
SAVE_QUERIES_DISPUTED = SAVE_QUERIES - 1


def _save(client, source, data):
    url = reverse("claims:statement_create", args=[source.pk])
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, data, headers=HTMX)
    return response, [q["sql"] for q in ctx.captured_queries]


def test_the_save_reads_the_text_once_under_the_lock_and_answers_with_the_card(
    researcher_client,
):
    source = make_source()
    speaker, claim = make_actor("Nuri al-Maliki"), make_claim()
    data = post_data(
        source.text, "Critics said", speaker=speaker.pk, claim=claim.pk, stance="asserts"
    )
    response, queries = _save(researcher_client, source, data)
    assert response.status_code == 201, body(response)
    statement = Statement.objects.get()
    assert source.text[statement.start : statement.end] == statement.exact == "Critics said"
    assert len(queries) == SAVE_QUERIES, "\n".join(queries)
    text_reads = [q for q in queries if '"claims_source"."text"' in q]
    assert len(text_reads) == 1, text_reads
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in text_reads[0]
    # nothing asks for the statement before it is inserted (the constraint refuses a copy)
    insert = next(
        i for i, q in enumerate(queries) if q.startswith('INSERT INTO "claims_statement"')
    )
    assert not [q for q in queries[:insert] if 'FROM "claims_statement"' in q]
    # history written, the card answered from the object the service returned
    assert statement.history.count() == 1
    html = response.content.decode()
    assert f'id="saved-statement-{statement.pk}"' in html and "Nuri al-Maliki" in html
    assert claim.text in body(response)
    assert json.loads(response["HX-Trigger"]) == {"statementsChanged": {"id": statement.pk}}


def test_a_statement_about_a_disputed_claim_leaves_its_status_unprobed(researcher_client):
    source = make_source()
    claim = make_claim(status=Claim.Status.DISPUTED)
    data = post_data(
        source.text, "Critics said", speaker=make_actor().pk, claim=claim.pk, stance="denies"
    )
    response, queries = _save(researcher_client, source, data)
    assert response.status_code == 201, body(response)
    assert len(queries) == SAVE_QUERIES_DISPUTED, "\n".join(queries)
    assert [q for q in queries if "FOR UPDATE" in q or '"claims_claim"."status"' in q]
    assert not [q for q in queries if "claims_contradiction" in q or "EXISTS" in q]
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DISPUTED


def test_the_same_statement_sent_again_is_refused_by_the_constraint(researcher_client):
    source = make_source()
    data = post_data(source.text, "Critics said", speaker=make_actor().pk)
    first, _ = _save(researcher_client, source, data)
    assert first.status_code == 201
    again, _ = _save(researcher_client, source, data)
    assert again.status_code == 422
    pk = Statement.objects.get().pk
    assert f"This statement is already recorded (#{pk}, by researcher)" in body(again)
    assert Statement.history.count() == 1


def test_a_new_speaker_and_claim_are_rolled_back_with_a_refused_duplicate(researcher_client):
    source = make_source()
    speaker = make_actor("Saleh al-Ageili")
    data = post_data(source.text, "Critics said", speaker=speaker.pk)
    assert _save(researcher_client, source, data)[0].status_code == 201
    # the same span and speaker, with a via made in place: a different statement
    data_via = {**data, "via_new_name": "A spokesman"}
    assert _save(researcher_client, source, data_via)[0].status_code == 201
    again, _ = _save(researcher_client, source, data_via)
    assert again.status_code == 422 and "already recorded" in body(again)
    assert Statement.objects.count() == 2


def test_a_selection_placed_by_the_service_reports_like_the_form(researcher_client):
    source = make_source()
    data = post_data(source.text, "Critics said", speaker=make_actor().pk)
    data["exact"] = "words that are not in the text"
    response, _ = _save(researcher_client, source, data)
    assert response.status_code == 422
    assert "The selection cannot be placed in the text:" in body(response)
    assert "does not occur in the text" in body(response)
    assert "data-statement-form" in response.content.decode()
    assert not Statement.objects.exists()


def test_a_bad_selection_shows_with_the_other_errors(researcher_client):
    source = make_source()
    data = post_data(source.text, "Critics said")  # no speaker
    data["exact"] = "words that are not in the text"
    response, _ = _save(researcher_client, source, data)
    assert response.status_code == 422
    assert "Choose who said it" in body(response)
    assert "The selection cannot be placed in the text:" in body(response)


def test_offsets_that_miss_the_quote_are_placed_by_its_context(researcher_client):
    source = make_source()  # "The minister said the bridge was safe." occurs twice
    quote = "The minister said the bridge was safe."
    second = source.text.index(quote, source.text.index(quote) + 1)
    data = post_data(source.text, "Critics said", speaker=make_actor().pk)
    data.update(
        exact=quote,
        start=second + 3,  # near the second occurrence, not on it
        end=second + 3 + len(quote),
        prefix=source.text[max(0, second - 32) : second],
        suffix=source.text[second + len(quote) : second + len(quote) + 32],
        offsets_unit="cp",
    )
    response, _ = _save(researcher_client, source, data)
    assert response.status_code == 201, body(response)
    assert Statement.objects.get().start == second


def test_a_claim_deleted_since_the_form_was_read_is_refused(researcher):
    from django.core.exceptions import ValidationError

    from claims.services import statements as services

    source, speaker, claim = make_source(), make_actor(), make_claim()
    read = Claim.objects.get(pk=claim.pk)  # as the form read it
    claim.delete()
    with pytest.raises(ValidationError) as refused:
        services.statement_create(
            user=researcher,
            source=source,
            anchor=services.Selection(exact="Critics said"),
            speaker=speaker,
            claim=read,
            stance="asserts",
        )
    assert refused.value.message_dict == {"claim": ["This claim has just been deleted."]}
    assert not Statement.objects.exists()
