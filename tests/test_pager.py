"""selectors.Pager: a first page that holds every row is its own count (no COUNT query);
a fuller first page and every other page are counted as Django's Paginator counts them."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Actor
from claims.selectors import Pager
from tests.factories import make_actor

pytestmark = pytest.mark.django_db


def _pages(n: int, per_page: int, number):
    for i in range(n):
        make_actor(f"Actor {i:03d}")
    rows = Actor.objects.order_by("name")
    with CaptureQueriesContext(connection) as ctx:
        page = Pager(rows, per_page).get_page(number)
        shown = [a.name for a in page.object_list]
        facts = (page.number, page.paginator.count, page.paginator.num_pages, page.has_next())
    expected = Paginator(rows, per_page).get_page(number)
    assert shown == [a.name for a in expected.object_list]
    assert facts == (
        expected.number,
        expected.paginator.count,
        expected.paginator.num_pages,
        expected.has_next(),
    )
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize(("n", "number"), [(0, None), (3, None), (5, "1"), (5, 1), (5, "")])
def test_a_first_page_holding_every_row_is_not_counted(n, number):
    queries = _pages(n, 5, number)
    assert len(queries) == 1 and "COUNT" not in queries[0]


@pytest.mark.parametrize(("n", "number"), [(6, None), (12, "2"), (12, "3"), (12, "9"), (12, "x")])
def test_fuller_and_later_pages_are_counted_once(n, number):
    queries = _pages(n, 5, number)
    assert len(queries) == 2 and sum("COUNT" in q for q in queries) == 1


def test_the_count_can_come_from_a_cheaper_queryset():
    for i in range(7):
        make_actor(f"Actor {i}")
    cheap = Actor.objects.filter(name__startswith="Actor").order_by()
    with CaptureQueriesContext(connection) as ctx:
        page = Pager(Actor.objects.order_by("name"), 5, count_from=cheap).get_page(None)
        assert page.paginator.count == 7 and page.has_next()
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT" in q["sql"]]
    assert len(counts) == 1 and "LIKE" in counts[0]
