"""Full-text search (claims/search.py): folding, ranking, grouping, escaped highlights,
pinned query counts, the index kept current by every write path, and permissions. Every
test runs on SQLite (FTS5) and, with DATABASE_URL, on PostgreSQL (tsvector + trigrams)."""

from __future__ import annotations

import html
import re
import unicodedata

import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Replace
from django.urls import reverse

from claims import search
from claims.models import Actor, ActorAlias, Claim, Source, Statement
from claims.services.merges import actor_merge
from tests.conftest import HTMX
from tests.factories import make_actor, make_claim, make_source, make_statement
from tests.test_admin import admin_form_data
from tests.test_admin import url as admin_url

SEARCH = reverse("claims:search")
NFD = unicodedata.normalize("NFD", "Fernández")
MARKED = "كَتَبَ"  # kataba, with its vowel marks
BARE = "كتب"


def ids_in(page: str, kind: str) -> list[str]:
    """The result links of one group, in order."""
    section = re.search(
        rf'<section class="search-group" id="search-{kind}".*?</section>', page, re.S
    )
    return (
        re.findall(r'<li class="search-result">\s*<a href="([^"]+)"', section.group(0))
        if section
        else []
    )


def names(page: str, kind: str = "actors") -> list[str]:
    section = re.search(rf'id="search-{kind}".*?</section>', page, re.S)
    if not section:
        return []
    found = re.findall(
        r'<li class="search-result">\s*<a href="[^"]+">(.*?)</a>', section.group(0), re.S
    )
    return [html.unescape(re.sub(r"</?mark>", "", f)) for f in found]


# --- pure folding and highlighting ------------------------------------------------------------


def test_fold_removes_case_accents_decomposed_accents_and_arabic_marks():
    assert search.fold("FERNÁNDEZ") == search.fold("Fernandez") == search.fold(NFD) == "fernandez"
    assert search.fold(MARKED) == search.fold(BARE) == search.fold("كتـــب") == BARE
    assert search.Query.parse("  al-Sadr's   ").terms == ("al", "sadr", "s")
    assert not search.Query.parse("!!! — ?")


def test_highlight_escapes_and_marks_whole_words_from_their_start():
    out = search.highlight('<b>Fernández</b> & "Sadrists" said', ("fernandez", "sadr"))
    assert str(out) == (
        "&lt;b&gt;<mark>Fernández</mark>&lt;/b&gt; &amp; &quot;<mark>Sadrists</mark>&quot; said"
    )
    assert "<mark>" + NFD + "</mark>" in search.highlight(f"Señor {NFD}.", ("fernandez",))
    assert (
        search.highlight(f"قال {MARKED} الرسالة", (BARE,)) == f"قال <mark>{MARKED}</mark> الرسالة"
    )
    assert "<mark>" not in search.highlight("Nasadr", ("sadr",))  # not inside a word


def test_highlight_maps_back_when_one_letter_folds_to_two_and_a_mark_to_none():
    # "ß" folds to "ss" and the combining acute to nothing: as many characters out as in,
    # yet not one for one
    text = "Große Sache\u0301 grosse"
    assert len(search.fold(text)) == len(text)
    out = str(search.highlight(text, ("grosse", "sache")))
    assert out == "<mark>Große</mark> <mark>Sache\u0301</mark> <mark>grosse</mark>"


def test_snippet_is_cut_around_the_first_match():
    text = "word " * 200 + "the Fernández report " + "tail " * 200
    out = str(search.highlight(text, ("fernandez",), context=30))
    assert out.startswith("…") and out.endswith("…") and "<mark>Fernández</mark>" in out
    assert len(out) < 200


# --- folding through the database ---------------------------------------------------------------


@pytest.fixture
def fernandez(researcher):
    actor = make_actor("José Fernández")
    source = make_source(
        title="Interview with José Fernández",
        text="Fernández said the port would open. " + f"A banner read {MARKED} today.",
    )
    statement = make_statement(
        source=source, quote="Fernández said the port would open.", speaker=actor,
        created_by=researcher,
    )  # fmt: skip
    make_source(title="Unrelated", text="Nothing to see here.")
    return actor, source, statement


@pytest.mark.parametrize("q", ["FERNÁNDEZ", "Fernandez", NFD, "fernánd"])
def test_case_accents_and_nfd_fold_on_every_kind(researcher_client, fernandez, q):
    actor, source, statement = fernandez
    page = researcher_client.get(SEARCH, {"q": q}).content.decode()
    assert ids_in(page, "actors") == [actor.get_absolute_url()]
    assert ids_in(page, "sources") == [source.get_absolute_url()]
    assert ids_in(page, "statements") == [html.escape(statement.get_absolute_url())]


