"""The invariants of the domain, held by the database itself (and by model validation)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from claims.anchoring import TextError
from claims.models import (
    Actor,
    ActorAlias,
    Affiliation,
    Claim,
    Contradiction,
    Note,
    Source,
    Statement,
)
from claims.services.sources import source_update_text
from tests.factories import (
    make_actor,
    make_claim,
    make_contradiction,
    make_source,
    make_statement,
)

pytestmark = pytest.mark.django_db


def refused(create, *args, **kwargs):
    """The database refuses the row (the transaction stays usable afterwards)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        create(*args, **kwargs)


@pytest.fixture
def source():
    return make_source()


@pytest.fixture
def speaker():
    return make_actor("The minister")


def statement_row(source, speaker, researcher, **overrides):
    quote = "the bridge was safe"
    start = source.text.index(quote)
    row = dict(
        source=source,
        speaker=speaker,
        start=start,
        end=start + len(quote),
        exact=quote,
        created_by=researcher,
    )
    row.update(overrides)
    return row


# --- sources ----------------------------------------------------------------------


def test_source_constraints():
    refused(Source.objects.create, title="", text="Some text.")
    refused(Source.objects.create, title="T", text="")
    refused(Source.objects.create, title="T", text="Some text.", url="ftp://example.org/x")
    refused(Source.objects.create, title="T", text="Some text.", url="javascript:alert(1)")
    Source.objects.create(title="T", text="Some text.", url="https://example.org/x")


def test_source_text_is_normalised_and_hashed_on_save():
    source = make_source(text="Cafe\u0301\r\nsecond line\r")
    source.refresh_from_db()
    assert source.text == "Café\nsecond line\n"
    assert len(source.text_sha256) == 64


def test_source_with_nul_is_refused_and_not_saved():
    with pytest.raises(TextError, match="NUL"):
        Source.objects.create(title="Binary", text="abc\x00def")
    assert not Source.objects.filter(title="Binary").exists()
    with pytest.raises(ValidationError, match="NUL"):
        Source(title="Binary", text="abc\x00def").full_clean()


def test_source_url_must_be_http_or_https():
    with pytest.raises(ValidationError) as exc:
        Source(title="T", text="x", url="ftp://example.org/file").full_clean()
    assert "http:// or https://" in str(exc.value.message_dict["url"])


def test_deleting_a_source_that_statements_use_is_refused(source, speaker, researcher):
    make_statement(
        source=source, speaker=speaker, quote="the bridge was safe", created_by=researcher
    )
    with pytest.raises(ProtectedError):
        source.delete()
    assert Source.objects.filter(pk=source.pk).exists()


# --- actors --------------------------------------------------------------------------


def test_actor_and_alias_constraints(speaker):
    refused(Actor.objects.create, name="")
    refused(ActorAlias.objects.create, actor=speaker, name="")
    ActorAlias.objects.create(actor=speaker, name="the minister")
    refused(ActorAlias.objects.create, actor=speaker, name="the minister")
    # the same alias on another actor is fine: aliases are unique per actor
    ActorAlias.objects.create(actor=make_actor(), name="the minister")


def test_empty_names_are_refused_by_validation():
    with pytest.raises(ValidationError, match="cannot be empty"):
        Actor(name="   ", kind="person").full_clean()
    with pytest.raises(ValidationError, match="cannot be empty"):
        Claim(text=" ").full_clean()


def test_affiliation_constraints(speaker):
    party = make_actor("Party", kind="party")
    refused(Affiliation.objects.create, actor=speaker, role="member_of", target=speaker)
    Affiliation.objects.create(actor=speaker, role="member_of", target=party)
    refused(Affiliation.objects.create, actor=speaker, role="member_of", target=party)
    refused(
        Affiliation.objects.create,
        actor=speaker,
        role="leader_of",
        target=party,
        start_date=datetime.date(2020, 1, 2),
        end_date=datetime.date(2020, 1, 1),
    )
    with pytest.raises(ValidationError, match="itself"):
        Affiliation(actor=speaker, role="part_of", target=speaker).full_clean()


def test_deleting_an_actor_that_statements_use_is_refused(source, speaker, researcher):
    via = make_actor("Spokesman")
    make_statement(
        source=source, speaker=speaker, via=via, quote="the bridge was safe", created_by=researcher
    )
    with pytest.raises(ProtectedError):
        speaker.delete()
    with pytest.raises(ProtectedError):
        via.delete()
    assert Actor.objects.filter(pk__in=[speaker.pk, via.pk]).count() == 2


# --- claims ----------------------------------------------------------------------------


def test_claim_constraints():
    refused(Claim.objects.create, text="")
    refused(Claim.objects.create, text="P", verdict="false", rationale="")
    Claim.objects.create(text="P", verdict="false", rationale="The records show otherwise.")


def test_deleting_a_claim_that_statements_use_is_refused(source, speaker, researcher):
    claim = make_claim()
    make_statement(
        source=source, speaker=speaker, claim=claim, quote="the bridge", created_by=researcher
    )
    with pytest.raises(ProtectedError):
        claim.delete()


# --- statements --------------------------------------------------------------------------


def test_statement_constraints(source, speaker, researcher):
    claim = make_claim()

    def bad(**overrides):
        refused(Statement.objects.create, **statement_row(source, speaker, researcher, **overrides))

    bad(start=10, end=10, exact="")  # empty span
    bad(start=20, end=10)  # reversed
    bad(start=-1, end=len("the bridge was safe") - 1)  # negative offset
    bad(exact="the bridge")  # quote length does not match the span
    bad(claim=claim, stance="")  # a claim needs a stance
    bad(stance="asserts")  # a stance needs a claim
    bad(via=speaker)  # not via oneself
    Statement.objects.create(**statement_row(source, speaker, researcher))


