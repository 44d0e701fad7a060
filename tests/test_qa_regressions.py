"""Regression tests for bugs found by QA: each test names the bug it pins."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from claims.models import Affiliation, Source
from claims.services.merges import actor_merge
from tests.factories import make_actor, make_source, make_statement

pytestmark = pytest.mark.django_db

HUGE_ID = "9" * 30  # beyond any database integer


@pytest.mark.parametrize("param", ["actor", "source", "claim"])
def test_review_filter_with_an_id_too_big_for_the_database_is_not_a_500(researcher_client, param):
    # Was: OverflowError ("Python int too large to convert to SQLite INTEGER") -> 500.
    response = researcher_client.get("/review/", {param: HUGE_ID})
    assert response.status_code == 200
    response = researcher_client.get("/review/", {param: HUGE_ID}, headers={"HX-Request": "true"})
    assert response.status_code == 200


def test_review_filter_with_the_largest_id_still_filters(researcher_client):
    response = researcher_client.get("/review/", {"actor": str(2**63 - 1)})
    assert response.status_code == 200
    assert "(gone)" in response.content.decode()


@pytest.fixture
def merged_world(researcher, editor):
    """An actor with a statement and an affiliation, merged into another actor: the
    statement's and affiliation's history rows still name the merged-away actor."""
    source = make_source()
    dup = make_actor("Maliki (duplicate)")
    kept = make_actor("Nuri al-Maliki")
    party = make_actor("Dawa Party", kind="party")
    statement = make_statement(
        source=source, quote="the bridge was safe", speaker=dup, created_by=researcher
    )
    affiliation = Affiliation.objects.create(actor=dup, target=party, role="member_of")
    actor_merge(merged_id=dup.pk, kept_id=kept.pk, user=editor)
    return {"statement": statement, "affiliation": affiliation, "dup_id": dup.pk}


def _admin_client(admin: User) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def test_admin_statement_history_after_actor_merge_is_not_a_500(admin, merged_world):
    # Was: Statement.__str__ read the speaker of an old history row, the merged-away
    # actor -> Actor.DoesNotExist -> 500 on the admin's history page.
    statement = merged_world["statement"]
    response = _admin_client(admin).get(f"/admin/claims/statement/{statement.pk}/history/")
    assert response.status_code == 200
    assert f"#{merged_world['dup_id']} (gone)" in response.content.decode()


def test_admin_affiliation_history_after_actor_merge_is_not_a_500(admin, merged_world):
    affiliation = merged_world["affiliation"]
    response = _admin_client(admin).get(f"/admin/claims/affiliation/{affiliation.pk}/history/")
    assert response.status_code == 200
    assert f"#{merged_world['dup_id']} (gone)" in response.content.decode()


def test_str_of_a_statement_and_affiliation_still_names_live_actors(merged_world):
    statement = merged_world["statement"]
    statement.refresh_from_db()
    assert str(statement).startswith("Nuri al-Maliki: “the bridge was safe")
    affiliation = merged_world["affiliation"]
    affiliation.refresh_from_db()
    assert str(affiliation) == "Nuri al-Maliki — member of — Dawa Party"


def test_empty_upload_gives_one_message_not_two_contradicting_ones(researcher_client):
    # Was: "The submitted file is empty." and, beside it, "Paste the text of the source
    # or upload a file." (the user had uploaded a file).
    response = researcher_client.post(
        "/sources/new/",
        {"title": "Empty", "kind": "article", "upload": SimpleUploadedFile("a.txt", b"")},
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert list(errors) == ["upload"]
    assert errors["upload"] == ["The submitted file is empty."]
    assert not Source.objects.filter(title="Empty").exists()


def _selection(source: Source, quote: str) -> dict:
    start = source.text.index(quote)
    end = start + len(quote)
    return {
        "exact": quote,
        "start": start,
        "end": end,
        "prefix": source.text[max(0, start - 32) : start],
        "suffix": source.text[end : end + 32],
        "offsets_unit": "cp",
    }


@pytest.mark.parametrize("htmx", [False, True])
def test_a_statement_form_sent_twice_records_one_statement(researcher_client, htmx):
    # Was: a double click or a resubmitted page recorded two identical statements.
    source = make_source()
    speaker = make_actor("The minister")
    data = {
        **_selection(source, "the bridge was safe"),
        "speaker": speaker.pk,
        "reporting": "reported",
    }
    headers = {"HX-Request": "true"} if htmx else {}
    url = f"/sources/{source.pk}/statements/new/"
    first = researcher_client.post(url, data, headers=headers)
    assert first.status_code == (201 if htmx else 302)
    second = researcher_client.post(url, data, headers=headers)
    assert second.status_code == 422
    assert "already recorded" in second.content.decode()
    assert source.statements.count() == 1


def test_another_speaker_or_stance_on_the_same_span_is_still_recorded(researcher_client):
    # A joint statement is one statement per speaker over the same span (DESIGN.md).
    source = make_source()
    url = f"/sources/{source.pk}/statements/new/"
    selection = _selection(source, "the bridge was safe")
    for name in ("The minister", "The mayor"):
        data = {**selection, "speaker": make_actor(name).pk, "reporting": "reported"}
        assert researcher_client.post(url, data).status_code == 302
    assert source.statements.count() == 2


def test_favicon_ico_is_not_a_404(anon_client):
    # Was: the admin's pages name no icon, so browsers asked for /favicon.ico -> 404 in
    # the console of every admin page.
    response = anon_client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("claims/favicon.svg")
    assert anon_client.get(response["Location"]).status_code == 200


def test_htmx_request_after_the_session_expired_sends_the_page_to_login(anon_client):
    # Was: htmx followed the login redirect and swapped the login page into the card
    # that asked (a login form inside a statement card, which could not log in).
    response = anon_client.get(
        "/statements/1/edit/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/sources/3/?page=2"},
    )
    assert response.status_code == 200
    assert "Location" not in response
    assert response["HX-Redirect"] == "/login/?next=/sources/3/%3Fpage%3D2"


def test_htmx_login_redirect_ignores_a_foreign_current_url(anon_client):
    response = anon_client.get(
        "/statements/1/edit/",
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/phish"},
    )
    assert response["HX-Redirect"] == "/login/?next=/"


def test_plain_request_without_a_session_still_redirects_to_login(anon_client):
    response = anon_client.get("/sources/3/?page=2")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/sources/3/%3Fpage%3D2"


def test_constraint_violations_read_as_sentences_not_constraint_names(researcher):
    # Was: the admin showed "Constraint “statement_span_ordered” is violated." (and the
    # like for every check constraint) beside, or instead of, a readable message.
    from django.core.exceptions import ValidationError

    from claims.models import Claim, Statement

    source = make_source()
    statement = Statement(
        source=source,
        speaker=make_actor(),
        start=5,
        end=3,
        exact="xx",
        created_by=researcher,
    )
    with pytest.raises(ValidationError) as caught:
        statement.validate_constraints()
    messages = caught.value.messages
    assert "The span is empty or reversed: its end must come after its start." in messages
    assert not any("is violated" in m for m in messages)

    claim = Claim(text="A proposition", verdict="false", rationale="")
    with pytest.raises(ValidationError) as caught:
        claim.validate_constraints()
    assert caught.value.messages == ["Give the rationale for the verdict."]


@pytest.mark.parametrize("htmx", [False, True])
def test_a_decision_refused_as_a_conflict_keeps_the_note_that_was_typed(
    editor_client, editor, researcher, htmx
):
    # Was: after "Someone decided this first" the review note textarea came back empty;
    # the editor had to type their note again to decide anew.
    from claims.services.review import contradiction_decide
    from tests.factories import make_contradiction

    source = make_source()
    first = make_statement(source=source, quote="the bridge was safe", created_by=researcher)
    second = make_statement(source=source, quote="the bridge was not safe", created_by=researcher)
    c = make_contradiction(first, second, proposed_by=researcher)
    opened = c.version
    contradiction_decide(
        contradiction_id=c.pk, user=editor, decision="confirm", note="", version=opened
    )
    headers = {"HX-Request": "true"} if htmx else {}
    response = editor_client.post(
        f"/review/contradictions/{c.pk}/decide/",
        {"decision": "reject", "note": "My careful reasons", "version": opened},
        headers=headers,
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert (
        'name="note" rows="2" placeholder="Why (required to reject)">My careful reasons</textarea>'
        in body
    )


def test_an_edit_conflict_shows_your_version_in_words_not_stored_values(
    researcher_client, researcher
):
    # Was: "Yours (not saved)" said "How reported: direct_quote" beside their "Direct quote".
    statement = make_statement(
        source=make_source(), quote="the bridge was safe", created_by=researcher
    )
    opened = statement.version
    statement.summary = "Someone else's summary."
    statement.save()
    data = {
        "speaker": statement.speaker_id,
        "reporting": "direct_quote",
        "summary": "Mine.",
        "version": opened,
    }
    response = researcher_client.post(
        f"/statements/{statement.pk}/edit/", data, headers={"HX-Request": "true"}
    )
    assert response.status_code == 409
    html = response.content.decode()  # the shared conflict partial: a "yours" column
    assert "Yours (not saved)" in html
    assert '<td class="yours">Direct quote</td>' in html
    assert '<td class="yours">direct_quote</td>' not in html


def test_fragment_urls_opened_as_pages_lead_to_the_page(researcher_client):
    # Was: /sources/N/cards/ and /sources/N/text/ opened in a tab showed a bare fragment
    # without navigation, styles' page frame or title.
    source = make_source()
    cards = researcher_client.get(f"/sources/{source.pk}/cards/", {"page": "2"})
    assert cards.status_code == 302
    assert cards["Location"] == f"/sources/{source.pk}/?page=2"
    text = researcher_client.get(f"/sources/{source.pk}/text/")
    assert text.status_code == 302
    assert text["Location"] == f"/sources/{source.pk}/"
    fragment = researcher_client.get(f"/sources/{source.pk}/cards/", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()


# --- issue 7.6 and 7.7: the admin's history is read-only, its lookups are the offered ones ---


@pytest.mark.parametrize(
    "query",
    ["text__regex=(", "title__regex=[", "created_by__password__startswith=pbkdf2", "nope=1"],
)
def test_admin_changelist_refuses_lookups_it_does_not_offer_with_a_400(admin_client, query):
    # Was: ?text__regex=( reached the database -> 500.
    make_source(title="Dam report")
    response = admin_client.get(f"/admin/claims/source/?{query}")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "query", ["kind__exact=article", "language=en", "published_on__gte=2008-01-01"]
)
def test_admin_changelist_accepts_the_filters_it_offers(admin_client, query):
    make_source(title="Dam report")
    response = admin_client.get(f"/admin/claims/source/?{query}")
    assert response.status_code == 200


def test_admin_history_cannot_be_reverted_and_versions_only_increase(admin_client, admin):
    # Was: posting the history page's form reverted the record, its version going back,
    # so an old open form passed the conflict check again.
    actor = make_actor("Muqtada al-Sadr")
    change = f"/admin/claims/actor/{actor.pk}/change/"
    form = admin_client.get(change).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "id"}
    data.update(
        name="Muqtada al-Sadr (cleric)",
        kind=actor.kind,
        version=actor.version,
        **{
            f"{prefix}-{key}": "0"
            for prefix in ("aliases", "affiliations")
            for key in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
    )
    response = admin_client.post(change, data)
    actor.refresh_from_db()
    assert actor.name == "Muqtada al-Sadr (cleric)", response.content.decode()[:2000]
    assert actor.version == 2
    first = actor.history.order_by("history_id").first()
    revert = f"/admin/claims/actor/{actor.pk}/history/{first.history_id}/"
    assert admin_client.get(revert).status_code == 200
    response = admin_client.post(revert, {"name": "Muqtada al-Sadr", "version": "1"})
    assert response.status_code == 405
    actor.refresh_from_db()
    assert (actor.name, actor.version) == ("Muqtada al-Sadr (cleric)", 2)


def test_admin_history_page_has_no_inline_style_for_the_csp(admin_client):
    actor = make_actor("Nuri al-Maliki")
    response = admin_client.get(f"/admin/claims/actor/{actor.pk}/history/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "style=" not in html
    assert "<script>" not in html
    assert "Nuri al-Maliki" in html