@pytest.mark.parametrize("q", [BARE, MARKED, "كتـــب"])
def test_arabic_without_vowel_marks_finds_the_marked_word(researcher_client, fernandez, q):
    _actor, source, _statement = fernandez
    page = researcher_client.get(SEARCH, {"q": q}).content.decode()
    assert ids_in(page, "sources") == [source.get_absolute_url()]
    assert f"<mark>{MARKED}</mark>" in page


def test_a_word_deep_in_an_article_finds_it_in_the_source_list(researcher_client, fernandez):
    _actor, source, _statement = fernandez
    page = researcher_client.get(reverse("claims:source_list"), {"q": "banner"}).content.decode()
    assert source.title in page and "Unrelated" not in page


# --- ranking ---------------------------------------------------------------------------------------


@pytest.fixture
def sadr_world(db):
    movement = make_actor("Sadrist movement", kind="party")
    movement.aliases.create(name="Sadrists")
    resident = make_actor("A Sadrabad resident", kind="anonymous")
    sadr = make_actor("Muqtada al-Sadr")
    sadr.aliases.create(name="al-Sadr")
    maliki = make_actor("Nuri al-Maliki")
    maliki.aliases.create(name="the prime minister")
    office = make_actor("The prime minister's office", kind="government")
    return {
        "sadr": sadr,
        "movement": movement,
        "resident": resident,
        "maliki": maliki,
        "office": office,
    }


def test_whole_word_ranks_before_a_prefix_sadr(researcher_client, sadr_world):
    page = researcher_client.get(SEARCH, {"q": "Sadr"}).content.decode()
    found = names(page)
    assert found[0] == "Muqtada al-Sadr" and set(found) == {
        "Muqtada al-Sadr", "Sadrist movement", "A Sadrabad resident",
    }  # fmt: skip
    options = researcher_client.get(
        reverse("claims:actor_options"), {"field": "speaker", "speaker_q": "Sadr"}, headers=HTMX
    ).content.decode()
    order = [options.index(n) for n in ("Muqtada al-Sadr", "Sadrist movement")]
    assert order == sorted(order)
    listing = researcher_client.get(reverse("claims:actor_list"), {"q": "sadr"}).content.decode()
    assert listing.index("Muqtada al-Sadr") < listing.index("Sadrist movement")


def test_an_exact_name_or_alias_comes_first(researcher_client, sadr_world):
    page = researcher_client.get(SEARCH, {"q": "the Prime Minister"}).content.decode()
    assert names(page)[:2] == ["Nuri al-Maliki", "The prime minister's office"]
    page = researcher_client.get(SEARCH, {"q": "sadrist movement"}).content.decode()
    assert names(page)[0] == "Sadrist movement"
    options = researcher_client.get(
        reverse("claims:actor_options"), {"field": "via", "via_q": "SADRISTS"}, headers=HTMX
    ).content.decode()
    assert "Sadrist movement" in options and "Muqtada" not in options


def test_claims_rank_whole_words_first_and_the_claim_picker_uses_it(researcher_client):
    make_claim("Envoys-in-training were paid")  # prefix only: "envoys" is whole here too
    later = make_claim("The envoyship was abolished")
    exact = make_claim("The government sent envoys to al-Sadr")
    options = researcher_client.get(
        reverse("claims:claim_options"), {"claim_q": "envoy"}, headers=HTMX
    ).content.decode()
    assert exact.text in options and later.text in options
    whole = researcher_client.get(
        reverse("claims:claim_options"), {"claim_q": "sent envoys"}, headers=HTMX
    ).content.decode()
    assert exact.text in whole and later.text not in whole


# --- grouping, paging, escaping ---------------------------------------------------------------------


def test_results_are_grouped_by_kind_with_a_more_link(researcher_client, researcher):
    speaker = make_actor("Basra Police")
    claim = make_claim("Basra is calm")
    text = " ".join(f"Basra report {i:02d}." for i in range(8))
    source = make_source(title="Basra diary", text=text)
    for i in range(8):
        make_statement(
            source=source, quote=f"Basra report {i:02d}.", speaker=speaker, created_by=researcher,
            claim=claim, stance="asserts",
        )  # fmt: skip
    page = researcher_client.get(SEARCH, {"q": "basra"}).content.decode()
    for kind, label in [
        ("sources", "Sources"),
        ("statements", "Statements"),
        ("actors", "Actors"),
        ("claims", "Claims"),
    ]:
        assert f'<h2 id="search-{kind}-h">{label}</h2>' in page
    assert len(ids_in(page, "statements")) == 5
    assert "kind=statements" in page and "More statements" in page
    assert "kind=sources" not in page  # one source: no "more"
    more = researcher_client.get(SEARCH, {"q": "basra", "kind": "statements"}).content.decode()
    assert len(ids_in(more, "statements")) == 8 and 'id="search-actors"' not in more
    assert "Next →" not in more and "Previous" not in more


