"""Recording, editing and deleting statements in the workspace; pickers made in place."""

from __future__ import annotations

import html
import json

import pytest
from django.urls import reverse

from claims import anchoring
from claims.models import Actor, Claim, Contradiction, Statement
from claims.services.disputes import claim_refresh_status
from tests.conftest import HTMX
from tests.factories import (
    make_actor,
    make_claim,
    make_contradiction,
    make_source,
    make_statement,
)

pytestmark = pytest.mark.django_db

EMOJI_TEXT = "Intro 😀😀 line.\nAl-Maliki 👍🏽 said: “قال الصدر” and e\u0301 too.\nThe end."


def new_url(source) -> str:
    return reverse("claims:statement_create", args=[source.pk])


def selection(text: str, quote: str, occurrence: int = 0) -> dict:
    """What annotate.js posts for a selection of `quote`: UTF-16 offsets and context."""
    start = anchoring.occurrences(text, quote)[occurrence]
    end = start + len(quote)
    return {
        "start": anchoring.cp_to_utf16(text, start),
        "end": anchoring.cp_to_utf16(text, end),
        "exact": quote,
        "prefix": text[max(0, start - 32) : start],
        "suffix": text[end : end + 32],
        "offsets_unit": "utf16",
    }


def post_data(text: str, quote: str, **fields) -> dict:
    return {**selection(text, quote), "reporting": "reported", **fields}


def body(response) -> str:
    return html.unescape(response.content.decode())


# --- recording ---------------------------------------------------------------------


def test_utf16_selection_is_stored_as_exact_code_points(researcher_client, researcher):
    source = make_source(text=EMOJI_TEXT)
    speaker = make_actor("Nuri al-Maliki")
    quote = "👍🏽 said: “قال الصدر” and e\u0301"
    quote = anchoring.normalize_text(quote)
    data = post_data(source.text, quote, speaker=speaker.pk)
    assert data["start"] != source.text.index(quote)  # astral characters shift UTF-16 offsets
    response = researcher_client.post(new_url(source), data, headers=HTMX)
    assert response.status_code == 201, body(response)
    statement = Statement.objects.get()
    assert source.text[statement.start : statement.end] == statement.exact == quote
    assert statement.created_by == researcher and statement.speaker == speaker
    assert statement.prefix == source.text[max(0, statement.start - 32) : statement.start]
    trigger = json.loads(response["HX-Trigger"])
    assert trigger == {"statementsChanged": {"id": statement.pk}}
    assert f'id="saved-statement-{statement.pk}"' in response.content.decode()
    assert "<html" not in response.content.decode()


def test_crlf_source_anchors_on_the_normalised_text(researcher_client):
    source = make_source(text="First line\r\nSecond “line” here\r\nThird")
    assert "\r" not in source.text
    data = post_data(source.text, "“line” here\nThird", speaker=make_actor().pk)
    response = researcher_client.post(new_url(source), data)
    statement = Statement.objects.get()
    assert response.status_code == 302 and response.url == statement.get_absolute_url()
    assert statement.exact == "“line” here\nThird"


def test_wrong_offsets_with_a_unique_quote_find_the_quote(researcher_client):
    source = make_source()
    data = post_data(source.text, "An engineer said", speaker=make_actor().pk)
    data.update(start=0, end=5)
    assert researcher_client.post(new_url(source), data).status_code == 302
    statement = Statement.objects.get()
    assert source.text[statement.start : statement.end] == "An engineer said"


def test_the_second_occurrence_is_kept_when_selected(researcher_client):
    source = make_source()  # "The minister said the bridge was safe." occurs twice
    quote = "The minister said the bridge was safe."
    data = {**selection(source.text, quote, occurrence=1), "reporting": "reported"}
    data["speaker"] = make_actor().pk
    assert researcher_client.post(new_url(source), data).status_code == 302
    assert Statement.objects.get().start == anchoring.occurrences(source.text, quote)[1]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"exact": "words that are not in the text"}, "does not occur in the text"),
        (
            {"exact": "The minister said", "start": "", "end": "", "prefix": "", "suffix": ""},
            "occurs 2 times",
        ),
        ({"exact": ""}, "Select the words"),
        ({"start": 7, "end": 10_000}, None),  # out of range offsets: the quote is found instead
    ],
)
def test_a_selection_that_cannot_be_placed_is_refused(researcher_client, change, message):
    source = make_source()
    data = post_data(source.text, "Critics said", speaker=make_actor().pk)
    data.update(change)
    response = researcher_client.post(new_url(source), data, headers=HTMX)
    if message is None:
        assert response.status_code == 201
        return
    assert response.status_code == 422
    assert message in body(response)
    assert (
        "data-statement-form" in response.content.decode()
        and "<html" not in response.content.decode()
    )
    assert not Statement.objects.exists()


