"""Issue 7.12: `manage.py backup` and `manage.py restore` (claims/backups.py).

SQLite: the online backup runs while several threads keep recording statements through the
service; the backup restored into a fresh empty database file holds every statement committed
before it began, only whole transactions, and after the writers stop a second backup restores
to the same rows, table by table and field by field, with every anchor verified. PostgreSQL:
the same with pg_dump, restored with pg_restore into a database created for the test on the
same server (dropped afterwards). Each engine's test skips on the other's suite.
"""

from __future__ import annotations

import gzip
import io
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.db.utils import load_backend

from claims import anchoring
from claims.backups import verify_database
from claims.management.commands.demo import load_demo
from claims.models import Actor, Claim, Contradiction, Source, Statement
from claims.services.statements import NewActor, statement_create

pytestmark = pytest.mark.django_db(transaction=True)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
WRITERS = 3
SYNTH_STATEMENTS = 1500
COMPARED = [Source, Actor, Claim, Statement, Contradiction, Statement.history.model, User]


def _skip_unless(vendor: str) -> None:
    if connection.vendor != vendor:
        what, where = {
            "sqlite": ("SQLite's online backup API", "`make test` (SQLite)"),
            "postgresql": ("pg_dump and pg_restore", "`make test-pg` (PostgreSQL)"),
        }[vendor]
        pytest.skip(f"{what}: this runs in {where}, not on {connection.vendor}.")
    if vendor == "postgresql":
        missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
        if missing:
            message = f"{', '.join(missing)} not installed (Debian: postgresql-client)"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)


# --- data and databases ----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    """demo and synth set eight passwords; the default hasher would take seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sqlite_only() -> None:
    _skip_unless("sqlite")


@pytest.fixture
def postgresql_only() -> None:
    _skip_unless("postgresql")


@pytest.fixture
def seeded(transactional_db) -> User:
    """The demo data set (the seed article, 20 statements with history) plus synth's
    1,500 statements over many sources; answers the researcher who writes."""
    load_demo()
    call_command("synth", "--statements", str(SYNTH_STATEMENTS), stdout=io.StringIO())
    return User.objects.get(username="researcher")


@pytest.fixture
def fresh_database(tmp_path):
    """make(alias): a new, empty database on the test's engine under a second connection
    alias: a file in tmp_path for SQLite, CREATE DATABASE on the same server for
    PostgreSQL (dropped at the end)."""
    made: list[tuple[str, str]] = []
    default = connections["default"].settings_dict

    def make(alias: str) -> str:
        if connection.vendor == "sqlite":
            name = str(tmp_path / f"{alias}.sqlite3")
        else:
            name = f"{default['NAME']}_{alias}"
            with connection.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")
                cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
        # registered on this thread only, not in settings: Django's test case then lets
        # it connect (an alias named in DATABASES would have to be in the test's databases)
        backend = load_backend(default["ENGINE"])
        connections[alias] = backend.DatabaseWrapper({**default, "NAME": name}, alias)
        made.append((alias, name))
        return alias

    yield make
    for alias, name in made:
        connections[alias].close()
        del connections[alias]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} WITH (FORCE)"
                )


class Writers:
    """Threads that keep recording statements through the service (each with a new
    speaker, so each transaction writes an actor, a statement and both history rows)
    until stopped. Each commit is logged with the times just before and after the call."""

    def __init__(self, *, user: User, threads: int = WRITERS) -> None:
        self.user = user
        self.sources = list(Source.objects.values_list("pk", "text"))
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.commits: list[tuple[float, float, int]] = []  # (before, after, statement id)
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(threads)]

    def __enter__(self) -> Writers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)

    def _run(self, n: int) -> None:
        rng = random.Random(n)
        try:
            i = 0
            while not self.stop.is_set():
                pk, text = rng.choice(self.sources)
                start = rng.randrange(0, len(text) - 40)
                anchor = anchoring.make_anchor(text, start, start + rng.randint(5, 40))
                before = time.monotonic()
                statement = statement_create(
                    user=self.user,
                    source=Source(pk=pk, text=text),
                    anchor=anchor,
                    speaker=NewActor(f"Writer {n}-{i}"),
                )
                after = time.monotonic()
                with self.lock:
                    self.commits.append((before, after, statement.pk))
                i += 1
        except BaseException as exc:  # the test reports it
            self.errors.append(exc)
        finally:
            connection.close()

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.commits) < count and time.monotonic() < deadline and not self.errors:
            time.sleep(0.01)
        assert not self.errors, self.errors
        assert len(self.commits) >= count, f"writers made {len(self.commits)} statements"

    def between(self, start: float, end: float) -> list[int]:
        """Statements whose whole call (and so whose commit) fell inside [start, end]."""
        with self.lock:
            return [pk for before, after, pk in self.commits if before >= start and after <= end]

    def before(self, moment: float) -> set[int]:
        with self.lock:
            return {pk for _before, after, pk in self.commits if after < moment}


