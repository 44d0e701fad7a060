"""Two app servers on one PostgreSQL with Redis for cache and sessions (README, "Several
servers"): a change written through one is read through the other at once (no stale
cache), and a session survives a restart of either server.

Runs in the PostgreSQL suite (`make test-pg`); it needs Redis (REDIS_URL, default
redis://127.0.0.1:6379/14). Off CI it skips when Redis is down; in CI (CI=true) that is
a failure.
"""

from __future__ import annotations

import os
from contextlib import ExitStack

import pytest
from django.db import connection
from django.urls import reverse

from claims.benchmarking import BenchClient, free_port, gunicorn_process
from tests.conftest import HTMX, make_user
from tests.factories import make_actor, make_claim, make_source, make_statement

REDIS_URL = os.environ.get("CLAIMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _redis_down() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {REDIS_URL} does not answer ({exc})"
    return None


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def shared_setup(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("Two app servers share one PostgreSQL: this runs in `make test-pg`.")
    problem = _redis_down()
    if problem:
        if IN_CI:
            pytest.fail(problem)
        pytest.skip(problem)
    return {
        "DATABASE_URL": _database_url(),
        "REDIS_URL": REDIS_URL,
        "DJANGO_DEBUG": "1",
    }


def test_two_servers_share_data_cache_and_sessions(shared_setup):
    researcher = make_user("researcher", "Researchers")
    source = make_source(title="Shared report")
    statement = make_statement(
        source=source,
        quote="the bridge was safe",
        speaker=make_actor("Minister Alpha"),
        claim=make_claim("The bridge is safe"),
        created_by=researcher,
        summary="First summary.",
    )
    ports = {"a": free_port(), "b": free_port()}
    page = reverse("claims:source_detail", args=[source.pk])
    cards = reverse("claims:source_cards", args=[source.pk])

    def start(stack: ExitStack, name: str):
        return stack.enter_context(
            gunicorn_process(workers=1, extra_env=shared_setup, port=ports[name])
        )

    with ExitStack() as a_stack, ExitStack() as b_stack:
        server_a, server_b = start(a_stack, "a"), start(b_stack, "b")
        via_a = BenchClient(server_a.base_url)
        via_a.login("researcher", "pw-researcher")
        via_b = _sharing_cookies(server_b.base_url, via_a)

        # signed in through A, the session is read by B; asked for twice, B keeps the page
        # in the shared page cache (claims/pagecache.py)
        for _ in range(2):
            response = via_b.get(page)
            assert response.status == 200 and "First summary." in response.body
            assert "Shared report" in response.body

        # write through A (the card is in the shared cache already), read through B
        edit = reverse("claims:statement_edit", args=[statement.pk])
        data = {
            "speaker": str(statement.speaker_id),
            "via": "",
            "reporting": statement.reporting,
            "claim": str(statement.claim_id),
            "stance": statement.stance,
            "said_on": "",
            "summary": "Changed through server A.",
            "version": str(statement.version),
        }
        assert via_a.post(edit, data, headers=HTMX).status == 200
        fresh = via_b.get(cards, headers=HTMX)
        assert fresh.status == 200
        assert "Changed through server A." in fresh.body and "First summary." not in fresh.body
        # the whole page B kept: A's write renewed the generation in Redis
        fresh = via_b.get(page)
        assert fresh.status == 200
        assert "Changed through server A." in fresh.body and "First summary." not in fresh.body

        # restart A: the session is still good there
        a_stack.close()
        server_a = start(a_stack, "a")
        response = via_a.get(page)
        assert response.status == 200 and "Changed through server A." in response.body
        assert 'name="password"' not in response.body

        # restart B: likewise
        b_stack.close()
        server_b = start(b_stack, "b")
        response = via_b.get(page)
        assert response.status == 200 and "Changed through server A." in response.body
        assert 'name="password"' not in response.body


def _sharing_cookies(base_url: str, other: BenchClient) -> BenchClient:
    """A client for another server that sends the same cookies (one browser, two servers
    behind a load balancer: same host name, so the same cookies)."""
    import urllib.request

    client = BenchClient(base_url)
    client.cookies = other.cookies
    client.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(other.cookies))
    return client