def test_a_surrogate_split_offset_is_not_saved_inside_a_character(researcher_client):
    source = make_source(text="A 😀 B 😀 C")
    data = {
        "exact": "😀 B",
        "start": 3,  # inside the first emoji's surrogate pair
        "end": 7,
        "offsets_unit": "utf16",
        "reporting": "reported",
        "speaker": make_actor().pk,
    }
    assert researcher_client.post(new_url(source), data).status_code == 302
    statement = Statement.objects.get()
    assert (statement.start, statement.end, statement.exact) == (2, 5, "😀 B")


@pytest.mark.parametrize(
    ("fields", "field_error"),
    [
        ({}, "Choose who said it"),
        ({"stance": "denies"}, "A stance needs a claim"),
        ({"claim_new_text": "The bridge is safe."}, "Say whether the statement asserts"),
        ({"via_same": True}, "via themselves"),
        ({"said_on": "not a date"}, "Enter a valid date"),
        ({"reporting": "shouted"}, "Select a valid choice"),
        # chosen rows that are not there, or no key at all (claims.compiled.by_pk)
        ({"via": "999999"}, "Select a valid choice"),
        ({"via": "abc"}, "Select a valid choice"),
        ({"via": str(10**30)}, "Select a valid choice"),
        ({"claim": "-1", "stance": "asserts"}, "Select a valid choice"),
        ({"claim": "1\x00", "stance": "asserts"}, "Null characters are not allowed"),
    ],
)
def test_bad_statement_input_gets_a_form_error(researcher_client, fields, field_error):
    source = make_source()
    speaker = make_actor()
    data = post_data(source.text, "Critics said")
    if fields:
        data["speaker"] = speaker.pk
    if fields.pop("via_same", False):
        data["via"] = speaker.pk
    data.update(fields)
    response = researcher_client.post(new_url(source), data, headers=HTMX)
    assert response.status_code == 422
    assert field_error in body(response)
    assert not Statement.objects.exists() and not Claim.objects.exists()


def test_new_speaker_via_and_claim_are_made_with_the_statement(researcher_client, researcher):
    source = make_source()
    existing = make_actor("Saleh al-Ageili")
    data = post_data(
        source.text,
        "Critics said",
        speaker_new_name="  Muqtada   al-Sadr ",
        speaker_new_kind="person",
        via_new_name="saleh al-ageili",  # an existing actor, by name: reused, not duplicated
        claim_new_text="The bridge is unsafe.",
        stance="asserts",
    )
    assert researcher_client.post(new_url(source), data).status_code == 302
    statement = Statement.objects.select_related("speaker", "claim").get()
    assert (
        statement.speaker.name == "Muqtada al-Sadr" and statement.speaker.created_by == researcher
    )
    assert statement.via == existing
    assert statement.claim.text == "The bridge is unsafe." and statement.stance == "asserts"
    assert Actor.objects.count() == 2


def test_opposite_stances_make_the_claim_disputed(researcher_client, researcher):
    source = make_source()
    claim = make_claim()
    make_statement(
        source=source,
        quote="The minister said",
        claim=claim,
        stance="asserts",
        created_by=researcher,
    )
    data = post_data(
        source.text, "Critics said", speaker=make_actor().pk, claim=claim.pk, stance="denies"
    )
    assert researcher_client.post(new_url(source), data).status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DISPUTED


def test_who_may_record_statements(anon_client, outsider_client, researcher_client):
    source = make_source()
    data = post_data(source.text, "Critics said", speaker=make_actor().pk)
    response = anon_client.post(new_url(source), data)
    assert response.status_code == 302 and "/login/" in response.url
    assert outsider_client.post(new_url(source), data).status_code == 403
    assert researcher_client.post(new_url(source), data, csrf=False).status_code == 403
    assert not Statement.objects.exists()
    assert researcher_client.post(new_url(source), data).status_code == 302


def test_a_statement_on_a_missing_source_is_404(researcher_client):
    source = make_source()
    data = post_data(source.text, "Critics said", speaker=make_actor().pk)
    missing = reverse("claims:statement_create", args=[source.pk + 1000])
    assert researcher_client.post(missing, data, headers=HTMX).status_code == 404
    assert researcher_client.post(missing, {}, headers=HTMX).status_code == 404
    assert not Statement.objects.exists()


