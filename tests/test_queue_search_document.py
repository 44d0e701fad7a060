"""The review queue's search document (claims/search_schema.py, migration 0013): one per
contradiction, over its rationale and claim and each statement's quote, summary, speaker
(name and aliases) and claim, kept current by triggers on every table it reads, whatever
writes there (save, queryset update, delete, merges, the admin, raw SQL)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Replace
from django.urls import reverse

from claims import search
from claims.models import Actor, ActorAlias, Claim, Contradiction, Statement
from claims.services.merges import actor_merge, claim_merge
from tests.conftest import HTMX
from tests.factories import make_actor, make_claim, make_contradiction, make_source, make_statement
from tests.test_admin import admin_form_data
from tests.test_admin import url as admin_url

TEXT = "Ana said the dam held. Bo said the dam broke. Cy said rain fell."


def matching(q: str) -> list[int]:
    """Ids of the contradictions the queue's search finds for `q`."""
    query = search.Query.parse(q)
    return list(
        Contradiction.objects.filter(search.ContradictionMatches(query))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@pytest.fixture
def pair(researcher):
    source = make_source(text=TEXT)
    ana = make_actor("Ana Kowalczyk")
    bo = make_actor("Bo Lindqvist")
    bo.aliases.create(name="The Engineer")
    dam = make_claim("The Orlík dam held in the flood")
    first = make_statement(
        source=source, quote="Ana said the dam held.", speaker=ana, claim=dam, created_by=researcher
    )
    second = make_statement(
        source=source,
        quote="Bo said the dam broke.",
        speaker=bo,
        summary="Breach reported at dawn",
        created_by=researcher,
    )
    topic = make_claim("Reservoir levels were safe")
    c = make_contradiction(first, second, rationale="Opposite accounts of spillway", claim=topic)
    return {
        "c": c,
        "first": first,
        "second": second,
        "ana": ana,
        "bo": bo,
        "dam": dam,
        "topic": topic,
    }


@pytest.mark.parametrize(
    "q",
    [
        "spillway",  # its rationale
        "reservoir",  # its own claim
        "broke",  # the second statement's quote
        "breach dawn",  # the second statement's summary
        "kowalczyk",  # the first statement's speaker
        "engineer",  # an alias of the second statement's speaker
        "orlik",  # the first statement's claim, accent folded
        "ORLÍK flood",  # case, and words from one part only
        "lindq",  # a prefix
        "kowalczyk breach",  # words from the two statements
    ],
)
def test_a_contradiction_is_found_by_every_part_of_its_document(pair, q):
    assert matching(q) == [pair["c"].pk]


def test_words_from_nowhere_in_it_find_nothing(pair):
    assert matching("kowalczyk monsoon") == [] and matching("rain") == []


def test_statement_writes_keep_it_current(pair, researcher):
    c, first, second = pair["c"], pair["first"], pair["second"]
    second.summary = "Cracks seen at noon"
    second.save()
    assert matching("breach") == [] and matching("cracks") == [c.pk]
    Statement.objects.filter(pk=first.pk).update(exact="Ana said the dam bent.")  # bulk write
    assert matching("bent") == [c.pk] and matching("held") == [c.pk]  # "held" is in the claim
    other = make_actor("Cy Moreau")
    Statement.objects.filter(pk=first.pk).update(speaker=other)
    assert matching("kowalczyk") == [] and matching("moreau") == [c.pk]
    Statement.objects.filter(pk=first.pk).update(claim=make_claim("Turbines were stopped"))
    assert matching("orlik") == [] and matching("turbines") == [c.pk]  # moved to another claim
    Statement.objects.filter(pk=first.pk).update(claim=None, stance="")
    assert matching("turbines") == []


def test_actor_alias_and_claim_writes_keep_it_current(pair):
    c, ana, bo, dam, topic = pair["c"], pair["ana"], pair["bo"], pair["dam"], pair["topic"]
    ana.name = "Ana Nowak"
    ana.save()
    assert matching("kowalczyk") == [] and matching("nowak") == [c.pk]
    Actor.objects.filter(pk=bo.pk).update(name=Replace("name", Value("Bo"), Value("Bob")))
    assert matching("bob") == [c.pk]
    alias = bo.aliases.get()
    alias.name = "Chief Surveyor"
    alias.save()
    assert matching("engineer") == [] and matching("surveyor") == [c.pk]
    ActorAlias.objects.filter(pk=alias.pk).update(actor=make_actor("Somebody Else"))  # moved away
    assert matching("surveyor") == []
    ActorAlias.objects.filter(pk=alias.pk).update(actor=ana)  # moved to the other speaker
    assert matching("surveyor") == [c.pk]
    ActorAlias.objects.filter(pk=alias.pk).delete()
    assert matching("surveyor") == []
    ana.aliases.create(name="Madame Barrage")
    assert matching("barrage") == [c.pk]
    ana.aliases.all().delete()
    assert matching("barrage") == []
    Claim.objects.filter(pk=dam.pk).update(text="The Orlík weir held")
    assert matching("weir") == [c.pk] and matching("flood") == []
    topic.text = "Reservoir levels were falling"
    topic.save()
    assert matching("falling") == [c.pk]


def test_its_own_writes_and_deletes_keep_it_current(pair):
    c, topic = pair["c"], pair["topic"]
    Contradiction.objects.filter(pk=c.pk).update(rationale="Dates disagree")
    assert matching("spillway") == [] and matching("dates") == [c.pk]
    c.refresh_from_db()
    c.kind = Contradiction.Kind.REBUTTAL  # a save of columns the document does not read
    c.save()
    assert matching("dates") == [c.pk]
    topic.delete()  # the contradiction's claim is set to null
    assert matching("reservoir") == []
    first = pair["first"]
    c.delete()
    assert matching("dates") == []
    Statement.objects.filter(pk=first.pk).update(summary="after the contradiction went")
    assert matching("after") == []


def test_merges_keep_it_current(pair, editor):
    c, ana = pair["c"], pair["ana"]
    kept = make_actor("Anna Nowak")
    assert matching("nowak") == []
    actor_merge(merged_id=ana.pk, kept_id=kept.pk, user=editor)
    assert matching("nowak") == [c.pk]  # the new speaker's name
    assert matching("kowalczyk") == [c.pk]  # only in the merged name, an alias now
    into = make_claim("Dams in the valley were sound")
    claim_merge(merged_id=pair["dam"].pk, kept_id=into.pk, user=editor)
    assert matching("orlik") == [] and matching("valley") == [c.pk]


def test_an_admin_edit_keeps_it_current(admin_client, pair):
    bo = pair["bo"]
    data = admin_form_data(admin_client.get(admin_url(Actor, "change", bo.pk)))
    data["name"] = "Bo Sandström"
    assert admin_client.post(admin_url(Actor, "change", bo.pk), data).status_code == 302
    assert matching("lindqvist") == [] and matching("sandstrom") == [pair["c"].pk]


def test_the_queue_finds_old_contradictions_behind_many_newer_matches(
    editor_client, researcher, monkeypatch
):
    """Every matching contradiction, not those of the newest WINDOW matching statements:
    the two old statements are behind three newer ones that match, with a window of one."""
    monkeypatch.setattr(search, "WINDOW", 1)
    source = make_source(text=TEXT)
    old = make_contradiction(
        make_statement(source=source, quote="Ana said the dam held.", created_by=researcher),
        make_statement(source=source, quote="Bo said the dam broke.", created_by=researcher),
    )
    for _ in range(3):
        make_statement(
            source=source, quote="Cy said rain fell.", summary="dam", created_by=researcher
        )
    body = editor_client.get(
        reverse("claims:review_queue"),
        {"q": "dam"},
        headers={**HTMX, "HX-Target": "review-results"},
    ).content.decode()
    assert f'id="contradiction-{old.pk}"' in body


def test_it_works_inside_a_subquery(pair):
    query = search.Query.parse("spillway")
    inner = Contradiction.objects.filter(search.ContradictionMatches(query)).values("first_id")
    assert list(Statement.objects.filter(pk__in=inner).values_list("pk", flat=True)) == [
        pair["first"].pk
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite triggers only")
def test_triggers_lost_to_a_table_rebuild_come_back_after_migrate(pair):
    from claims.search_schema import DOC_FTS, ensure

    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER claims_actor_doc_au")
        cursor.execute("UPDATE claims_actor SET name = 'Ana Zielinska' WHERE name LIKE 'Ana%'")
    assert matching("zielinska") == []  # stale without its trigger
    assert ensure(connection) == [DOC_FTS]
    assert matching("zielinska") == [pair["c"].pk] and ensure(connection) == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite table rebuilds")
@pytest.mark.django_db(transaction=True)
def test_a_migration_plan_can_rebuild_the_tables_the_document_reads(researcher):
    """Django alters a SQLite table by rebuilding it (a new table, the old one dropped, the
    new one renamed), and SQLite refuses the rename while a trigger names a table that is
    missing: the document's triggers name the other tables. So they are dropped before a
    migration plan runs, and ensure() (post_migrate) puts them back and refills it."""
    from django.apps import apps
    from django.db.models.signals import pre_migrate

    from claims.search_schema import DOC_FTS, ensure

    source = make_source(text=TEXT)
    c = make_contradiction(
        make_statement(source=source, quote="Ana said the dam held.", created_by=researcher),
        make_statement(source=source, quote="Bo said the dam broke.", created_by=researcher),
        rationale="Opposite accounts of spillway",
    )
    config = apps.get_app_config("claims")
    pre_migrate.send(sender=config, app_config=config, using="default", plan=[("m", False)])
    for model in (Statement, Contradiction, Claim, Actor, ActorAlias):
        with connection.schema_editor() as editor:
            editor._remake_table(model)
    Contradiction.objects.filter(pk=c.pk).update(rationale="Dates disagree")  # no trigger now
    assert DOC_FTS in ensure(connection)  # with the rebuilt tables' own index triggers
    assert matching("dates") == [c.pk] and matching("spillway") == []
    Contradiction.objects.filter(pk=c.pk).update(rationale="Levels disagree")  # triggers back
    assert matching("levels") == [c.pk]