def test_one_kind_is_paged_without_counting(
    researcher_client, researcher, django_assert_num_queries
):
    text = " ".join(f"Harbour note {i:02d}." for i in range(25))
    source = make_source(title="Harbour", text=text)
    for i in range(25):
        make_statement(source=source, quote=f"Harbour note {i:02d}.", created_by=researcher)
    first = researcher_client.get(SEARCH, {"q": "harbour", "kind": "statements"}).content.decode()
    assert len(ids_in(first, "statements")) == 20 and "page=2" in first
    second = researcher_client.get(
        SEARCH, {"q": "harbour", "kind": "statements", "page": 2}
    ).content.decode()
    assert len(ids_in(second, "statements")) == 5 and "Results 21–25" in second
    assert "Next →" not in second and "Previous" in second
    # the user with their permissions, the page's candidates (search.Candidates), one page of rows,
    # badge
    with django_assert_num_queries(4):
        researcher_client.get(
            SEARCH, {"q": "harbour", "kind": "statements", "page": 2}, headers=HTMX
        )


def test_article_text_is_shown_escaped(researcher_client, researcher):
    text = 'Before <script>alert("x")</script> the Fernández quote & more.'
    source = make_source(title="<img src=x onerror=alert(1)> Fernández", text=text)
    make_statement(source=source, quote="<script>alert", created_by=researcher)
    page = researcher_client.get(SEARCH, {"q": "fernandez script"}).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;<mark>script</mark>&gt;alert" in page
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>Fernández</mark>" in page


def test_empty_and_wordless_queries(researcher_client):
    assert "Find sources" in researcher_client.get(SEARCH).content.decode()
    page = researcher_client.get(SEARCH, {"q": "?!…"}).content.decode()
    assert "has none to search for" in page
    for name in ("source_list", "actor_list", "claim_list", "review_queue"):
        assert researcher_client.get(reverse(f"claims:{name}"), {"q": "?!"}).status_code == 200
    assert (
        researcher_client.get(SEARCH, {"q": "x", "page": "-3", "kind": "nope"}).status_code == 200
    )


# --- query counts --------------------------------------------------------------------------------


@pytest.fixture
def many(researcher, request):
    rows = request.param
    claim = make_claim("Pipeline on schedule")
    text = " ".join(f"Pipeline line {i:03d}." for i in range(rows))
    source = make_source(title="Pipeline news", text=text)
    for i in range(rows):
        actor = make_actor(f"Pipeline actor {i}")
        actor.aliases.create(name=f"Pipe {i}")
        make_source(title=f"Pipeline paper {i}", text="About the pipeline.")
        make_claim(f"Pipeline claim {i}")
        make_statement(
            source=source, quote=f"Pipeline line {i:03d}.", speaker=actor, created_by=researcher,
            claim=claim, stance="asserts",
        )  # fmt: skip
    return source


@pytest.mark.parametrize("many", [5, 50], indirect=True)
def test_query_counts_do_not_depend_on_the_data(
    researcher_client, editor_client, many, django_assert_num_queries
):
    statement = Statement.objects.first()
    # the user with their permissions, sources, statements, actors + their aliases, claims
    # (each ranked kind: its candidates, then its rows), review badge
    with django_assert_num_queries(10):
        assert researcher_client.get(SEARCH, {"q": "pipeline"}).status_code == 200
    with django_assert_num_queries(4):  # ..., one page of actors + aliases, review badge
        researcher_client.get(SEARCH, {"q": "pipe", "kind": "actors"})
    # the user with their permissions, then: candidates, page (no count); page, aliases;
    # candidates, page
    lists = [
        ("source_list", "source-results", 3),
        ("actor_list", "actor-results", 3),
        ("claim_list", "claim-results", 3),
    ]
    for name, target, n in lists:
        with django_assert_num_queries(n):
            researcher_client.get(
                reverse(f"claims:{name}"), {"q": "pipeline"}, headers={**HTMX, "HX-Target": target}
            )
    with django_assert_num_queries(3):  # the user with their permissions, actors, aliases
        researcher_client.get(reverse("claims:actor_options"), {"speaker_q": "pipe"}, headers=HTMX)
    with django_assert_num_queries(3):  # the user with their permissions, candidates, claims
        researcher_client.get(reverse("claims:claim_options"), {"claim_q": "pipe"}, headers=HTMX)
    # the user with their permissions, statement, candidates, page (no count)
    with django_assert_num_queries(4):
        researcher_client.get(
            reverse("claims:statement_link_search", args=[statement.pk]), {"q": "pipeline"},
            headers=HTMX,
        )  # fmt: skip


