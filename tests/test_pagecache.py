"""Whole pages cached per viewer until the database changes (claims/pagecache.py).

A repeated view is answered without a query; after any write, through any path and from
any thread or server, the next view is rendered afresh; viewers never get each other's
pages; pages with messages, other cookies or errors are never kept. The races run real
threads released at the same instant, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse

from claims import pagecache
from claims.models import Claim, Statement
from claims.roles import RESEARCHERS
from tests.conftest import HTMX, CsrfClient
from tests.factories import make_actor, make_claim, make_source, make_statement
from tests.test_races import race, statuses
from tests.test_statements import post_data


def generation() -> str | None:
    return pagecache._shared().get(pagecache.GENERATION_KEY)


def page(client, url: str, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def kept(client, url: str, **kwargs) -> str:
    """View the page twice: the second view in one generation is kept."""
    page(client, url, **kwargs)
    return page(client, url, **kwargs)


# --- which statements count as writes ----------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        'SELECT "claims_claim"."id" FROM "claims_claim"',
        "(SELECT 1) UNION (SELECT 2)",
        "WITH m AS MATERIALIZED (SELECT id FROM t) SELECT * FROM m",
        'SAVEPOINT "s1"',
        'RELEASE SAVEPOINT "s1"',
        'ROLLBACK TO SAVEPOINT "s1"',
        "PRAGMA foreign_key_check",
        "VACUUM ANALYZE",
        'UPDATE "django_session" SET "session_data" = %s',
        'INSERT INTO "django_session" ("session_key") VALUES (%s)',
        'DELETE FROM "django_session" WHERE "expire_date" < %s',
        "SELECT updated_at, deleted FROM claims_statement FOR UPDATE",
    ],
)
def test_reads_and_session_writes_keep_the_generation(sql):
    assert not pagecache.writes(sql)


@pytest.mark.parametrize(
    "sql",
    [
        'INSERT INTO "claims_statement" ("quote") VALUES (%s)',
        'UPDATE "claims_claim" SET "text" = %s',
        '  DELETE FROM "claims_actor" WHERE "id" IN (%s)',
        "WITH gone AS (DELETE FROM t RETURNING id) SELECT count(*) FROM gone",
        'CREATE TABLE "x" ("id" integer)',
        'ALTER TABLE "claims_claim" ADD COLUMN "y" integer',
        'DROP TABLE "x"',
        'TRUNCATE "claims_claim"',
        'UPDATE "auth_user" SET "is_active" = false',
    ],
)
def test_writes_renew_the_generation(sql):
    assert pagecache.writes(sql)


# --- served from the cache, per viewer ------------------------------------------------


@pytest.fixture
def reading(researcher):
    source = make_source(text="The minister said the bridge was safe. Others disagreed.")
    make_statement(
        source=source,
        quote="the bridge was safe",
        speaker=make_actor("Eng. Ana"),
        claim=make_claim("The bridge is safe"),
        created_by=researcher,
    )
    return source


@pytest.mark.django_db
def test_a_page_viewed_again_is_answered_without_a_query(
    researcher_client, reading, django_assert_num_queries
):
    url = reading.get_absolute_url()
    researcher_client.get(url)  # rendered; remembered as asked for once
    first = researcher_client.get(url)  # rendered again, and kept
    with django_assert_num_queries(0):
        again = researcher_client.get(url)
    assert again.status_code == 200 and again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["X-Frame-Options"] == "DENY" and "Content-Security-Policy" in again
    # its fragments (htmx headers) are pages of their own
    cards = researcher_client.get(reverse("claims:source_cards", args=[reading.pk]), headers=HTMX)
    assert cards.content != first.content and b"<html" not in cards.content


@pytest.mark.django_db
def test_viewers_never_get_each_others_page(
    researcher_client, editor_client, outsider_client, reading
):
    url = reading.get_absolute_url()
    mine = kept(researcher_client, url)
    theirs = kept(editor_client, url)
    assert mine != theirs  # the navigation names the viewer, the editor sees the queue
    assert page(researcher_client, url) == mine and page(editor_client, url) == theirs
    assert outsider_client.get(url).status_code == 403  # no role: never the cached page
    anon = CsrfClient()
    assert anon.get(url).status_code == 302  # signed out: the login page


@pytest.mark.django_db
def test_every_write_shows_on_the_next_view(researcher_client, reading, researcher):
    url = reading.get_absolute_url()
    kept(researcher_client, url)
    statement = Statement.objects.get(source=reading)
    statement.claim.text = "The bridge is unsafe"
    statement.claim.save()
    assert "The bridge is unsafe" in page(researcher_client, url)
    added = make_statement(source=reading, quote="Others disagreed", created_by=researcher)
    assert f'id="statement-{added.pk}"' in page(researcher_client, url)
    Statement.objects.filter(pk=added.pk).delete()
    assert f'id="statement-{added.pk}"' not in page(researcher_client, url)


@pytest.mark.django_db
def test_a_role_taken_away_shows_on_the_next_view(researcher_client, researcher, reading):
    url = reading.get_absolute_url()
    kept(researcher_client, url)
    researcher.groups.clear()  # a write to auth's tables: the page is not served again
    assert researcher_client.get(url).status_code == 403


@pytest.mark.django_db
def test_signing_out_is_never_undone_by_the_cache(researcher_client, reading):
    url = reading.get_absolute_url()
    kept(researcher_client, url)
    kept_cookie = researcher_client.cookies["sessionid"].value
    assert researcher_client.post(reverse("logout")).status_code == 302
    researcher_client.cookies["sessionid"] = kept_cookie  # the old cookie, replayed
    response = researcher_client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
def test_pages_with_messages_are_neither_served_nor_kept(
    researcher_client, reading, django_assert_max_num_queries
):
    url = reading.get_absolute_url()
    kept(researcher_client, url)
    researcher_client.cookies["messages"] = "a message the page must show"
    with django_assert_max_num_queries(30) as queries:
        researcher_client.get(url)
    assert len(queries) > 0  # rendered, not the page kept before
    session = researcher_client.session
    session["_messages"] = "[]"
    session.save()
    del researcher_client.cookies["messages"]
    with django_assert_max_num_queries(30) as queries:
        researcher_client.get(url)
    assert len(queries) > 0


@pytest.mark.django_db
def test_errors_and_unmarked_pages_are_not_kept(researcher_client, django_assert_max_num_queries):
    missing = reverse("claims:source_detail", args=[987654])
    for _ in range(2):
        with django_assert_max_num_queries(30) as queries:
            assert researcher_client.get(missing).status_code == 404
        assert len(queries) > 0
    data = reverse("claims:data")  # a page not marked @per_viewer (job progress)
    researcher_client.get(data)
    with django_assert_max_num_queries(30) as queries:
        researcher_client.get(data)
    assert len(queries) > 0


@pytest.mark.django_db
def test_a_write_in_a_transaction_renews_the_generation_for_its_own_connection(
    researcher_client, reading
):
    url = reading.get_absolute_url()
    kept(researcher_client, url)
    before = generation()
    with transaction.atomic():
        Claim.objects.filter(text="The bridge is safe").update(
            text="Renamed in a transaction", version=F("version") + 1
        )
        assert generation() != before  # this connection read it: renewed at once
        assert "Renamed in a transaction" in page(researcher_client, url)


# --- other connections: commits, threads released together ---------------------------


@pytest.mark.django_db(transaction=True)
def test_a_commit_on_another_connection_renews_the_generation(researcher):
    claim = make_claim("Before")
    seen = generation()

    def write():
        with transaction.atomic():
            Claim.objects.filter(pk=claim.pk).update(text="After")
            inside = generation()
        return inside, generation()

    [(inside, after)] = race(write)
    assert after != seen and after != inside  # renewed when the transaction committed


@pytest.mark.django_db(transaction=True)
def test_no_stale_page_when_a_view_and_a_save_meet(researcher, other_researcher):
    """A reader's view and another researcher's save released at the same instant, round
    after round: whatever order they ran in, the reader's next view shows every save."""
    source = make_source(text=" ".join(f"Sentence {i} was said." for i in range(8)))
    reader, writer = CsrfClient(), CsrfClient()
    reader.force_login(researcher)
    writer.force_login(other_researcher)
    url = source.get_absolute_url()
    save = reverse("claims:statement_create", args=[source.pk])
    speaker = make_actor("Critic")
    kept(reader, url)
    for i in range(8):
        quote = f"Sentence {i} was said."
        results = race(
            lambda: reader.get(url),
            lambda q=quote: writer.post(
                save, post_data(source.text, q, speaker=speaker.pk), headers=HTMX
            ),
        )
        assert statuses(results) == [200, 201], results[1].content.decode()[-2000:]
        connection.close()
        shown = page(reader, url)
        saved = Statement.objects.filter(source=source).values_list("pk", flat=True)
        assert len(saved) == i + 1
        assert all(f'id="statement-{pk}"' in shown for pk in saved)
        assert f'Statements <span class="muted small">({i + 1})</span>' in shown


