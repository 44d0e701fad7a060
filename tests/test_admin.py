"""The admin: every page answers, changelists run a fixed number of queries, and
data entered there is checked (spans against the text, text normalised and re-anchored)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

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
from tests.domain import MODELS
from tests.factories import make_actor, make_claim, make_source, make_statement

pytestmark = pytest.mark.django_db


def url(model, view: str, *args) -> str:
    return reverse(f"admin:claims_{model._meta.model_name}_{view}", args=args)


def world(n: int, user) -> None:
    """n rows of every model, related to each other as real data is."""
    actors = [make_actor(f"Actor {i} of {n}", kind="person") for i in range(max(n, 3))]
    for i, actor in enumerate(actors):
        ActorAlias.objects.create(actor=actor, name=f"alias {i}")
        ActorAlias.objects.create(actor=actor, name=f"other alias {i}")
        Affiliation.objects.create(
            actor=actor, role="member_of", target=actors[(i + 1) % len(actors)]
        )
    now = timezone.now()
    for i in range(n):
        source = make_source(created_by=user)
        claim = make_claim(assigned_to=user)
        a = make_statement(
            source=source,
            quote="the bridge was safe",
            speaker=actors[i],
            via=actors[(i + 1) % len(actors)],
            claim=claim,
            created_by=user,
        )
        b = make_statement(
            source=source,
            quote="the bridge was not safe",
            speaker=actors[(i + 2) % len(actors)],
            claim=claim,
            stance="denies",
            created_by=user,
        )
        reviewed = i % 2 == 0
        contradiction = Contradiction.objects.create(
            first=b,
            second=a,
            kind="denial",
            claim=claim,
            status="confirmed" if reviewed else "proposed",
            proposed_by=user,
            reviewed_by=user if reviewed else None,
            reviewed_at=now if reviewed else None,
        )
        if i % 2:
            Note.objects.create(author=user, body=f"Note {i}", claim=claim)
        else:
            Note.objects.create(author=user, body=f"Note {i}", contradiction=contradiction)


def admin_form_data(response) -> dict:
    """The POST data a browser would send back for a rendered admin change form."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None:
                continue
            if isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
                continue
            if isinstance(value, datetime.date):
                value = value.isoformat()
            data[form.add_prefix(name)] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


# --- every page answers ---------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_admin_page_answers_for_an_admin(admin_client, admin, model):
    world(2, admin)
    obj = model.objects.first()
    for page in (
        url(model, "changelist"),
        url(model, "add"),
        url(model, "change", obj.pk),
        url(model, "history", obj.pk),
        url(model, "delete", obj.pk),
    ):
        assert admin_client.get(page).status_code == 200, page


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_admin_page_redirects_an_anonymous_user(anon_client, admin, model):
    world(1, admin)
    obj = model.objects.first()
    for page in (url(model, "changelist"), url(model, "add"), url(model, "change", obj.pk)):
        response = anon_client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("login") + "?next=")


