"""The review queue reads one page, not the whole union (issue 9): each kind is read ordered
and limited to the rows the page needs (selectors.UnionPages), and every page, through every
filter, holds exactly the rows of the plain ordered union (`ORDER BY created_at, id` over
every row, as the queue read it before)."""

from __future__ import annotations

import datetime
import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, Contradiction, Statement
from claims.selectors import UnionPages
from claims.views.review import ITEMS_PER_PAGE, queue_union
from tests.factories import make_actor, make_source

pytestmark = pytest.mark.django_db

QUEUE = reverse("claims:review_queue")
ROW = re.compile(r'id="(contradiction|claim-item)-(\d+)"')
TAGS = {"contradiction": "c", "claim-item": "k"}
KINDS = [k for k, _ in Contradiction.Kind.choices]
STATEMENTS = 20  # 190 pairs
# contradictions by status, claims by (status, verdict): more than two pages of each
CONTRADICTIONS = {"proposed": 64, "confirmed": 56, "rejected": 53}
CLAIMS = {("disputed", "unrated"): 61, ("resolved", "true"): 55, ("disputed", "false"): 4}


@pytest.fixture
def queue(researcher, editor):
    """173 contradictions and 120 claims whose dates repeat (40 dates, within and across the
    two kinds) and interleave, so the order leans on the id as much as on the date."""
    text = " ".join(f"Witness {i} saw the harbour burn." for i in range(STATEMENTS))
    source = make_source(text=text)
    speaker = make_actor("Harbour witness")
    statements = Statement.objects.bulk_create(
        Statement(
            source=source,
            speaker=speaker,
            start=text.index(f"Witness {i} "),
            end=text.index(f"Witness {i} ") + len(f"Witness {i}"),
            exact=f"Witness {i}",
            created_by=researcher,
        )
        for i in range(STATEMENTS)
    )
    pairs = [(a, b) for i, a in enumerate(statements) for b in statements[i + 1 :]]
    statuses = [s for s, n in CONTRADICTIONS.items() for _ in range(n)]
    now = timezone.now()
    contradictions = Contradiction.objects.bulk_create(
        Contradiction(
            first=a,
            second=b,
            kind=KINDS[0] if i % 2 else KINDS[i % len(KINDS)],  # half of them the first
            status=status,
            rationale=f"The harbour burned twice? Pair {i}.",
            reviewed_by=None if status == "proposed" else editor,
            reviewed_at=None if status == "proposed" else now,
            assigned_to=editor if i % 3 == 0 else None,
        )
        for i, ((a, b), status) in enumerate(zip(pairs, statuses, strict=False))
    )
    claims = Claim.objects.bulk_create(
        Claim(
            text=f"The harbour burned in year {i}",
            status=status,
            verdict=verdict,
            rationale="" if verdict == "unrated" else "Checked.",
            assigned_to=editor if i % 4 == 0 else None,
        )
        for i, (status, verdict) in enumerate(
            (s, v) for (s, v), n in CLAIMS.items() for _ in range(n)
        )
    )
    base = timezone.now() - datetime.timedelta(days=3)
    rng = random.Random(9)  # noqa: S311 - test data
    c_dates = {c.pk: base + datetime.timedelta(minutes=rng.randrange(40)) for c in contradictions}
    k_dates = {k.pk: base + datetime.timedelta(minutes=rng.randrange(40)) for k in claims}
    for pk, when in k_dates.items():
        if c_dates.get(pk) == when:  # the same date and id in both kinds: no order between them
            k_dates[pk] = when + datetime.timedelta(seconds=30)
    for model, by_pk in ((Contradiction, c_dates), (Claim, k_dates)):
        by_date: dict[datetime.datetime, list[int]] = {}
        for pk, when in by_pk.items():
            by_date.setdefault(when, []).append(pk)
        for when, pks in by_date.items():
            model.objects.filter(pk__in=pks).update(created_at=when)
    return editor


def plain(data: dict) -> list[tuple]:
    """The queue's rows as the plain ordered union gives them: every row, then sorted."""
    return list(queue_union(data).queryset())


def _pages_of(rows: UnionPages, per_page: int, total: int) -> list[tuple]:
    out = []
    for start in range(0, total + per_page, per_page):
        page = rows[start : start + per_page]
        assert len(page) == min(per_page, max(0, total - start))
        out.extend(page)
    return out


FILTERS = [
    {},
    {"status": "proposed"},
    {"status": "disputed"},
    {"status": "confirmed"},
    {"status": "rejected"},
    {"status": "resolved"},
    {"kind": KINDS[0]},
    {"status": "confirmed", "kind": KINDS[1]},
    {"assigned": "none"},
    {"assigned": "editor"},
    {"q": "harbour"},
    {"q": "harbour", "status": "resolved"},
    {"q": "harbour", "assigned": "none"},
]