def test_the_plain_form_page_works_without_javascript(researcher_client):
    source = make_source()
    response = researcher_client.get(new_url(source))
    assert response.status_code == 200 and "<html" in response.content.decode()
    data = {"exact": "An engineer said the cracks were old.", "reporting": "reported"}
    data["speaker_new_name"] = "Eng. Ana"
    response = researcher_client.post(new_url(source), data)
    assert response.status_code == 302
    assert Statement.objects.get().exact == "An engineer said the cracks were old."


# --- a card, editing, deleting ----------------------------------------------------------------


@pytest.fixture
def recorded(researcher):
    source = make_source()
    claim = make_claim("The bridge is safe.")
    return make_statement(
        source=source,
        quote="The minister said the bridge was safe.",
        speaker=make_actor("The minister"),
        claim=claim,
        stance="asserts",
        created_by=researcher,
    )


def edit_url(statement) -> str:
    return reverse("claims:statement_edit", args=[statement.pk])


def delete_url(statement) -> str:
    return reverse("claims:statement_delete", args=[statement.pk])


def edit_data(statement, **changes) -> dict:
    data = {
        "speaker": statement.speaker_id,
        "via": statement.via_id or "",
        "reporting": statement.reporting,
        "claim": statement.claim_id or "",
        "stance": statement.stance,
        "said_on": "",
        "summary": statement.summary,
        "version": statement.version,
    }
    data.update(changes)
    return data


def test_card_fragment_and_plain_redirect(researcher_client, recorded):
    url = reverse("claims:statement_card", args=[recorded.pk])
    response = researcher_client.get(url, headers=HTMX)
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert f'id="statement-{recorded.pk}"' in response.content.decode()
    focus = researcher_client.get(url, {"slot": "focus"}, headers=HTMX).content.decode()
    assert f'id="focus-statement-{recorded.pk}"' in focus
    response = researcher_client.get(url)
    assert response.status_code == 302 and response.url == recorded.get_absolute_url()


def test_edit_controls_only_for_the_creator_or_an_editor(
    researcher_client, other_researcher_client, editor_client, recorded
):
    page = recorded.source.get_absolute_url()
    assert edit_url(recorded) in researcher_client.get(page).content.decode()
    assert edit_url(recorded) in editor_client.get(page).content.decode()
    other = other_researcher_client.get(page).content.decode()
    assert edit_url(recorded) not in other and delete_url(recorded) not in other
    assert "Contradicts…" in other


def test_the_creator_edits_in_place(researcher_client, recorded):
    form = researcher_client.get(edit_url(recorded), headers=HTMX)
    assert form.status_code == 200 and "<html" not in form.content.decode()
    new_claim = make_claim("The bridge is closed.")
    data = edit_data(recorded, claim=new_claim.pk, stance="denies", summary="Changed.")
    response = researcher_client.post(edit_url(recorded), data, headers=HTMX)
    assert response.status_code == 200
    assert (
        response["HX-Retarget"] == "closest .statement-card"
        and response["HX-Reswap"] == "outerHTML"
    )
    assert json.loads(response["HX-Trigger"]) == {"statementsChanged": {"id": recorded.pk}}
    recorded.refresh_from_db()
    assert (recorded.claim, recorded.stance, recorded.summary) == (new_claim, "denies", "Changed.")
    assert recorded.version == 2
    assert recorded.start == 0  # the span never moves in an edit


def test_edit_refreshes_old_and_new_claim_status(researcher_client, researcher, recorded):
    old_claim = recorded.claim
    make_statement(
        source=recorded.source,
        quote="Critics said",
        claim=old_claim,
        stance="denies",
        created_by=researcher,
    )
    recorded.refresh_from_db()
    claim_refresh_status(claim=old_claim)
    old_claim.refresh_from_db()
    assert old_claim.status == Claim.Status.DISPUTED
    new_claim = make_claim()
    data = edit_data(recorded, claim=new_claim.pk, stance="asserts")
    assert researcher_client.post(edit_url(recorded), data).status_code == 302
    old_claim.refresh_from_db()
    assert old_claim.status == Claim.Status.OPEN


def test_a_statement_moved_to_a_claim_it_contradicts_makes_that_claim_disputed(
    researcher_client, researcher, recorded
):
    other = make_claim()
    make_statement(
        source=recorded.source,
        quote="Critics said",
        claim=other,
        stance="denies",
        created_by=researcher,
    )
    data = edit_data(recorded, claim=other.pk, stance="asserts")
    assert researcher_client.post(edit_url(recorded), data).status_code == 302
    other.refresh_from_db()
    assert other.status == Claim.Status.DISPUTED