def test_admin_refuses_a_researcher(researcher_client, admin):
    world(1, admin)
    response = researcher_client.get(url(Source, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- fixed query counts --------------------------------------------------------------------

# user (the session comes from its cache), count, full count, rows (+ one list filter's values for Source, + the
# prefetched aliases for Actor): the same at 5 and at 50 rows.
CHANGELIST_QUERIES = {
    Source: 5,
    Actor: 5,
    ActorAlias: 4,
    Affiliation: 4,
    Claim: 4,
    Statement: 4,
    Contradiction: 4,
    Note: 4,
}


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_runs_a_fixed_number_of_queries(
    admin_client, admin, django_assert_num_queries, model, rows
):
    world(rows, admin)
    assert model.objects.count() >= rows
    with django_assert_num_queries(CHANGELIST_QUERIES[model]):
        response = admin_client.get(url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == model.objects.count()


@pytest.mark.parametrize(
    ("model", "fk"),
    [(Source, "source"), (Actor, "speaker"), (Claim, "claim")],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_changelist_counts_the_statements_of_each_row(admin_client, admin, model, fk):
    world(5, admin)
    rows = admin_client.get(url(model, "changelist")).context["cl"].result_list
    shown = {row.pk: row.statement_total for row in rows}
    assert shown == {row.pk: Statement.objects.filter(**{fk: row}).count() for row in rows}
    assert any(shown.values())


def test_changelist_search_with_a_join_keeps_its_query_count(admin_client, admin):
    world(5, admin)
    with CaptureQueriesContext(connection) as five:
        admin_client.get(url(Actor, "changelist"), {"q": "alias"})
    world(20, admin)
    with CaptureQueriesContext(connection) as more:
        admin_client.get(url(Actor, "changelist"), {"q": "alias"})
    assert len(five) == len(more)


# --- lists that tell records apart ---------------------------------------------------------


def test_actor_search_finds_an_actor_by_alias(admin_client):
    sadr = make_actor("Muqtada al-Sadr")
    ActorAlias.objects.create(actor=sadr, name="Al-Sadr")
    make_actor("Nuri al-Maliki")
    response = admin_client.get(url(Actor, "changelist"), {"q": "Al-Sadr"})
    assert list(response.context["cl"].result_list) == [sadr]
    assert response.context["cl"].result_list[0].statement_total == 0
    assert "Al-Sadr" in response.content.decode()


def test_actor_autocomplete_finds_by_alias(admin_client, admin):
    sadr = make_actor("Muqtada al-Sadr")
    ActorAlias.objects.create(actor=sadr, name="Sayyid Muqtada")
    make_statement(source=make_source(), quote="the bridge", speaker=sadr, created_by=admin)
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "claims",
            "model_name": "statement",
            "field_name": "speaker",
            "term": "Sayyid",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Muqtada al-Sadr"]


def test_contradiction_pages_show_both_quotes_and_speakers(admin_client, admin):
    world(1, admin)
    contradiction = Contradiction.objects.get()
    for page in (url(Contradiction, "changelist"), url(Contradiction, "change", contradiction.pk)):
        html = admin_client.get(page).content.decode()
        assert "the bridge was safe" in html
        assert "the bridge was not safe" in html
        assert contradiction.first.speaker.name in html
        assert contradiction.second.speaker.name in html


def test_admin_escapes_hostile_text(admin_client, admin):
    source = make_source(text="He said <script>alert(1)</script> and <img src=x onerror=alert(2)>.")
    speaker = make_actor("<b>Mallory</b>")
    st = make_statement(
        source=source, quote="<script>alert(1)</script>", speaker=speaker, created_by=admin
    )
    other = make_statement(source=source, quote="<img src=x onerror=alert(2)>", created_by=admin)
    contradiction = Contradiction.objects.create(first=st, second=other, kind="tension")
    html = admin_client.get(url(Contradiction, "change", contradiction.pk)).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Mallory</b>" not in html


# --- statements entered in the admin are checked against the text ---------------------------


def statement_post(source, speaker, **overrides):
    data = {
        "source": source.pk,
        "speaker": speaker.pk,
        "reporting": "reported",
        "exact": "the bridge was safe",
        "start": source.text.index("the bridge was safe"),
        "end": source.text.index("the bridge was safe") + len("the bridge was safe"),
        "summary": "",
    }
    data.update(overrides)
    return data


def test_statement_with_out_of_range_offsets_is_refused_with_a_message(admin_client):
    source, speaker = make_source(), make_actor()
    n = len(source.text)
    response = admin_client.post(
        url(Statement, "add"), statement_post(source, speaker, start=n - 3, end=n + 16)
    )
    assert response.status_code == 200
    assert f"past the end of the text ({n})" in response.content.decode()
    assert not Statement.objects.exists()


def test_statement_with_reversed_offsets_is_refused(admin_client):
    source, speaker = make_source(), make_actor()
    response = admin_client.post(
        url(Statement, "add"), statement_post(source, speaker, start=30, end=11)
    )
    assert "empty or reversed" in response.content.decode()
    assert not Statement.objects.exists()


def test_statement_whose_quote_does_not_match_shows_what_the_text_says(admin_client):
    source, speaker = make_source(), make_actor()
    start = source.text.index("Critics said")
    response = admin_client.post(
        url(Statement, "add"),
        statement_post(source, speaker, start=start, end=start + len("the bridge was safe")),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "the text there reads “Critics said the br”" in html
    assert not Statement.objects.exists()


def test_statement_added_in_the_admin_gets_its_anchor_and_creator(admin_client, admin):
    source, speaker = make_source(), make_actor()
    response = admin_client.post(url(Statement, "add"), statement_post(source, speaker))
    assert response.status_code == 302
    st = Statement.objects.get()
    assert st.created_by == admin
    assert st.prefix == source.text[: st.start][-32:]
    assert st.suffix == source.text[st.end :][:32]
    assert st.history.get().history_user == admin


def test_statement_offsets_may_be_left_empty_to_find_the_quote(admin_client):
    source, speaker = make_source(), make_actor()
    data = statement_post(source, speaker, start="", end="", exact="the cracks were old")
    assert admin_client.post(url(Statement, "add"), data).status_code == 302
    st = Statement.objects.get()
    assert source.text[st.start : st.end] == "the cracks were old"
    # a quote that occurs twice is refused rather than guessed
    data = statement_post(source, speaker, start="", end="", exact="The minister said")
    assert "occurs 2 times" in admin_client.post(url(Statement, "add"), data).content.decode()


def test_statement_audit_fields_are_read_only(admin_client, admin, researcher):
    st = make_statement(source=make_source(), quote="the bridge", created_by=researcher)
    form = admin_client.get(url(Statement, "change", st.pk)).context["adminform"].form
    for name in ("created_by", "created_at", "updated_at", "version", "prefix", "suffix"):
        assert name not in form.fields
    data = statement_post(st.source, st.speaker, created_by=admin.pk, version=99)
    admin_client.post(url(Statement, "change", st.pk), data)
    st.refresh_from_db()
    assert (st.created_by, st.version) == (researcher, 2)


# --- sources: text normalised, NUL refused, statements re-anchored ----------------------------


def source_post(**overrides):
    data = {
        "title": "Admin source",
        "kind": "article",
        "language": "en",
        "text": "First line\r\nCafe\u0301 said the bridge was safe.",
    }
    data.update(overrides)
    return data


def test_source_text_entered_in_the_admin_is_normalised(admin_client, admin):
    response = admin_client.post(url(Source, "add"), source_post())
    assert response.status_code == 302
    source = Source.objects.get()
    assert source.text == "First line\nCafé said the bridge was safe."
    assert source.created_by == admin


def test_source_text_with_nul_is_refused_with_a_message(admin_client):
    response = admin_client.post(url(Source, "add"), source_post(text="abc\x00def"))
    assert response.status_code == 200
    assert "NUL" in response.content.decode()
    assert not Source.objects.exists()


def test_editing_a_source_text_in_the_admin_reanchors_its_statements(admin_client, admin):
    source = make_source()
    kept = make_statement(source=source, quote="the cracks were old", created_by=admin)
    lost = make_statement(source=source, quote="Critics said", created_by=admin)
    data = admin_form_data(admin_client.get(url(Source, "change", source.pk)))
    new_text = "Update 😀: a new paragraph.\r\n\r\n" + source.text.replace(
        "Critics said", "Others noted"
    )
    data["text"] = new_text
    response = admin_client.post(url(Source, "change", source.pk), data, follow=True)
    assert response.status_code == 200
    assert "1 statement(s) could not be re-found" in response.content.decode()
    source.refresh_from_db()
    kept.refresh_from_db()
    lost.refresh_from_db()
    assert source.text == new_text.replace("\r\n", "\n")
    assert source.text[kept.start : kept.end] == "the cracks were old"
    assert kept.anchor_status == "ok"
    assert lost.anchor_status == "lost"
    assert source.history.first().history_user == admin


def test_saving_a_source_unchanged_keeps_its_statements_untouched(admin_client, admin):
    source = make_source()
    st = make_statement(source=source, quote="the cracks were old", created_by=admin)
    data = admin_form_data(admin_client.get(url(Source, "change", source.pk)))
    data["text"] = data["text"].replace("\n", "\r\n")  # browsers send CRLF
    assert admin_client.post(url(Source, "change", source.pk), data).status_code == 302
    st.refresh_from_db()
    assert st.version == 1


# --- review fields filled from the user ---------------------------------------------------------


def test_confirming_a_contradiction_in_the_admin_records_the_reviewer(admin_client, admin):
    world(1, admin)
    contradiction = Contradiction.objects.get()
    Contradiction.objects.filter(pk=contradiction.pk).update(
        status="proposed", reviewed_by=None, reviewed_at=None
    )
    Claim.objects.update(status="open")
    data = admin_form_data(admin_client.get(url(Contradiction, "change", contradiction.pk)))
    data["status"] = "confirmed"
    assert (
        admin_client.post(url(Contradiction, "change", contradiction.pk), data).status_code == 302
    )
    contradiction.refresh_from_db()
    assert contradiction.reviewed_by == admin and contradiction.reviewed_at is not None
    assert contradiction.claim.status == "disputed"


def test_contradiction_added_twice_either_way_round_is_refused(admin_client, admin):
    world(1, admin)
    existing = Contradiction.objects.get()
    data = {
        "first": existing.second_id,
        "second": existing.first_id,
        "kind": "rebuttal",
        "status": "proposed",
        "rationale": "",
        "review_note": "",
        "notes-TOTAL_FORMS": "0",
        "notes-INITIAL_FORMS": "0",
    }
    response = admin_client.post(url(Contradiction, "add"), data)
    assert response.status_code == 200
    assert "already linked" in response.content.decode()
    assert Contradiction.objects.count() == 1


def test_claim_verdict_needs_a_rationale(admin_client, admin):
    claim = make_claim()
    data = admin_form_data(admin_client.get(url(Claim, "change", claim.pk)))
    data["verdict"] = "false"
    response = admin_client.post(url(Claim, "change", claim.pk), data)
    assert "Give the rationale for the verdict." in response.content.decode()  # the one rule
    data["rationale"] = "The records show it."
    assert admin_client.post(url(Claim, "change", claim.pk), data).status_code == 302
    claim.refresh_from_db()
    assert (claim.verdict, claim.reviewed_by) == ("false", admin)


def test_note_added_in_the_admin_gets_its_author(admin_client, admin):
    claim = make_claim()
    response = admin_client.post(url(Note, "add"), {"claim": claim.pk, "body": "Check the date."})
    assert response.status_code == 302
    assert Note.objects.get().author == admin
    response = admin_client.post(url(Note, "add"), {"body": "On nothing"})
    assert "choose exactly one" in response.content.decode()


@pytest.mark.parametrize("model", [Claim, Contradiction], ids=lambda m: m.__name__)
def test_note_added_inline_gets_its_author_and_history_user(admin_client, admin, model):
    world(1, admin)
    Note.objects.all().delete()
    obj = model.objects.get() if model is Contradiction else model.objects.first()
    data = admin_form_data(admin_client.get(url(model, "change", obj.pk)))
    data.update({"notes-TOTAL_FORMS": "1", "notes-0-body": "Inline note."})
    assert admin_client.post(url(model, "change", obj.pk), data).status_code == 302
    note = Note.objects.get()
    assert (note.body, note.author) == ("Inline note.", admin)
    assert note.history.get().history_user == admin


# --- no lost updates ------------------------------------------------------------------------------


def test_a_change_made_meanwhile_is_not_overwritten(admin_client, admin):
    actor = make_actor("Nuri al-Maliki", description="Prime Minister")
    data = admin_form_data(admin_client.get(url(Actor, "change", actor.pk)))
    assert data["opened_version"] == 1
    actor.description = "Prime Minister of Iraq, 2006-2014"  # someone else saves first
    actor.save()
    data["description"] = "PM"
    response = admin_client.post(url(Actor, "change", actor.pk), data)
    assert response.status_code == 409  # a conflict, shown with the shared conflict partial
    html = response.content.decode()
    assert 'class="conflict"' in html
    assert "Someone else changed this record since you opened it" in html
    assert "yours “PM”, stored “Prime Minister of Iraq, 2006-2014”" in html
    actor.refresh_from_db()
    assert (actor.description, actor.version) == ("Prime Minister of Iraq, 2006-2014", 2)
    # reopened, the same edit goes through
    data = admin_form_data(admin_client.get(url(Actor, "change", actor.pk)))
    data["description"] = "PM"
    assert admin_client.post(url(Actor, "change", actor.pk), data).status_code == 302


def test_a_source_text_edit_on_a_stale_form_is_refused(admin_client, admin):
    source = make_source()
    st = make_statement(source=source, quote="the cracks were old", created_by=admin)
    data = admin_form_data(admin_client.get(url(Source, "change", source.pk)))
    source.title = "Renamed meanwhile"
    source.save()
    data["text"] = "Intro.\n" + source.text
    response = admin_client.post(url(Source, "change", source.pk), data)
    assert "Someone else changed this record" in response.content.decode()
    source.refresh_from_db()
    st.refresh_from_db()
    assert not source.text.startswith("Intro.") and st.version == 1