def _counts(using: str) -> dict[str, int]:
    return verify_database(using=using).counts


def _rows(model, using: str) -> list[dict]:
    return list(model._default_manager.using(using).order_by("pk").values())


def _restore(backup: Path, alias: str) -> str:
    out = io.StringIO()
    call_command("restore", str(backup), database=alias, stdout=out)
    return out.getvalue()


# --- backup while users write ----------------------------------------------------------------


def _backup_while_writing(*, user: User, tmp_path: Path, fresh_database, suffix: str) -> None:
    with Writers(user=user) as writers:
        writers.wait_for(WRITERS * 3)
        before_counts = _counts("default")
        # Back up until one backup had a statement committed entirely inside it (the first
        # one, unless the machine is very fast): the writers did not wait for the backup.
        for attempt in range(20):
            backup = tmp_path / f"during-{attempt}{suffix}"
            started = time.monotonic()
            call_command("backup", str(backup), stdout=io.StringIO())
            ended = time.monotonic()
            during = writers.between(started, ended)
            if during:
                break
        committed_before = writers.before(started)
        writers.wait_for(len(writers.commits) + WRITERS)  # still writing afterwards
    assert not writers.errors, writers.errors
    assert during, "no statement was committed while any of 20 backups ran"
    after_counts = _counts("default")
    written = {pk for _b, _a, pk in writers.commits}

    alias = fresh_database("during")
    report = _restore(backup, alias)
    restored = set(Statement.objects.using(alias).values_list("pk", flat=True))
    check = verify_database(using=alias)
    assert check.anchors == len(restored) and check.wrong == []
    assert f"{len(restored):,} anchors verified, 0 wrong." in report
    # every statement committed before the backup began is in it; nothing invented
    assert committed_before <= restored
    assert restored <= set(Statement.objects.values_list("pk", flat=True))
    # whole transactions only: a writer's statement is there exactly when its speaker and
    # its history row are (they were written in the same transaction)
    mine = restored & written
    history = Statement.history.model.objects.using(alias)
    assert set(history.filter(id__in=written).values_list("id", flat=True)) == mine
    speakers = Actor.objects.using(alias).filter(name__startswith="Writer ")
    assert speakers.count() == len(mine)
    # and every table holds between what it held before the backup and after it (SQLite's
    # FTS5 shadow tables merge their segments, so their row counts may shrink: left out)
    for table, rows in check.counts.items():
        if "_fts" not in table:
            assert before_counts[table] <= rows <= after_counts[table], table

    # quiet now: a second backup restores to exactly the live database
    final = tmp_path / f"after{suffix}"
    call_command("backup", str(final), stdout=io.StringIO())
    alias = fresh_database("after")
    report = _restore(final, alias)
    assert _counts(alias) == _counts("default")
    for model in COMPARED:
        assert _rows(model, alias) == _rows(model, "default"), model.__name__
    statements = Statement.objects.count()
    assert statements == SYNTH_STATEMENTS + 20 + len(written)
    assert f"{statements:,} anchors verified, 0 wrong." in report


def test_sqlite_online_backup_while_users_write_restores_every_record(
    sqlite_only, seeded, tmp_path, fresh_database
):
    _backup_while_writing(
        user=seeded, tmp_path=tmp_path, fresh_database=fresh_database, suffix=".sqlite3.gz"
    )


def test_postgresql_pg_dump_while_users_write_restores_every_record(
    postgresql_only, seeded, tmp_path, fresh_database
):
    _backup_while_writing(
        user=seeded, tmp_path=tmp_path, fresh_database=fresh_database, suffix=".dump"
    )


def test_backup_does_not_wait_for_an_open_transaction_and_leaves_it_out(
    seeded, tmp_path, fresh_database
):
    """A writer holds its transaction open (on SQLite: the write lock) while the backup
    runs: the backup finishes without waiting, and the uncommitted statement is not in it."""
    held, release = threading.Event(), threading.Event()
    source = Source.objects.get(title__startswith="Al-Sadr")
    anchor = anchoring.make_anchor(source.text, 0, 20)

    def hold() -> None:
        try:
            with transaction.atomic():
                statement_create(
                    user=seeded, source=source, anchor=anchor, speaker=NewActor("Uncommitted")
                )
                held.set()
                release.wait(60)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert held.wait(30)
        started = time.monotonic()
        call_command("backup", str(tmp_path / "open.bak"), stdout=io.StringIO())
        took = time.monotonic() - started
    finally:
        release.set()
        thread.join(60)
    assert took < 10  # a backup waiting for the lock would hang until it is released
    assert Actor.objects.filter(name="Uncommitted").exists()  # committed after the backup
    alias = fresh_database("open")
    _restore(tmp_path / "open.bak", alias)
    assert not Actor.objects.using(alias).filter(name="Uncommitted").exists()
    assert Statement.objects.using(alias).count() == Statement.objects.count() - 1


