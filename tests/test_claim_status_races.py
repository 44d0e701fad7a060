"""Races between a claim's status refresh or edit and an editor's decision on one of its
contradictions, or between two statements saved on one claim, on PostgreSQL (row locks;
SQLite runs one writer at a time). One side is held between its two locks while the other
starts, so the interleaving that used to go wrong happens every run."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from claims.models import Claim, Contradiction
from claims.services import disputes, review
from claims.services import statements as statement_services
from tests.factories import (
    make_actor,
    make_claim,
    make_contradiction,
    make_source,
    make_statement,
)

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]

TEXT = "Ana said the dam held. Bo said the dam broke."


@pytest.fixture
def contradiction(researcher):
    source = make_source(text=TEXT)
    claim = make_claim("The dam held")
    a = make_statement(source=source, quote="Ana said the dam held.", created_by=researcher)
    b = make_statement(source=source, quote="Bo said the dam broke.", created_by=researcher)
    c = make_contradiction(a, b, claim=claim)
    c.refresh_from_db()
    return c


def _run(target, errors: list, name: str | None = None) -> threading.Thread:
    def run():
        try:
            target()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def test_a_refresh_waiting_behind_a_confirm_sees_it(contradiction, editor):
    """The refresh waits for the claim's lock while the editor's confirm commits: it must
    read the confirmed contradiction, not what was there before it waited (one statement
    that locked and probed saw the claim as disputed and no confirmed contradiction, and
    reopened it)."""
    claim = contradiction.claim
    held, go, errors = threading.Event(), threading.Event(), []

    def confirm():
        with transaction.atomic():
            review.contradiction_decide(
                contradiction_id=contradiction.pk,
                user=editor,
                decision="confirm",
                note="",
                version=contradiction.version,
            )
            held.set()
            go.wait(10)

    first = _run(confirm, errors)
    assert held.wait(10)
    second = _run(
        lambda: disputes.claim_refresh_status(claim=Claim.objects.get(pk=claim.pk)), errors
    )
    time.sleep(0.5)  # the refresh now waits for the claim's lock
    go.set()
    first.join(20)
    second.join(20)
    assert not errors, errors
    assert Contradiction.objects.get(pk=contradiction.pk).status == Contradiction.Status.CONFIRMED
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.DISPUTED


def test_a_claim_edit_during_a_decision_on_its_contradiction_does_not_deadlock(
    contradiction, editor, monkeypatch
):
    """A decision locks the contradiction, then its claim; a claim's edit locks the claim
    and rewrites the search documents of its contradictions. The documents live in their
    own table, so the edit never waits for the contradiction's lock (with them on the
    contradiction's row, this was a deadlock)."""
    claim = contradiction.claim
    locked, go, errors = threading.Event(), threading.Event(), []
    refresh = review.claim_refresh_status

    def between_the_locks(**kwargs):
        locked.set()
        go.wait(10)
        refresh(**kwargs)

    monkeypatch.setattr(review, "claim_refresh_status", between_the_locks)
    decide = _run(
        lambda: review.contradiction_decide(
            contradiction_id=contradiction.pk,
            user=editor,
            decision="confirm",
            note="",
            version=contradiction.version,
        ),
        errors,
    )
    assert locked.wait(10)

    def edit():
        with transaction.atomic():
            Claim.objects.filter(pk=claim.pk).update(text="The dam held firm")

    editing = _run(edit, errors)
    time.sleep(0.5)
    go.set()
    decide.join(20)
    editing.join(20)
    assert not errors, errors
    assert Claim.objects.get(pk=claim.pk).text == "The dam held firm"
    assert Contradiction.objects.get(pk=contradiction.pk).status == Contradiction.Status.CONFIRMED


def test_a_statement_saved_while_another_on_its_claim_commits_reads_its_status(
    researcher, other_researcher, monkeypatch
):
    """The claim's row is locked with the source, before the insert, and its status read
    there; the refresh after the insert takes no lock of its own. The first save (the
    claim asserted) is held after its insert while the second (denied) starts: the second
    waits for the claim's lock, and then must see the first's statement, so the claim
    ends disputed."""
    claim = make_claim("The dam held")
    speaker = make_actor("Ana")
    first_source, second_source = make_source(text=TEXT), make_source(text=TEXT)
    inserted, errors = threading.Event(), []
    refresh = statement_services.claim_refresh_status

    def after_the_insert(**kwargs):
        if threading.current_thread().name == "first":
            inserted.set()
            time.sleep(0.8)  # the second save starts meanwhile
        refresh(**kwargs)

    monkeypatch.setattr(statement_services, "claim_refresh_status", after_the_insert)

    def save(source, user, stance):
        def run():
            statement_services.statement_create(
                user=user,
                source=source,
                anchor=statement_services.Selection(exact="Ana said the dam held."),
                speaker=speaker,
                claim=Claim.objects.get(pk=claim.pk),
                stance=stance,
            )

        return run

    first = _run(save(first_source, researcher, "asserts"), errors, name="first")
    assert inserted.wait(10)
    second = _run(save(second_source, other_researcher, "denies"), errors)
    first.join(20)
    second.join(20)
    assert not errors, errors
    assert claim.statements.count() == 2
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.DISPUTED