@pytest.mark.django_db(transaction=True)
def test_no_stale_page_when_a_view_and_an_admin_edit_meet(admin, researcher):
    """The claim page and an admin's rename of its claim (another path: the admin),
    released together, round after round."""
    claim = make_claim("Round 0")
    source = make_source(text="The bridge was safe, he said.")
    make_statement(source=source, quote="The bridge was safe", claim=claim, created_by=researcher)
    reader = CsrfClient()
    reader.force_login(researcher)
    url = claim.get_absolute_url()
    kept(reader, url)
    for i in range(1, 6):

        def rename(text=f"Round {i}"):
            with transaction.atomic():
                fresh = Claim.objects.select_for_update().get(pk=claim.pk)
                fresh.text = text
                fresh.save()
            return 200

        results = race(lambda: reader.get(url), rename)
        assert statuses(results) == [200, 200]
        assert f"Round {i}" in page(reader, url)


@pytest.mark.django_db(transaction=True)
def test_a_restore_renews_the_generation(monkeypatch):
    from claims import backups

    before = generation()
    calls = []
    monkeypatch.setattr(backups, "_sqlite_restore", lambda **kw: calls.append(kw))
    monkeypatch.setattr(backups, "_pg_restore", lambda **kw: calls.append(kw))
    monkeypatch.setattr(backups, "_kind", lambda plain: connection.vendor)
    with tempfile.TemporaryDirectory() as tmp:
        backup = Path(tmp) / "backup"
        backup.write_bytes(b"x")
        backups.restore(source=backup, force=True)  # the copy itself stubbed out
    assert calls and generation() != before