def test_others_may_not_edit_or_delete(other_researcher_client, outsider_client, recorded):
    for client in (other_researcher_client, outsider_client):
        assert client.get(edit_url(recorded)).status_code == 403
        assert client.get(delete_url(recorded)).status_code == 403
        assert client.post(edit_url(recorded), edit_data(recorded, summary="x")).status_code == 403
        assert client.post(delete_url(recorded), {"version": recorded.version}).status_code == 403
    recorded.refresh_from_db()
    assert recorded.summary == "" and recorded.version == 1


def test_an_editor_may_edit_anyones_statement(editor_client, recorded):
    response = editor_client.post(edit_url(recorded), edit_data(recorded, summary="By the editor."))
    assert response.status_code == 302
    recorded.refresh_from_db()
    assert recorded.summary == "By the editor."


def test_edit_refuses_a_forged_request(researcher_client, recorded):
    response = researcher_client.post(
        edit_url(recorded), edit_data(recorded, summary="x"), csrf=False
    )
    assert response.status_code == 403


def test_a_stale_edit_is_refused_with_both_versions(researcher_client, editor, recorded):
    opened_version = recorded.version
    recorded.summary = "The editor's summary."
    recorded.save()
    data = edit_data(recorded, summary="My summary.", version=opened_version)
    response = researcher_client.post(edit_url(recorded), data, headers=HTMX)
    assert response.status_code == 409
    text = body(response)
    assert "Someone changed this statement" in text
    assert "The editor's summary." in text and "My summary." in text
    assert f'name="version" value="{recorded.version}"' in response.content.decode()
    assert "My summary.</textarea>" in response.content.decode()  # yours, kept in the form
    recorded.refresh_from_db()
    assert recorded.summary == "The editor's summary."
    plain = researcher_client.post(edit_url(recorded), data)
    assert plain.status_code == 409 and "<html" in plain.content.decode()


def test_bad_edit_input_gets_422(researcher_client, recorded):
    data = edit_data(recorded, stance="")
    response = researcher_client.post(edit_url(recorded), data, headers=HTMX)
    assert response.status_code == 422 and "Say whether" in body(response)


def test_delete_in_place_removes_links_and_refreshes_claims(
    researcher_client, researcher, recorded
):
    other = make_statement(
        source=recorded.source,
        quote="Critics said",
        claim=recorded.claim,
        stance="denies",
        created_by=researcher,
    )
    make_contradiction(other, recorded, claim=recorded.claim)
    claim = recorded.claim
    claim_refresh_status(claim=claim)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DISPUTED
    confirm = researcher_client.get(delete_url(recorded), headers=HTMX)
    assert "1 contradiction link" in confirm.content.decode()
    response = researcher_client.post(
        delete_url(recorded), {"version": recorded.version}, headers=HTMX
    )
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"])["statementsChanged"]["deleted"] is True
    assert not Statement.objects.filter(pk=recorded.pk).exists()
    assert not Contradiction.objects.exists()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.OPEN


def test_delete_plain_redirects_and_refuses_stale_or_forged(researcher_client, recorded):
    assert (
        researcher_client.post(
            delete_url(recorded), {"version": recorded.version}, csrf=False
        ).status_code
        == 403
    )
    assert researcher_client.post(delete_url(recorded), {"version": 99}).status_code == 409
    assert researcher_client.post(delete_url(recorded), {"version": "x"}).status_code == 409
    response = researcher_client.post(delete_url(recorded), {"version": recorded.version})
    assert response.status_code == 302 and response.url == recorded.source.get_absolute_url()
    assert not Statement.objects.exists()


def test_an_editor_may_delete_anyones_statement(editor_client, recorded):
    assert (
        editor_client.post(delete_url(recorded), {"version": recorded.version}).status_code == 302
    )


# --- speaker, via and claim pickers ---------------------------------------------------------------


def test_actor_options_find_by_name_and_alias(researcher_client):
    maliki = make_actor("Nuri al-Maliki")
    maliki.aliases.create(name="the prime minister")
    make_actor("Muqtada al-Sadr")
    url = reverse("claims:actor_options")
    by_alias = researcher_client.get(
        url, {"field": "speaker", "speaker_q": "prime min"}, headers=HTMX
    )
    text = by_alias.content.decode()
    assert (
        f'<option value="{maliki.pk}" selected>Nuri al-Maliki (the prime minister)</option>' in text
    )
    assert "al-Sadr" not in text
    via = researcher_client.get(
        url, {"field": "via", "via_q": "nobody here"}, headers=HTMX
    ).content.decode()
    assert via == '<option value="">— nobody —</option>'