# --- refusals ---------------------------------------------------------------------------------


@pytest.fixture
def demo(transactional_db) -> None:
    load_demo()


def test_restore_refuses_a_missing_file(demo):
    with pytest.raises(CommandError, match="No backup at .*does not exist"):
        call_command("restore", "/nonexistent/claims.bak")


def test_restore_refuses_a_file_that_is_not_a_backup(demo, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("Just some notes, not a database.\n")
    with pytest.raises(CommandError, match="is not a backup"):
        call_command("restore", str(junk))


def test_restore_refuses_a_database_that_has_tables(demo, tmp_path):
    backup = tmp_path / ("demo.dump" if connection.vendor == "postgresql" else "demo.sqlite3")
    call_command("backup", str(backup), stdout=io.StringIO())
    Source.objects.update(title="Changed after the backup")
    with pytest.raises(CommandError, match="is not empty .*--force"):
        call_command("restore", str(backup))
    assert Source.objects.get().title == "Changed after the backup"  # untouched


def test_restore_refuses_a_backup_of_the_other_engine(demo, tmp_path):
    if connection.vendor == "sqlite":
        other = tmp_path / "claims.dump"
        other.write_bytes(b"PGDMP\x01\x0e\x00" + bytes(200))
        expected = "is a PostgreSQL backup, but the database .* is SQLite"
    else:
        other = tmp_path / "claims.sqlite3"
        with sqlite3.connect(other) as db:
            db.execute("CREATE TABLE claims_statement (id INTEGER PRIMARY KEY)")
        expected = "is a SQLite backup, but the database .* is PostgreSQL"
    with pytest.raises(CommandError, match=expected):
        call_command("restore", str(other))


def test_sqlite_restore_refuses_another_apps_database_and_a_truncated_file(
    sqlite_only, demo, tmp_path, fresh_database
):
    alias = fresh_database("target")
    stranger = tmp_path / "stranger.sqlite3"
    with sqlite3.connect(stranger) as db:
        db.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY)")
    with pytest.raises(CommandError, match="not a backup of this app"):
        call_command("restore", str(stranger), database=alias)
    whole = tmp_path / "demo.sqlite3.gz"
    call_command("backup", str(whole), stdout=io.StringIO())
    cut = tmp_path / "cut.sqlite3.gz"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(CommandError, match="not a complete gzip file"):
        call_command("restore", str(cut), database=alias)
    assert not Path(connections[alias].settings_dict["NAME"]).exists()  # nothing written
    with gzip.open(whole) as f:  # the .gz is a gzip of a SQLite database
        assert f.read(16) == b"SQLite format 3\x00"


def test_sqlite_backup_refuses_to_overwrite_the_database_itself(sqlite_only, demo):
    database = Path(connection.settings_dict["NAME"])
    with pytest.raises(CommandError, match="is the database itself"):
        call_command("backup", str(database))
    with pytest.raises(CommandError, match="is the database to restore into"):
        call_command("restore", str(database), force=True)
    assert Source.objects.count() == 1  # still the demo's database


def test_postgresql_backup_refuses_a_gz_name(postgresql_only, demo, tmp_path):
    with pytest.raises(CommandError, match="compressed already"):
        call_command("backup", str(tmp_path / "claims.dump.gz"))
    assert list(tmp_path.iterdir()) == []  # no partial file left behind


def test_verify_only_reports_an_anchor_that_no_longer_matches(demo):
    out = io.StringIO()
    call_command("restore", verify_only=True, stdout=out)
    assert "20 anchors verified, 0 wrong." in out.getvalue()
    assert "claims_statement" in out.getvalue()
    source = Source.objects.get()
    Source.objects.update(text="X" + source.text)  # behind the services' back: shifts every span
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="20 anchors do not match"):
        call_command("restore", verify_only=True, stdout=out, stderr=err)
    assert "0 anchors verified, 20 wrong." in out.getvalue()
    assert "wrong: statement" in err.getvalue()


def test_the_command_exits_non_zero_with_the_message(tmp_path):
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "SQLITE_PATH": str(tmp_path / "none.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "restore", str(tmp_path / "missing.bak")],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "CommandError: No backup at" in done.stderr
    assert "does not exist" in done.stderr