@pytest.mark.django_db
def test_group_changes_reach_pages_too(researcher_client, researcher, reading):
    url = reading.get_absolute_url()
    kept(researcher_client, url)
    group = Group.objects.get(name=RESEARCHERS)
    group.permissions.clear()  # the role loses its permissions
    assert researcher_client.get(url).status_code == 403


@pytest.mark.django_db
def test_the_page_cache_can_be_turned_off(
    settings, researcher, reading, django_assert_max_num_queries
):
    settings.CLAIMS_PAGE_CACHE = False  # DJANGO_PAGE_CACHE=0
    client = CsrfClient()  # a new client loads the middleware with this setting
    client.force_login(researcher)
    url = reading.get_absolute_url()
    kept(client, url)
    with django_assert_max_num_queries(30) as queries:
        page(client, url)
    assert len(queries) > 0  # rendered again


@pytest.mark.django_db
def test_a_page_is_kept_only_when_asked_for_twice_in_one_generation(
    researcher_client, reading, django_assert_max_num_queries
):
    url = reading.get_absolute_url()
    for _ in range(3):  # a write between views (busy annotation): never kept
        with django_assert_max_num_queries(30) as queries:
            page(researcher_client, url)
        assert len(queries) > 0
        pagecache.bump()


# --- the generation's file (without Redis) ------------------------------------------


def _generation_file(tmp_path) -> pagecache.GenerationFileCache:
    return pagecache.GenerationFileCache(str(tmp_path), {"TIMEOUT": None})


def test_the_generation_file_is_written_over_in_place(tmp_path):
    cache = _generation_file(tmp_path)
    assert cache.get(pagecache.GENERATION_KEY) is None
    cache.set(pagecache.GENERATION_KEY, "first", None)  # made whole, then renamed
    (path,) = tmp_path.iterdir()
    inode = path.stat().st_ino
    for token in ("second", "a longer third token", "4th"):
        cache.set(pagecache.GENERATION_KEY, token, None)
        assert cache.get(pagecache.GENERATION_KEY) == token
    assert [p.stat().st_ino for p in tmp_path.iterdir()] == [inode]  # no new file, no rename


def test_a_generation_file_caught_half_written_reads_as_none(tmp_path):
    cache = _generation_file(tmp_path)
    cache.set(pagecache.GENERATION_KEY, "a" * 16, None)
    (path,) = tmp_path.iterdir()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert cache.get(pagecache.GENERATION_KEY) is None
    path.write_bytes(data[:4] + bytes(len(data) - 4))
    assert cache.get(pagecache.GENERATION_KEY) is None
    # and the next bump writes it whole again
    cache.set(pagecache.GENERATION_KEY, "b" * 16, None)
    assert cache.get(pagecache.GENERATION_KEY) == "b" * 16


def test_the_generation_file_is_made_again_when_deleted(tmp_path):
    cache = _generation_file(tmp_path)
    cache.set(pagecache.GENERATION_KEY, "first", None)
    cache.clear()
    cache.set(pagecache.GENERATION_KEY, "again", None)
    assert cache.get(pagecache.GENERATION_KEY) == "again"


def test_without_redis_the_generation_is_this_file_cache(settings):
    if "generation" not in settings.CACHES:
        pytest.skip("REDIS_URL is set: the generation is in Redis")
    assert isinstance(pagecache._shared(), pagecache.GenerationFileCache)
    before = generation()
    pagecache.bump()
    assert generation() not in (None, before)