@pytest.mark.parametrize("rows", [5, 50])
def test_actor_options_query_count(researcher_client, django_assert_num_queries, rows):
    for i in range(rows):
        make_actor(f"Actor {i}").aliases.create(name=f"Alias {i}")
    with django_assert_num_queries(3):  # the user with their permissions, actors, aliases
        researcher_client.get(reverse("claims:actor_options"), {"speaker_q": "Actor"}, headers=HTMX)


def test_create_an_actor_in_place(researcher_client, researcher, outsider_client):
    url = reverse("claims:actor_quick_create") + "?field=via&prefix=new_"
    response = researcher_client.post(
        url, {"via_new_name": "Saleh al-Ageili", "via_new_kind": "person"}, headers=HTMX
    )
    actor = Actor.objects.get()
    assert response.status_code == 200 and actor.created_by == researcher
    assert f'<option value="{actor.pk}" selected>' in response.content.decode()
    assert 'id="new_via"' in response.content.decode()
    again = researcher_client.post(url, {"via_new_name": "saleh AL-AGEILI"}, headers=HTMX)
    assert "already existed" in again.content.decode() and Actor.objects.count() == 1
    empty = researcher_client.post(url, {"via_new_name": "   "}, headers=HTMX)
    assert empty.status_code == 422 and "This field is required" in empty.content.decode()
    bad_kind = researcher_client.post(
        url, {"via_new_name": "X", "via_new_kind": "alien"}, headers=HTMX
    )
    assert bad_kind.status_code == 422
    assert outsider_client.post(url, {"via_new_name": "Y"}).status_code == 403
    assert researcher_client.post(url, {"via_new_name": "Z"}, csrf=False).status_code == 403
    assert Actor.objects.count() == 1


def test_claim_options_and_create_in_place(researcher_client, outsider_client):
    c1 = make_claim("The Iraqi government sent envoys to al-Sadr.")
    make_claim("The offensive was a success.")
    options = researcher_client.get(
        reverse("claims:claim_options"), {"claim_q": "envoys"}, headers=HTMX
    )
    text = options.content.decode()
    assert f'<option value="{c1.pk}" selected>' in text and "success" not in text
    url = reverse("claims:claim_quick_create")
    response = researcher_client.post(
        url, {"claim_new_text": "Militias were targeted."}, headers=HTMX
    )
    claim = Claim.objects.get(text="Militias were targeted.")
    assert (
        response.status_code == 200
        and f'<option value="{claim.pk}" selected>' in response.content.decode()
    )
    assert researcher_client.post(url, {"claim_new_text": " "}, headers=HTMX).status_code == 422
    assert outsider_client.post(url, {"claim_new_text": "x"}).status_code == 403
    assert researcher_client.post(url, {"claim_new_text": "y"}, csrf=False).status_code == 403
    assert Claim.objects.count() == 3


@pytest.mark.parametrize("rows", [5, 50])
def test_form_fragments_query_counts(
    researcher_client, researcher, django_assert_num_queries, rows
):
    source = make_source()
    for i in range(rows):
        make_claim(f"Claim {i}")
    statement = make_statement(
        source=source, quote="Critics said", claim=make_claim(), created_by=researcher
    )
    with django_assert_num_queries(3):  # the user with their permissions, candidates, claims
        researcher_client.get(reverse("claims:claim_options"), {"claim_q": "Claim"}, headers=HTMX)
    # the user with their permissions, statement, chosen speaker + its aliases, chosen claim
    with django_assert_num_queries(5):
        researcher_client.get(edit_url(statement), headers=HTMX)
    card_url = reverse("claims:statement_card", args=[statement.pk])
    # the user with their permissions, card key (versions, link versions), card, links x2
    with django_assert_num_queries(6):
        researcher_client.get(card_url, headers=HTMX)
    with django_assert_num_queries(3):  # cached: only the key's two queries
        researcher_client.get(card_url, headers=HTMX)
    with django_assert_num_queries(4):  # the user with their permissions, card, links x2
        researcher_client.get(delete_url(statement), headers=HTMX)


def test_the_key_hint_offers_escape_only_where_escape_closes_the_form(researcher_client):
    """In the reading page the form sits in a slot that Escape empties; the standalone page
    (no JavaScript, a bookmark) has nothing to close, so its hint does not offer it."""
    source = make_source()
    page = body(researcher_client.get(new_url(source)))
    assert "Ctrl+Enter save" in page and "Esc close" not in page
    fragment = body(researcher_client.get(new_url(source), headers=HTMX))
    assert "Ctrl+Enter save · Esc close" in fragment