def test_statement_span_outside_the_text_is_refused_with_a_message(source, speaker, researcher):
    n = len(source.text)
    st = Statement(**statement_row(source, speaker, researcher, start=n - 2, end=n + 3))
    st.exact = "x" * 5
    with pytest.raises(ValidationError) as exc:
        st.full_clean()
    assert "past the end of the text" in str(exc.value.message_dict["exact"])


def test_statement_reversed_span_is_refused_with_a_message(source, speaker, researcher):
    st = Statement(**statement_row(source, speaker, researcher, start=10, end=4, exact="x"))
    with pytest.raises(ValidationError, match="empty or reversed"):
        st.full_clean()


def test_statement_quote_that_does_not_match_shows_what_the_text_says(source, speaker, researcher):
    row = statement_row(source, speaker, researcher)
    row["exact"] = "the bridge was SAFE"
    with pytest.raises(ValidationError) as exc:
        Statement(**row).full_clean()
    message = exc.value.message_dict["exact"][0]
    assert "the text there reads “the bridge was safe”" in message
    assert "the quote is “the bridge was SAFE”" in message


def test_statement_clean_fills_prefix_and_suffix(source, speaker, researcher):
    st = Statement(**statement_row(source, speaker, researcher))
    st.full_clean()
    assert source.text[: st.start].endswith(st.prefix) and st.prefix
    assert source.text[st.end :].startswith(st.suffix) and st.suffix


def test_statement_version_goes_up_on_every_save(source, speaker, researcher):
    st = make_statement(source=source, speaker=speaker, quote="the bridge", created_by=researcher)
    assert st.version == 1
    st.summary = "changed"
    st.save()
    st.save(update_fields=["summary"])
    st.refresh_from_db()
    assert st.version == 3
    assert st.history.count() == 3


# --- contradictions ------------------------------------------------------------------------


@pytest.fixture
def pair(source, speaker, researcher):
    critic = make_actor("Critics")
    a = make_statement(
        source=source, speaker=speaker, quote="the bridge was safe", created_by=researcher
    )
    b = make_statement(
        source=source, speaker=critic, quote="the bridge was not safe", created_by=researcher
    )
    return a, b


def test_contradiction_never_joins_a_statement_to_itself(pair):
    a, _ = pair
    refused(Contradiction.objects.create, first=a, second=a, kind="denial")
    with pytest.raises(ValidationError, match="cannot contradict itself"):
        Contradiction(first=a, second=a, kind="denial").clean()


def test_contradiction_pair_is_linked_once_either_way_round(pair):
    a, b = pair
    make_contradiction(a, b)
    refused(Contradiction.objects.create, first=a, second=b, kind="tension")
    refused(Contradiction.objects.create, first=b, second=a, kind="rebuttal")
    with pytest.raises(ValidationError, match="already linked"):
        Contradiction(first=b, second=a, kind="rebuttal").clean()
    assert Contradiction.objects.count() == 1


def test_reviewed_contradiction_needs_a_review_date(pair):
    a, b = pair
    refused(Contradiction.objects.create, first=a, second=b, kind="denial", status="confirmed")


def test_deleting_a_statement_removes_its_contradictions(pair):
    a, b = pair
    make_contradiction(a, b)
    a.delete()
    assert not Contradiction.objects.exists()


# --- notes -----------------------------------------------------------------------------------


def test_note_is_on_exactly_one_target(pair, researcher):
    a, b = pair
    claim = make_claim()
    contradiction = make_contradiction(a, b)
    refused(Note.objects.create, author=researcher, body="On nothing")
    refused(
        Note.objects.create,
        author=researcher,
        body="On both",
        claim=claim,
        contradiction=contradiction,
    )
    refused(Note.objects.create, author=researcher, body="", claim=claim)
    Note.objects.create(author=researcher, body="Fine", claim=claim)


# --- changing a source's text --------------------------------------------------------------


def test_source_update_text_moves_refound_statements_and_flags_lost_ones(source, researcher):
    kept = make_statement(source=source, quote="the cracks were old", created_by=researcher)
    lost = make_statement(source=source, quote="Critics said", created_by=researcher)
    text = "Breaking 😀.\n\n" + source.text.replace("Critics said", "Others claimed")
    result = source_update_text(source=source, text=text.replace("\n", "\r\n"), user=researcher)
    assert result.lost == [lost.pk]
    source.refresh_from_db()
    assert source.text == text
    kept.refresh_from_db()
    lost.refresh_from_db()
    assert source.text[kept.start : kept.end] == kept.exact == "the cracks were old"
    assert kept.anchor_status == "ok" and kept.version == 2
    assert source.text[: kept.start].endswith(kept.prefix)
    assert lost.anchor_status == "lost"
    assert (lost.exact, lost.version) == ("Critics said", 2)
    assert kept.history.first().history_change_reason.startswith("re-anchored")


def test_source_update_text_refuses_nul_and_changes_nothing(source, researcher):
    st = make_statement(source=source, quote="the cracks were old", created_by=researcher)
    before = (source.text, source.version)
    with pytest.raises(ValidationError, match="NUL"):
        source_update_text(source=source, text="new\x00text", user=researcher)
    source.refresh_from_db()
    st.refresh_from_db()
    assert (source.text, source.version) == before
    assert st.version == 1 and st.anchor_status == "ok"
