"""The statement search is a UNION of separate lookups (its own text, its speaker's name or
alias, its claim; claims/search.py): each part alone finds its statements, text matches rank
first, and the review badge's partial-index count agrees with the rows it stands for. Runs
on SQLite and, with DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import pytest

from claims import search
from claims.models import Claim, Contradiction, Statement
from claims.services.review import waiting_count
from tests.factories import (
    make_actor,
    make_claim,
    make_contradiction,
    make_source,
    make_statement,
)


def found(q: str) -> list[int]:
    qs = search.search_statements(Statement.objects.all(), search.Query.parse(q))
    return list(qs.values_list("pk", flat=True))


@pytest.fixture
def three_ways(researcher):
    source = make_source(
        title="Harbour", text="The quay was rebuilt. Nobody came. Ships waited outside."
    )
    speaker = make_actor("Quayside Authority")
    speaker.aliases.create(name="Harbourmaster Okonjo")
    claim = make_claim("Ferries resumed in spring")
    by_text = make_statement(source=source, quote="The quay was rebuilt.", created_by=researcher)
    by_speaker = make_statement(
        source=source, quote="Nobody came.", speaker=speaker, created_by=researcher
    )
    by_claim = make_statement(
        source=source, quote="Ships waited outside.", claim=claim, stance="asserts",
        created_by=researcher,
    )  # fmt: skip
    return by_text, by_speaker, by_claim


def test_each_part_alone_finds_its_statements(three_ways):
    by_text, by_speaker, by_claim = three_ways
    assert found("okonjo") == [by_speaker.pk]  # an alias of the speaker only
    assert found("ferries") == [by_claim.pk]  # the claim only
    assert found("rebuilt") == [by_text.pk]  # the quote only
    assert found("nothing-like-this") == []


def test_text_matches_rank_before_speaker_matches_then_newest(three_ways):
    by_text, by_speaker, _by_claim = three_ways
    # "quay" is in by_text's quote and (as a prefix) in by_speaker's speaker's name
    assert found("quay") == [by_text.pk, by_speaker.pk]


def test_the_filter_works_inside_other_queries(three_ways):
    by_text, by_speaker, by_claim = three_ways
    query = search.Query.parse("quay")
    hits = Statement.objects.filter(search.statement_ids_matching(query))
    linked = make_contradiction(by_claim, by_speaker)
    assert set(hits.values_list("pk", flat=True)) == {by_text.pk, by_speaker.pk}
    assert list(
        Contradiction.objects.filter(second_id__in=hits.order_by().values("pk")).values_list(
            "pk", flat=True
        )
    ) == [linked.pk]


def test_the_badge_counts_exactly_what_waits(three_ways, django_assert_num_queries):
    by_text, by_speaker, by_claim = three_ways
    make_contradiction(by_text, by_speaker)
    make_contradiction(by_text, by_claim, status="confirmed", reviewed_at="2026-01-01T00:00Z")
    Claim.objects.filter(pk=by_claim.claim_id).update(status="disputed")
    make_claim("Rated and disputed", status="disputed", verdict="false", rationale="Checked.")
    with django_assert_num_queries(1):
        assert waiting_count() == 2  # one proposed contradiction, one disputed unrated claim
    Contradiction.objects.update(status="rejected", reviewed_at="2026-01-02T00:00Z")
    assert waiting_count() == 1


def test_pages_read_inside_the_index_add_up_to_the_whole_list(db, django_assert_num_queries):
    """Each page's rows are chosen inside the index lookup (its LIMIT is the page's end):
    the pages, read one by one past the ranked head, give the whole list once, in order."""
    Claim.objects.bulk_create([Claim(text=f"Monsoonal rains case {i}") for i in range(130)])
    whole = make_claim("The monsoon failed")  # the oldest whole-word match: ranked first
    Claim.objects.filter(pk=whole.pk).update(created_at="2000-01-01T00:00Z")
    query = search.Query.parse("monsoon")
    every = list(search.search_claims(Claim.objects.all(), query).values_list("pk", flat=True))
    assert len(every) == len(set(every)) == 131 and every[0] == whole.pk
    pages = []
    for start in range(0, 140, 25):
        with django_assert_num_queries(2) as page:  # the page's candidates, then its rows
            qs = search.search_claims(Claim.objects.all(), query)
            pages += list(qs[start : start + 25].values_list("pk", flat=True))
        # the candidates' lookup stops at the page's end
        assert f"ORDER BY part, pos LIMIT {start + 25})" in page.captured_queries[0]["sql"]
    assert pages == every


def test_a_sliced_search_works_as_a_subquery(db):
    """Inside another query the searched table is aliased (U0): the candidates' order
    refers to it by that alias, as a page (ids read first) and as every row (a subquery)."""
    best = make_claim("The monsoon failed")
    Claim.objects.bulk_create([Claim(text=f"Monsoonal rains case {i}") for i in range(5)])
    make_claim("Nothing about the weather")
    query = search.Query.parse("monsoon")
    for end in (2, search.WINDOW):
        inner = search.search_claims(Claim.objects.all(), query)[:end]
        found = set(Claim.objects.filter(pk__in=inner).values_list("pk", flat=True))
        assert best.pk in found
        assert len(found) == min(end, 6)