# --- the index follows every write path ----------------------------------------------------------


def found(kind: str, q: str) -> list[int]:
    query = search.Query.parse(q)
    match kind:
        case "actors":
            return list(
                search.search_actors(Actor.objects.all(), query).values_list("pk", flat=True)
            )
        case "sources":
            return list(
                search.search_sources(Source.objects.all(), query).values_list("pk", flat=True)
            )
        case "claims":
            return list(
                search.search_claims(Claim.objects.all(), query).values_list("pk", flat=True)
            )
    qs = search.search_statements(Statement.objects.all(), search.Query.parse(q))
    return list(qs.values_list("pk", flat=True))


def test_create_edit_and_delete_keep_the_index_current(researcher):
    actor = make_actor("Zanzibar Council")
    assert found("actors", "zanzibar") == [actor.pk]
    actor.name = "Pemba Council"
    actor.save()
    assert found("actors", "zanzibar") == [] and found("actors", "pemba") == [actor.pk]
    alias = actor.aliases.create(name="Zanzi board")
    assert found("actors", "zanzi") == [actor.pk]
    alias.delete()
    assert found("actors", "zanzi") == []
    source = make_source(title="Tide tables", text="The tide rose at noon.")
    assert found("sources", "noon") == [source.pk]
    source.text = "The tide fell at dusk."
    source.save()
    assert found("sources", "noon") == [] and found("sources", "dusk") == [source.pk]
    statement = make_statement(source=source, quote="The tide fell", created_by=researcher)
    assert found("statements", "tide") == [statement.pk]
    statement.summary = "Low water recorded"
    statement.save()
    assert found("statements", "recorded") == [statement.pk]
    statement.delete()
    assert found("statements", "tide") == []
    source.delete()
    actor.delete()
    assert found("sources", "dusk") == [] and found("actors", "pemba") == []


def test_bulk_writes_keep_the_index_current(db):
    Claim.objects.bulk_create([Claim(text=f"Monsoon claim {i}") for i in range(3)])
    assert len(found("claims", "monsoon")) == 3
    Claim.objects.filter(text__startswith="Monsoon").update(
        text=Replace("text", Value("Monsoon"), Value("Drought"))
    )
    assert found("claims", "monsoon") == [] and len(found("claims", "drought")) == 3
    Claim.objects.all().delete()
    assert found("claims", "drought") == []
    actors = Actor.objects.bulk_create([Actor(name="Bulk one"), Actor(name="Bulk two")])
    ActorAlias.objects.bulk_create([ActorAlias(actor=actors[0], name="Ünïcode alias")])
    assert found("actors", "unicode") == [actors[0].pk]


def test_a_merge_keeps_the_index_current(editor, researcher):
    kept = make_actor("Muqtada al-Sadr")
    merged = make_actor("Moqtada Sadr")
    merged.aliases.create(name="Sayyed Moqtada")
    make_statement(
        source=make_source(), quote="Critics said", speaker=merged, created_by=researcher
    )
    actor_merge(merged_id=merged.pk, kept_id=kept.pk, user=editor)
    assert found("actors", "sayyed") == [kept.pk]
    assert found("actors", "moqtada") == [kept.pk]  # the merged one is gone, its alias moved
    assert found("statements", "sadr")  # statements now found by their new speaker's name


def test_an_admin_edit_keeps_the_index_current(admin_client):
    claim = make_claim("Curfew lifted in the north")
    data = admin_form_data(admin_client.get(admin_url(Claim, "change", claim.pk)))
    data["text"] = "Curfew extended in the south"
    assert admin_client.post(admin_url(Claim, "change", claim.pk), data).status_code == 302
    assert found("claims", "north") == [] and found("claims", "south") == [claim.pk]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite triggers only")
def test_triggers_lost_to_a_table_rebuild_come_back_after_migrate(db):
    from claims.search_schema import ensure

    claim = make_claim("Ferry service resumed")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER claims_claim_fts_au")
        cursor.execute("UPDATE claims_claim SET text = 'Ferry service halted'")
    assert found("claims", "halted") == []  # the index went stale without its trigger
    assert ensure(connection) == ["claims_claim"]
    assert found("claims", "halted") == [claim.pk] and ensure(connection) == []


# --- permissions --------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_login_and_outsiders_refused(client, outsider_client):
    response = client.get(SEARCH, {"q": "x"})
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert outsider_client.get(SEARCH, {"q": "x"}).status_code == 403


def test_the_navigation_bar_has_the_search_box(researcher_client, outsider_client):
    page = researcher_client.get(reverse("claims:source_list")).content.decode()
    assert f'action="{SEARCH}"' in page and 'role="search"' in page
