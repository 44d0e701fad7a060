"""The statement save (the workspace's htmx POST of a new statement): what it reads and
writes, once each. The text is read once, with the source, and the selection placed in
it; under the source's row lock its version is compared (on PostgreSQL, for a claim a
new statement leaves as it is, by the one statement that inserts it and its history); a duplicate is refused by the unique constraint on the insert,
not looked up before every save; history is written; the answer is the new card."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from simple_history.signals import pre_create_historical_record

from claims import compiled
from claims.models import Claim, Source, Statement
from claims.services import statements as services
from claims.services.sources import source_update_text
from tests.conftest import HTMX
from tests.factories import make_actor, make_claim, make_source
from tests.test_statements import body, post_data

pytestmark = pytest.mark.django_db

# the user with their permissions (the session comes from its cache); the source (with
# its text and version), the speaker and the claim, in one query; the service's
# transaction: the source's version and the claim's status under their row locks (one
# statement: the text is not read again unless the version moved), insert, history
# insert, the claim's status refresh (an open claim is probed for its stances and its
# confirmed links in one query); the transaction's own begin/commit (a savepoint and its
# release inside the test's transaction).
# Was 20: the source's text was read twice (with the source, then under the lock), and a
# duplicate was looked up before every insert. Was 19: the session and the permissions
# took three queries, the status refresh a savepoint and a separate read of the stances.
# Was 15: a savepoint around the insert, for the duplicate's message (now the whole
# transaction is rolled back and the message looked up after it). Was 13: the stances
# and the confirmed links were two queries. Was 12: the user and their permissions were
# two queries, the source, the speaker and the claim three, the claim's lock a fourth.
SAVE_QUERIES = 8
# a claim already disputed only gains a statement: its status is read under the lock (with
# the source's version), and nothing is probed. On PostgreSQL the locks, the statement and
# its history row are then one statement (compiled.insert_with_history), with no
# transaction around it: the user, the rows the form chose, that statement (here inside
# a savepoint and its release: the test's transaction is the caller's).
SAVE_QUERIES_DISPUTED = 5 if connection.vendor == "postgresql" else SAVE_QUERIES - 1


def _save(client, source, data):
    url = reverse("claims:statement_create", args=[source.pk])
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, data, headers=HTMX)
    return response, [q["sql"] for q in ctx.captured_queries]


def test_the_save_reads_the_text_once_locks_its_version_and_answers_with_the_card(
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
        # the text read with the source; under the lock, its version (unchanged)
        assert "FOR UPDATE" not in text_reads[0]
        locks = [q for q in queries if "FOR UPDATE" in q]
        assert len(locks) == 1 and '"claims_source"."version"' in locks[0], locks
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


@pytest.mark.parametrize("status", [Claim.Status.OPEN, Claim.Status.DISPUTED])
def test_a_claim_deleted_since_the_form_was_read_is_refused(researcher, status):
    # disputed: on PostgreSQL the one-statement insert finds no claim to lock, writes
    # nothing, and the longer way says why
    source, speaker, claim = make_source(), make_actor(), make_claim(status=status)
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


def _create(user, source, claim, stance="denies", exact="Critics said"):
    return services.statement_create(
        user=user,
        source=source,
        anchor=services.Selection(exact=exact),
        speaker=make_actor(),
        claim=claim,
        stance=stance,
    )


def _as_the_form_reads_it(source: Source) -> Source:
    return Source.objects.only("id", "title", "text", "version").get(pk=source.pk)


def test_a_source_edited_since_the_form_read_it_is_placed_in_its_new_text(researcher):
    # the form read the text and its version; the text changed before the save: under the
    # lock the version differs, so the text is read again and the quote placed there (on
    # PostgreSQL the one-statement insert refused first: its version no longer held)
    source, claim = make_source(), make_claim(status=Claim.Status.DISPUTED)
    read = _as_the_form_reads_it(source)
    was_at = source.text.index("Critics said")
    source_update_text(source=source, text="Foreword. " + source.text, user=researcher)
    with CaptureQueriesContext(connection) as ctx:
        statement = _create(researcher, read, claim)
    stored = Source.objects.get(pk=source.pk)
    assert stored.text[statement.start : statement.end] == "Critics said"
    assert statement.start == was_at + len("Foreword. ")
    assert Statement.objects.get().start == statement.start
    assert len([q for q in ctx.captured_queries if '"claims_source"."text"' in q["sql"]]) == 1


def test_a_claim_reopened_since_the_form_read_it_has_its_status_refreshed(researcher):
    # the form read the claim as disputed; an editor reopened it meanwhile (a verdict
    # withdrawn, say): this statement must go the way that probes an open claim
    source, claim = make_source(), make_claim(status=Claim.Status.DISPUTED)
    read = Claim.objects.get(pk=claim.pk)
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.OPEN)
    _create(researcher, source, claim, stance="asserts", exact="An engineer said")
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.OPEN  # not contested yet
    _create(researcher, source, read, stance="denies")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DISPUTED
    assert read.status == Claim.Status.DISPUTED


def test_the_history_row_is_the_statement_as_saved(researcher):
    # on PostgreSQL written by the statement that inserts the statement
    # (compiled.insert_with_history), elsewhere by django-simple-history after save()
    source, claim = make_source(), make_claim(status=Claim.Status.DISPUTED)
    statement = _create(researcher, _as_the_form_reads_it(source), claim)
    stored = Statement.objects.get()
    (record,) = stored.history.all()
    for field in Statement._meta.concrete_fields:
        assert getattr(record, field.attname) == getattr(stored, field.attname), field.name
        assert getattr(statement, field.attname) == getattr(stored, field.attname), field.name
    assert record.history_type == "+"
    assert record.history_user == researcher
    assert record.history_change_reason is None
    assert record.history_date >= stored.created_at


def test_a_statement_save_sends_no_signal_but_the_history_s():
    # compiled.insert_with_history writes the history row that post_save would have had
    # django-simple-history write, and sends no save signal: a receiver added for
    # statements would be skipped on PostgreSQL, so there must be none
    receivers, async_receivers = post_save._live_receivers(Statement)
    assert [r.__qualname__ for r in receivers] == ["HistoricalRecords.post_save"]
    assert not async_receivers
    assert not pre_save.has_listeners(Statement)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a WITH that writes")
def test_the_one_statement_insert_refuses_when_the_history_signals_are_heard(researcher):
    history = Statement.history.model

    def heard(**kwargs):
        pass

    pre_create_historical_record.connect(heard, sender=history)
    try:
        statement = Statement(source=make_source(), speaker=make_actor(), start=0, end=3)
        statement._history_user = researcher
        with pytest.raises(TypeError, match="signals have receivers"):
            compiled.insert_with_history(statement, guards=[])
    finally:
        pre_create_historical_record.disconnect(heard, sender=history)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite's refusal")
def test_the_one_statement_insert_is_postgresqls():
    with pytest.raises(TypeError, match="PostgreSQL"):
        compiled.insert_with_history(Statement(), guards=[])