def _data(params: dict, editor) -> dict:
    if params.get("assigned") == "editor":
        return {**params, "assigned": str(editor.pk)}
    return params


@pytest.mark.parametrize(
    "params", FILTERS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "waiting"
)
def test_every_page_is_the_page_of_the_plain_ordering(queue, params):
    data = _data(params, queue)
    expected = plain(data)
    rows = queue_union(data)
    assert expected == sorted(expected, key=lambda r: (r[1], r[0]))  # (id, created_at, tag)
    assert len({(r[1], r[0]) for r in expected}) == len(expected)  # one order only
    assert rows.count() == len(expected)
    for per_page in (ITEMS_PER_PAGE, 7, 1000):
        assert _pages_of(rows, per_page, len(expected)) == expected
    # any window, also one that starts inside a page
    assert rows[3:41] == expected[3:41]
    assert rows[len(expected) - 2 : len(expected) + 5] == expected[-2:]


def test_the_data_spans_more_than_two_pages_of_each_kind(queue):
    waiting = plain({})
    for tag in ("c", "k"):
        assert sum(1 for r in waiting if r[2] == tag) > 2 * ITEMS_PER_PAGE
    tags = [r[2] for r in waiting[: 2 * ITEMS_PER_PAGE]]
    assert "c" in tags and "k" in tags  # the kinds interleave
    for status in ("proposed", "disputed", "confirmed", "rejected", "resolved"):
        assert len(plain({"status": status})) > 2 * ITEMS_PER_PAGE
    searched = plain({"q": "harbour"})
    assert {r[2] for r in searched} == {"c", "k"} and len(searched) > 4 * ITEMS_PER_PAGE


def _view_rows(client, params: dict) -> tuple[list[tuple[str, int]], int]:
    """Every row of the queue page by page through the view, and the number of pages read."""
    out: list[tuple[str, int]] = []
    number = 0
    while True:
        number += 1
        html = client.get(QUEUE, {**params, "page": number}).content.decode()
        page = [(TAGS[kind], int(pk)) for kind, pk in ROW.findall(html)]
        if not params.get("q") and out and page == out[-len(page) :]:
            break  # Paginator gives the last page again past the end
        out.extend(page)
        if len(page) < ITEMS_PER_PAGE:
            break
    return out, number


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "proposed"},
        {"status": "resolved"},
        {"kind": KINDS[0]},
        {"assigned": "editor"},
        {"q": "harbour"},
        {"q": "burned", "status": "disputed"},
    ],
    ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "waiting",
)
def test_the_view_pages_through_the_plain_ordering(editor_client, queue, params):
    data = _data(params, queue)
    expected = [(tag, pk) for pk, _at, tag in plain(data)]
    assert len(expected) > (
        ITEMS_PER_PAGE if {"kind", "assigned"} & set(params) else 2 * ITEMS_PER_PAGE
    )
    got, pages = _view_rows(editor_client, data)
    assert got == expected
    assert pages >= -(-len(expected) // ITEMS_PER_PAGE)


def test_the_view_past_the_last_page_shows_the_last_page(editor_client, queue):
    expected = [(tag, pk) for pk, _at, tag in plain({})]
    html = editor_client.get(QUEUE, {"page": 999}).content.decode()
    last = len(expected) - (len(expected) - 1) % ITEMS_PER_PAGE - 1
    assert [(TAGS[k], int(pk)) for k, pk in ROW.findall(html)] == expected[last:]


def test_a_page_limits_each_kind_and_the_union(queue):
    """The page's query: each part ordered and limited to offset + page size rows (read
    through its index), then the union ordered and sliced; the count stays the plain one."""
    rows = queue_union({})
    with CaptureQueriesContext(connection) as ctx:
        page = rows[50:75]
    assert len(page) == 25 and len(ctx.captured_queries) == 1
    sql = ctx.captured_queries[0]["sql"].upper()
    assert sql.count("LIMIT 75") == 2, sql  # each part: its first 75 rows
    assert sql.count("ORDER BY") == 3 and "UNION ALL" in sql
    assert sql.rstrip().endswith("LIMIT 25 OFFSET 50")


def test_empty_parts_and_empty_slices(queue):
    only_claims = queue_union({"status": "resolved"})  # the contradictions part is none()
    assert only_claims[0:5] == plain({"status": "resolved"})[:5]
    nothing = queue_union({"kind": KINDS[0], "status": "resolved"})  # both none()
    with CaptureQueriesContext(connection) as ctx:
        assert nothing[0:25] == [] and queue_union({})[10:10] == []
    assert ctx.captured_queries == []
    assert nothing.count() == 0
    with pytest.raises(TypeError):
        queue_union({})[3]


def test_dates_come_back_as_the_plain_union_gives_them(queue):
    rows = queue_union({})[0:5]
    assert rows == plain({})[:5]
    assert all(isinstance(at, datetime.datetime) and at.tzinfo is not None for _, at, _ in rows)
