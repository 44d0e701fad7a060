"""`manage.py synth`: a synthetic data set whose every row is valid and anchored."""

from __future__ import annotations

import io
import json
from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from claims.management.commands.synth import BIG_SOURCE, plan_sources
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

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def synth(n: int, seed: int = 1) -> str:
    out = io.StringIO()
    call_command("synth", "--statements", str(n), "--seed", str(seed), stdout=out)
    return out.getvalue()


def test_synth_counts_and_report():
    output = synth(400)
    assert Statement.objects.count() == 400
    assert "400 statements" in output and " s." in output
    assert Source.objects.count() >= 2
    assert Actor.objects.count() >= 12 and ActorAlias.objects.exists()
    assert Affiliation.objects.exists() and Claim.objects.count() >= 5
    assert Contradiction.objects.count() == 400 // 8
    assert Note.objects.count() >= 3


def test_every_statement_is_anchored_in_its_source_text():
    synth(600)
    texts = dict(Source.objects.values_list("pk", "text"))
    rows = Statement.objects.values_list("source_id", "start", "end", "exact", "prefix", "suffix")
    for source_id, start, end, exact, prefix, suffix in rows:
        text = texts[source_id]
        assert 0 <= start < end <= len(text)
        assert text[start:end] == exact
        assert prefix == text[max(0, start - 32) : start]
        assert suffix == text[end : end + 32]
    for st in Statement.objects.select_related("source")[:50]:
        st.full_clean()  # as the admin would check it


def test_texts_are_multi_paragraph_normalised_and_not_only_ascii():
    synth(600)
    texts = list(Source.objects.values_list("text", flat=True))
    assert all("\n\n" in t and "\r" not in t for t in texts)
    joined = "".join(texts)
    assert any(ord(ch) > 0xFFFF for ch in joined)  # emoji: two UTF-16 units
    assert any("\u0600" <= ch <= "\u06ff" for ch in joined)  # Arabic
    for source in Source.objects.all():
        source.full_clean()


def test_statements_per_source_and_overlaps():
    synth(600)
    per_source = list(Source.objects.annotate(n=Count("statements")).values_list("n", flat=True))
    assert sum(per_source) == 600
    assert all(20 <= n <= 220 for n in per_source)
    overlapping = 0
    for source in Source.objects.all():
        spans = sorted(source.statements.values_list("start", "end"))
        overlapping += sum(1 for (a, b), (c, d) in zip(spans, spans[1:]) if c < b)
    assert overlapping > 0


def test_plan_has_one_big_source_when_n_allows():
    import random

    sizes = plan_sources(100_000, random.Random(1))
    assert sum(sizes) == 100_000 and sizes[0] == BIG_SOURCE
    assert all(20 <= n <= 219 for n in sizes[1:])
    assert BIG_SOURCE not in plan_sources(1999, random.Random(1))


def test_a_big_source_gets_its_2000_statements():
    synth(BIG_SOURCE + 100)
    counts = Counter(Statement.objects.values_list("source_id", flat=True))
    assert max(counts.values()) == BIG_SOURCE


def test_contradiction_pairs_are_unique_and_reviewed_ones_dated():
    synth(800)
    pairs = [tuple(sorted(p)) for p in Contradiction.objects.values_list("first_id", "second_id")]
    assert len(pairs) == len(set(pairs))
    assert all(a != b for a, b in pairs)
    statuses = set(Contradiction.objects.values_list("status", flat=True))
    assert statuses == {"proposed", "confirmed", "rejected"}
    reviewed = Contradiction.objects.exclude(status="proposed")
    assert not reviewed.filter(reviewed_at__isnull=True).exists()
    assert not reviewed.filter(reviewed_by__isnull=True).exists()


def test_claims_with_opposite_stances_are_disputed():
    synth(400)
    for claim in Claim.objects.filter(status="open"):
        stances = set(claim.statements.values_list("stance", flat=True))
        assert not {"asserts", "denies"} <= stances
        assert not Contradiction.objects.filter(claim=claim, status="confirmed").exists()
    assert Claim.objects.filter(status="disputed").exists()


def test_statements_are_created_by_synth_researchers():
    synth(300)
    creators = set(Statement.objects.values_list("created_by__username", flat=True))
    assert creators <= {f"synth_researcher_{i}" for i in range(1, 6)}
    assert len(creators) > 1
    for user in User.objects.filter(username__startswith="synth_researcher_"):
        assert list(user.groups.values_list("name", flat=True)) == ["Researchers"]


def test_a_second_run_adds_to_the_data():
    synth(200, seed=1)
    synth(200, seed=2)
    assert Statement.objects.count() == 400
    assert User.objects.filter(username__startswith="synth_").count() == 6


def test_synth_refuses_a_count_below_one():
    with pytest.raises(CommandError, match="at least 1"):
        synth(0)


def test_bench_search_times_the_searches_it_is_asked_for():
    """`bench_search --only queue`: the review queue's search (and the badge), nothing else;
    its last line is the JSON of what it timed. A name that matches nothing is refused."""
    synth(60)
    out = io.StringIO()
    call_command("bench_search", "--only", "queue", "--requests", "1", "--q", "a", stdout=out)
    figures = json.loads(out.getvalue().strip().splitlines()[-1])
    assert set(figures) == {"statements", "vendor", "review queue search", "review badge count"}
    with pytest.raises(CommandError, match="No search is named like"):
        call_command("bench_search", "--only", "nothing", stdout=io.StringIO())
