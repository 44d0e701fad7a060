"""Render once per version (claims/caching.py): no page shows a stale highlight, card or
count after any write path. Each test first views the page (so the old fragments are in
the cache), then writes through one path, then views again."""

from __future__ import annotations

import html
import re

import pytest
from django.core.cache import cache
from django.db.models import Count, F
from django.urls import reverse

from claims import caching
from claims.models import Actor, Claim, Contradiction, Source, Statement
from tests.conftest import HTMX
from tests.factories import make_actor, make_bridge_world, make_source, make_statement
from tests.test_admin import admin_form_data
from tests.test_admin import url as admin_url
from tests.test_statements import edit_data, post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(researcher):
    return make_bridge_world(researcher)


def views(client, source: Source) -> dict[str, str]:
    """What a reader sees: the page, and the text and card fragments htmx refreshes."""
    out = {
        "page": client.get(reverse("claims:source_detail", args=[source.pk])),
        "text": client.get(reverse("claims:source_text", args=[source.pk]), headers=HTMX),
        "cards": client.get(reverse("claims:source_cards", args=[source.pk]), headers=HTMX),
    }
    for name, response in out.items():
        assert response.status_code == 200, name
    return {name: html.unescape(r.content.decode()) for name, r in out.items()}


def words(markup: str) -> str:
    """The text of some HTML, tags removed and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", markup).split())


def card(client, statement: Statement) -> str:
    response = client.get(reverse("claims:statement_card", args=[statement.pk]), headers=HTMX)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_views_are_served_from_the_cache_the_second_time(researcher_client, world):
    first = views(researcher_client, world["source"])
    text_key = caching.text_key(world["source"])
    assert cache.get(caching.text_slot(world["source"].pk))[0] == text_key
    again = views(researcher_client, world["source"])
    assert (again["text"], again["cards"]) == (first["text"], first["cards"])


# --- the workspace's own writes ---------------------------------------------------------


def test_statement_recorded_on_the_page(researcher_client, world):
    source, claim = world["source"], world["claim"]
    before = views(researcher_client, source)
    assert "Statements (2)" in words(before["page"])
    data = post_data(
        source.text,
        "An engineer said the cracks were old",
        speaker=world["critic"].pk,
        claim=claim.pk,
        stance="questions",
        summary="Cracks predate the flood.",
    )
    response = researcher_client.post(
        reverse("claims:statement_create", args=[source.pk]), data, headers=HTMX
    )
    assert response.status_code == 201
    assert "Cracks predate the flood." in response.content.decode()
    new = Statement.objects.get(summary="Cracks predate the flood.")
    after = views(researcher_client, source)
    for name in ("page", "cards"):
        assert "Statements (3)" in words(after[name])
        assert "Cracks predate the flood." in after[name]
    assert f'data-statements="{new.pk}"' in after["text"]
    assert "Critic Beta questions" in after["text"]


def test_a_new_version_of_the_text_replaces_the_old_one_in_the_cache(researcher_client, world):
    source = world["source"]
    views(researcher_client, source)
    old_key = caching.text_key(source)
    Actor.objects.filter(pk=world["critic"].pk).update(version=F("version") + 1)
    after = views(researcher_client, source)
    assert "Critic Beta" in after["text"]
    held = cache.get(caching.text_slot(source.pk))
    assert held[0] == caching.text_key(source) != old_key
    # one entry for the source's text however many versions it went through (the local
    # memory cache of the tests can be counted)
    entries = [key for key in getattr(cache, "_cache", {}) if f":text:{source.pk}" in key]
    assert len(entries) == (1 if hasattr(cache, "_cache") else 0)


def test_statement_edited_on_the_page(researcher_client, world):
    said = world["said"]
    views(researcher_client, world["source"])
    card(researcher_client, said)
    response = researcher_client.post(
        reverse("claims:statement_edit", args=[said.pk]),
        edit_data(said, stance="questions", summary="Now a question."),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Now a question." in response.content.decode()
    after = views(researcher_client, world["source"])
    assert "Now a question." in after["cards"] and "Now a question." in after["page"]
    assert "Minister Alpha questions" in after["text"]
    assert "Minister Alpha asserts" not in after["text"]
    assert "Now a question." in card(researcher_client, said)


def test_statement_deleted_on_the_page(researcher_client, world):
    said = world["said"]
    views(researcher_client, world["source"])
    response = researcher_client.post(
        reverse("claims:statement_delete", args=[said.pk]),
        {"version": said.version},
        headers=HTMX,
    )
    assert response.status_code == 200
    after = views(researcher_client, world["source"])
    assert "Statements (1)" in words(after["cards"])
    assert f'id="statement-{said.pk}"' not in after["cards"]
    assert "Minister Alpha" not in after["text"]
    gone = researcher_client.get(reverse("claims:statement_card", args=[said.pk]), headers=HTMX)
    assert gone.status_code == 404


def test_contradiction_proposed_and_decided(researcher_client, editor_client, world):
    said, denied = world["said"], world["denied"]
    views(researcher_client, world["source"])
    card(researcher_client, said)
    response = researcher_client.post(
        reverse("claims:statement_link", args=[denied.pk]),
        {"other": said.pk, "kind": "denial", "rationale": "Opposite."},
        headers=HTMX,
    )
    assert response.status_code == 200
    link = Contradiction.objects.get()
    # the other statement's card names the link too, though it was not the one posted to
    assert "Proposed Denial by Critic Beta" in words(card(researcher_client, said))
    cards = words(views(researcher_client, world["source"])["cards"])
    assert "Proposed Denial of Minister Alpha" in cards
    response = editor_client.post(
        reverse("claims:contradiction_decide", args=[link.pk]),
        {"decision": "confirm", "note": "Both in the text.", "version": link.version},
        headers=HTMX,
    )
    assert response.status_code == 200
    cards = words(views(researcher_client, world["source"])["cards"])
    assert "Confirmed Denial of Minister Alpha" in cards
    assert "Confirmed Denial by Critic Beta" in cards
    assert "Proposed" not in cards


def test_merging_actors_renames_them_on_every_card(editor_client, researcher_client, world):
    views(researcher_client, world["source"])
    kept = make_actor("Minister Alpha-Gamma")
    response = editor_client.post(
        reverse("claims:actor_merge", args=[world["minister"].pk]),
        {"into": kept.pk, "version": world["minister"].version},
    )
    assert response.status_code == 302
    after = views(researcher_client, world["source"])
    assert "Minister Alpha-Gamma" in after["cards"]
    assert "Minister Alpha-Gamma asserts" in after["text"]
    assert "Minister Alpha " not in after["cards"].replace("Minister Alpha-Gamma", "")


# --- admin edits -------------------------------------------------------------------------


def _admin_change(admin_client, obj, **changes) -> None:
    page = admin_client.get(admin_url(type(obj), "change", obj.pk))
    data = admin_form_data(page)
    data.update(changes)
    response = admin_client.post(admin_url(type(obj), "change", obj.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_admin_edit_of_a_statement(admin_client, researcher_client, world):
    views(researcher_client, world["source"])
    _admin_change(admin_client, world["said"], summary="Edited in the admin.")
    assert "Edited in the admin." in views(researcher_client, world["source"])["cards"]


def test_admin_rename_of_an_actor(admin_client, researcher_client, world, researcher):
    other = make_source(title="Later report")
    elsewhere = make_statement(
        source=other, quote="Critics said", speaker=make_actor("Someone"), created_by=researcher
    )
    Contradiction.objects.create(
        first=elsewhere, second=world["said"], kind="tension", proposed_by=researcher
    )
    views(researcher_client, world["source"])
    views(researcher_client, other)
    _admin_change(admin_client, world["minister"], name="Minister Renamed")
    after = views(researcher_client, world["source"])
    assert "Minister Renamed" in after["cards"] and "Minister Alpha" not in after["cards"]
    assert "Minister Renamed asserts" in after["text"]
    # the card in another source that links to the renamed actor's statement
    assert "Minister Renamed" in views(researcher_client, other)["cards"]


def test_admin_edit_of_a_claim(admin_client, researcher_client, world):
    views(researcher_client, world["source"])
    _admin_change(admin_client, world["claim"], text="The bridge is sound")
    after = views(researcher_client, world["source"])
    assert "The bridge is sound" in after["cards"]
    assert "The bridge is safe" not in after["cards"]
    assert "asserts: The bridge is sound" in after["text"]


def test_admin_edit_of_a_source_text(admin_client, researcher_client, world):
    source = world["source"]
    views(researcher_client, source)
    new_text = "Breaking: " + source.text.replace("the bridge was not safe", "it may fall")
    _admin_change(admin_client, source, text=new_text)
    after = views(researcher_client, source)
    assert after["text"].startswith('<div id="source-text"')
    assert "Breaking: " in after["text"] and "it may fall" in after["text"]
    assert "Critic Beta denies" not in after["text"]  # its quote is gone: no highlight
    lost = f'id="statement-{world["denied"].pk}"'
    assert lost in after["cards"]
    assert "could not be found again" in after["cards"]


def test_admin_edit_of_a_source_title_shows_on_cards_elsewhere(
    admin_client, researcher_client, world, researcher
):
    other = make_source(title="Later report")
    elsewhere = make_statement(
        source=other, quote="Critics said", speaker=make_actor("Someone"), created_by=researcher
    )
    Contradiction.objects.create(
        first=world["said"], second=elsewhere, kind="tension", proposed_by=researcher
    )
    assert "in Later report" in views(researcher_client, world["source"])["cards"]
    _admin_change(admin_client, other, title="Corrected report")
    cards = views(researcher_client, world["source"])["cards"]
    assert "in Corrected report" in cards and "Later report" not in cards


# --- cards differ by viewer only in their controls -----------------------------------------


def test_a_card_cached_for_its_author_shows_no_edit_controls_to_another_researcher(
    researcher_client, other_researcher_client, editor_client, world
):
    edit = reverse("claims:statement_edit", args=[world["said"].pk])
    assert edit in card(researcher_client, world["said"])
    assert edit not in card(other_researcher_client, world["said"])
    assert edit in card(editor_client, world["said"])
    assert edit not in views(other_researcher_client, world["source"])["cards"]


def test_keys_follow_versions_bumped_by_bulk_updates(world):
    """Writes that bypass save() (merges, re-anchoring) bump `version`: keys change too."""
    source = Source.objects.get(pk=world["source"].pk)
    before = caching.text_key(source)
    rows = list(caching.card_versions().filter(source=source).order_by("id"))
    cards_before = caching.card_keys(world["said"].created_by, rows)
    from django.db.models import F

    Actor.objects.filter(pk=world["critic"].pk).update(version=F("version") + 1)
    assert caching.text_key(source) != before
    rows = list(caching.card_versions().filter(source=source).order_by("id"))
    cards_after = caching.card_keys(world["said"].created_by, rows)
    assert cards_after[0] == cards_before[0]  # the minister's card did not change
    assert cards_after[1] != cards_before[1]  # the critic's did
    Claim.objects.filter(pk=world["claim"].pk).update(version=F("version") + 1)
    rows = list(caching.card_versions().filter(source=source).order_by("id"))
    assert caching.card_keys(world["said"].created_by, rows)[0] != cards_after[0]


# --- list rows (caching.list_rows_html): kept under the values they show ------------------


def _row(client, url_name: str, needle: str) -> str:
    """The text of the list's one row that contains `needle` (the source list or the claim
    list, as its htmx results fragment)."""
    target = {"claims:source_list": "source-results", "claims:claim_list": "claim-results"}
    response = client.get(reverse(url_name), headers={**HTMX, "HX-Target": target[url_name]})
    assert response.status_code == 200
    rows = re.findall(r"<tr>.*?</tr>", response.content.decode(), re.S)
    found = [words(html.unescape(r)) for r in rows if needle in html.unescape(r)]
    assert len(found) == 1, (needle, rows)
    return found[0]


def test_list_rows_are_rendered_once_per_what_they_show(world, monkeypatch):
    rendered: list[str] = []
    real = caching.render_to_string

    def counting(template, context):
        rendered.append(template)
        return real(template, context)

    monkeypatch.setattr(caching, "render_to_string", counting)
    sources = list(Source.objects.annotate(n_statements=Count("statements")).order_by("pk"))
    first = caching.source_rows_html(sources)
    again = caching.source_rows_html(sources)
    assert first == again and len(first) == 1
    assert rendered == ["claims/source_list.html#row"]  # the second time from the cache
    sources[0].title = "Another title"
    changed = caching.source_rows_html(sources)
    assert "Another title" in changed[0] and len(rendered) == 2


def test_source_row_follows_an_update_that_leaves_the_version_alone(researcher_client, world):
    source = world["source"]
    assert _row(researcher_client, "claims:source_list", "Bridge report").startswith(
        "Bridge report"
    )
    Source.objects.filter(pk=source.pk).update(title="Bridge <b>closed</b>")  # no version bump
    response = researcher_client.get(reverse("claims:source_list"))
    assert "Bridge &lt;b&gt;closed&lt;/b&gt;" in response.content.decode()  # escaped
    assert "Bridge report" not in response.content.decode()


def test_source_row_count_follows_a_new_statement(researcher_client, researcher, world):
    source = world["source"]
    assert " 2 " in f" {_row(researcher_client, 'claims:source_list', 'Bridge report')} "
    make_statement(source=source, quote="the bridge", created_by=researcher)
    assert " 3 " in f" {_row(researcher_client, 'claims:source_list', 'Bridge report')} "


def test_claim_row_follows_its_status_and_its_statements_stances(researcher_client, world):
    claim = world["claim"]
    before = _row(researcher_client, "claims:claim_list", "The bridge is safe")
    assert before == "The bridge is safe Open Unrated 2 ( 1 assert , 1 deny )"
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.RESOLVED)  # no version bump
    after = _row(researcher_client, "claims:claim_list", "The bridge is safe")
    assert after == "The bridge is safe Resolved Unrated 2 ( 1 assert , 1 deny )"
    Statement.objects.filter(pk=world["said"].pk).update(stance=Statement.Stance.DENIES)
    after = _row(researcher_client, "claims:claim_list", "The bridge is safe")
    assert after == "The bridge is safe Resolved Unrated 2 ( 0 assert , 2 deny )"


def test_fragment_keys_change_when_a_route_moves(tmp_path, settings):
    """Every fragment links somewhere: its code hash covers the files that define the
    routes, so HTML with old links is never read from a shared cache after a deploy."""
    assert {"config/urls.py", "claims/views/sources.py", "claims/views/claims.py"} <= set(
        caching._ROUTES
    )
    for name in caching._ROUTES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("urlpatterns = []")
    settings.BASE_DIR = tmp_path
    before = caching._code_hash("templates/claims/source_list.html")
    assert caching._code_hash("templates/claims/source_list.html") == before
    (tmp_path / "claims/views/sources.py").write_text("urlpatterns = ['moved']")
    assert caching._code_hash("templates/claims/source_list.html") != before
