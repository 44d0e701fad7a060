"""bench_merge with tiny numbers: it builds its data, merges while writers save, checks the
merge and ends with the JSON line; it refuses a database that holds data without --force."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.models import Actor, Statement

# the writer threads need their own connections to committed data
pytestmark = pytest.mark.django_db(transaction=True)


def run(**options) -> tuple[str, dict]:
    out = io.StringIO()
    call_command("bench_merge", stdout=out, **options)
    text = out.getvalue()
    return text, json.loads(text.strip().splitlines()[-1])


def test_bench_merge_reports_the_merge_and_the_writers():
    text, figures = run(statements=300, writers=2, pause=0.01)
    assert set(figures) == {
        "statements",
        "merge_s",
        "writers",
        "writes",
        "write_errors",
        "max_write_wait_s",
    }
    assert figures["statements"] == 300 and figures["writers"] == 2
    assert 0 < figures["merge_s"] < 30
    assert figures["writes"] >= 2 and figures["write_errors"] == 0  # they waited, none failed
    assert figures["max_write_wait_s"] > 0
    assert "Merge of 300 statements" in text and "writer" in text
    # the merged actor is gone; its statements are the kept actor's (the command checks it)
    assert not Actor.objects.filter(name__startswith="Bench merged actor").exists()
    kept = Actor.objects.get(name__startswith="Bench kept actor")
    assert Statement.objects.filter(speaker=kept).count() >= 300


def test_bench_merge_refuses_a_database_with_data_unless_forced():
    run(statements=100, writers=0)
    with pytest.raises(CommandError, match="holds data"):
        run(statements=100, writers=0)
    _text, figures = run(statements=100, writers=1, force=True)
    assert figures["statements"] == 100 and figures["write_errors"] == 0
