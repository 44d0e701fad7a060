"""Backups and restores of the whole database, and a check of what a restore brought back.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies the database in one step,
inside one read transaction: with WAL on, writers carry on meanwhile and the copy is the
database as of one instant (no half-written transaction). PostgreSQL: `pg_dump --format=custom`
(one REPEATABLE READ snapshot) and `pg_restore --no-owner`. A backup is written to a temporary
file beside OUT and renamed when complete, so OUT is never a partial file.

Restores go into an empty database only (unless `force`); `verify_database` then counts every
table's rows and re-checks every statement's anchor against its source's text.

Every refusal raises BackupError with a message meant for the person running the command.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connections

from claims import anchoring, pagecache

SQLITE_MAGIC = b"SQLite format 3\x00"
GZIP_MAGIC = b"\x1f\x8b"
PGDUMP_MAGIC = b"PGDMP"
MARKER_TABLE = "claims_statement"  # a backup of this app has it
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why and what to do."""


@dataclass(frozen=True)
class Result:
    path: Path
    engine: str
    bytes: int
    seconds: float


@dataclass
class Verification:
    counts: dict[str, int] = field(default_factory=dict)  # table -> rows
    anchors: int = 0  # statements whose anchor was checked (all but those flagged lost)
    lost: int = 0  # flagged lost by a text edit: their span is not expected to match
    wrong: list[str] = field(default_factory=list)  # one line per anchor that does not verify

    @property
    def ok(self) -> bool:
        return not self.wrong


# --- entry points --------------------------------------------------------------------------


def backup(*, using: str = "default", out: Path) -> Result:
    """Back up the database `using` to `out` (gzip-compressed if SQLite and out ends in .gz)."""
    started = time.perf_counter()
    vendor = _vendor(using)
    out = Path(out)
    if out.is_dir():
        raise BackupError(f"{out} is a folder: give the backup's file name.")
    if not out.parent.is_dir():
        raise BackupError(f"The folder {out.parent} does not exist.")
    if vendor == "sqlite":
        _sqlite_backup(path=_sqlite_path(using), out=out)
    else:
        _pg_backup(using=using, out=out)
    return Result(out, _ENGINE_NAMES[vendor], out.stat().st_size, time.perf_counter() - started)


def restore(*, using: str = "default", source: Path, force: bool = False) -> Result:
    """Restore the backup `source` into the database `using`, which must be empty unless
    `force`. Refuses a missing file, a file that is no backup of this app, and a backup made
    from the other database engine."""
    started = time.perf_counter()
    vendor = _vendor(using)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"No backup at {source}: the file does not exist.")
    with _unwrapped(source) as plain:
        kind = _kind(plain)
        if kind is None:
            raise BackupError(
                f"{source} is not a backup: it is neither a SQLite database nor a pg_dump "
                "custom-format archive (made by `manage.py backup`)."
            )
        if kind != vendor:
            raise BackupError(
                f"{source} is a {_ENGINE_NAMES[kind]} backup, but the database to restore "
                f"into ({using!r}) is {_ENGINE_NAMES[vendor]}. Restore it into a "
                f"{_ENGINE_NAMES[kind]} database (set or unset DATABASE_URL)."
            )
        connections[using].close()
        if vendor == "sqlite":
            _sqlite_restore(backup=plain, target=Path(_sqlite_path(using)), force=force)
        else:
            _pg_restore(using=using, backup=plain, force=force)
    connections[using].close()
    pagecache.bump()  # written beside Django's connection: no cached page may survive it
    return Result(
        source, _ENGINE_NAMES[vendor], source.stat().st_size, time.perf_counter() - started
    )


def verify_database(*, using: str = "default") -> Verification:
    """Count every table's rows and re-verify every statement's anchor in the database
    `using` (statements flagged lost are counted, not checked: a text edit moved their
    words away on purpose, and the app shows them as lost)."""
    connection = connections[using]
    result = Verification()
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            result.counts[table] = cursor.fetchone()[0]
    _verify_anchors(using=using, into=result)
    return result


# --- SQLite --------------------------------------------------------------------------------


def _sqlite_path(using: str) -> str:
    name = str(connections[using].settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError(f"The SQLite database {name!r} is not a file; nothing to back up.")
    return name


def _sqlite_backup(*, path: str, out: Path) -> None:
    if not Path(path).is_file():
        raise BackupError(f"The SQLite database {path} does not exist.")
    if _same_file(out, Path(path)):
        raise BackupError(f"{out} is the database itself: write the backup to another file.")
    with _temporary(beside=out) as copy:
        src = sqlite3.connect(path, timeout=20)
        dst = sqlite3.connect(copy)
        try:
            # pages=-1: the whole database in one step, in one read transaction. A stepped
            # backup would restart every time another connection writes, and never end
            # while users keep writing.
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            _sqlite_check(dst, what=f"The backup of {path}")
        finally:
            dst.close()
            src.close()
        if out.name.endswith(".gz"):
            with _temporary(beside=out) as packed:
                with open(copy, "rb") as raw, gzip.open(packed, "wb", compresslevel=6) as gz:
                    shutil.copyfileobj(raw, gz, CHUNK)
                _publish(packed, out)
        else:
            _publish(copy, out)


def _sqlite_restore(*, backup: Path, target: Path, force: bool) -> None:
    if _same_file(backup, target):
        raise BackupError(f"{backup} is the database to restore into: nothing to do.")
    src = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    try:
        _sqlite_check(src, what=f"The backup {backup}")
        tables = _sqlite_tables(src)
        if MARKER_TABLE not in tables:
            raise BackupError(
                f"{backup} is a SQLite database but not a backup of this app "
                f"(it has no {MARKER_TABLE} table)."
            )
        if not target.parent.is_dir():
            raise BackupError(f"The folder {target.parent} does not exist.")
        if target.exists() and target.stat().st_size and not force:
            existing = _sqlite_tables_of(target)
            if existing:
                raise BackupError(
                    f"The database {target} is not empty ({len(existing)} tables, e.g. "
                    f"{', '.join(sorted(existing)[:3])}). Restore into a new or empty "
                    "database file, or pass --force to replace its contents."
                )
        dst = sqlite3.connect(target, timeout=20)
        try:
            src.backup(dst, pages=-1)  # replaces the whole target in one transaction
            dst.execute("PRAGMA journal_mode=WAL")  # what the app's settings ask for
            _sqlite_check(dst, what=f"The restored database {target}")
        finally:
            dst.close()
    finally:
        src.close()


def _sqlite_check(db: sqlite3.Connection, *, what: str) -> None:
    """PRAGMA integrity_check and foreign_key_check must both come back clean."""
    try:
        rows = [r[0] for r in db.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} is not a readable SQLite database: {exc}.") from None
    if rows != ["ok"]:
        raise BackupError(f"{what} fails PRAGMA integrity_check: {'; '.join(rows[:5])}.")
    broken = db.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise BackupError(
            f"{what} has {len(broken)} rows whose foreign keys point nowhere "
            f"(first: table {broken[0][0]}, row {broken[0][1]})."
        )


def _sqlite_tables(db: sqlite3.Connection) -> set[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return {r[0] for r in rows}


def _sqlite_tables_of(path: Path) -> set[str]:
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return _sqlite_tables(db)
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            f"{path} exists and is not a SQLite database ({exc}); refusing to overwrite it. "
            "Remove it, or pass --force."
        ) from None


# --- PostgreSQL ----------------------------------------------------------------------------


def _pg_env(using: str) -> dict[str, str]:
    """libpq's environment for the connection `using`: the password travels here, never on
    a command line (where `ps` shows it to every user of the machine)."""
    db = connections[using].settings_dict
    options = db.get("OPTIONS") or {}
    env = {**os.environ}
    for var, value in {
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGDATABASE": db.get("NAME"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGSSLCERT": options.get("sslcert"),
        "PGSSLKEY": options.get("sslkey"),
        "PGPASSFILE": options.get("passfile"),
        "PGSERVICE": options.get("service"),
    }.items():
        if value:
            env[var] = str(value)
    return env


def _pg_tool(name: str, *, using: str) -> str:
    """The client `name` (pg_dump, pg_restore), checked against the server's major version:
    an older client refuses a newer server, and a newer one writes archives that an older
    pg_restore cannot read, so the majors must match."""
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(
            f"{name} is not installed: install PostgreSQL's client tools "
            "(Debian: apt-get install postgresql-client)."
        )
    banner = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"(\d+)(?:\.(\d+))?", banner.stdout)
    if match is None:
        raise BackupError(f"Cannot tell the version of {tool}: {banner.stdout.strip()!r}.")
    client = int(match.group(1))
    connection = connections[using]
    connection.ensure_connection()
    server = connection.pg_version // 10000
    if client != server:
        raise BackupError(
            f"{tool} is PostgreSQL {client}, the server is PostgreSQL {server}: use the "
            f"client tools of version {server} (e.g. /usr/lib/postgresql/{server}/bin/{name} "
            "first on PATH)."
        )
    return tool


def _run(argv: list[str], *, env: dict[str, str], what: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()
        raise BackupError(f"{what} failed (exit {done.returncode}): {detail}")


def _pg_backup(*, using: str, out: Path) -> None:
    if out.name.endswith(".gz"):
        raise BackupError(
            "A PostgreSQL backup is pg_dump's custom format, compressed already: name it "
            "e.g. claims.dump, not .gz."
        )
    tool = _pg_tool("pg_dump", using=using)
    with _temporary(beside=out) as tmp:
        _run(
            [tool, "--format=custom", "--no-password", f"--file={tmp}"],
            env=_pg_env(using),
            what="pg_dump",
        )
        _publish(tmp, out)


def _pg_restore(*, using: str, backup: Path, force: bool) -> None:
    tool = _pg_tool("pg_restore", using=using)
    env = _pg_env(using)
    listing = subprocess.run(
        [tool, "--list", str(backup)], env=env, capture_output=True, text=True, check=False
    )
    if listing.returncode != 0:
        raise BackupError(f"{backup} is not a readable pg_dump archive: {listing.stderr.strip()}")
    if not re.search(rf"\bTABLE \S+ {MARKER_TABLE}\b", listing.stdout):
        raise BackupError(
            f"{backup} is a pg_dump archive but not a backup of this app "
            f"(it has no {MARKER_TABLE} table)."
        )
    tables = _pg_tables(using)
    if tables and not force:
        raise BackupError(
            f"The database {connections[using].settings_dict['NAME']!r} is not empty "
            f"({len(tables)} tables, e.g. {', '.join(tables[:3])}). Restore into a new "
            "database (createdb NAME), or pass --force to drop and replace what the backup holds."
        )
    argv = [
        tool,
        "--no-owner",  # the restoring user owns everything, whoever owned it before
        "--no-privileges",  # grants name roles that may not exist on this server
        "--exit-on-error",
        "--single-transaction",  # all or nothing
        "--no-password",
        f"--dbname={connections[using].settings_dict['NAME']}",
    ]
    if force:
        argv += ["--clean", "--if-exists"]
    connections[using].close()
    _run([*argv, str(backup)], env=env, what="pg_restore")
    with connections[using].cursor() as cursor:
        cursor.execute("ANALYZE")  # pg_restore leaves the planner without statistics


def _pg_tables(using: str) -> list[str]:
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT schemaname || '.' || tablename FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
        )
        return [r[0] for r in cursor.fetchall()]


# --- verification --------------------------------------------------------------------------


def _verify_anchors(*, using: str, into: Verification) -> None:
    from claims.models import Source, Statement

    rows = (
        Statement.objects.using(using)
        .order_by("source_id", "id")
        .values_list("id", "source_id", "start", "end", "exact", "anchor_status")
    )
    texts = Source.objects.using(using)
    source_id, text = None, ""
    for pk, sid, start, end, exact, status in rows.iterator(chunk_size=2000):
        if status == Statement.AnchorStatus.LOST:
            into.lost += 1
            continue
        if sid != source_id:
            source_id, text = sid, texts.values_list("text", flat=True).get(pk=sid)
        into.anchors += 1
        try:
            anchoring.verify(text, start, end, exact)
        except anchoring.AnchorError as exc:
            into.wrong.append(f"statement {pk} (source {sid}): {exc}")


# --- files ---------------------------------------------------------------------------------

_ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _vendor(using: str) -> str:
    vendor = connections[using].vendor
    if vendor not in _ENGINE_NAMES:
        raise BackupError(
            f"The database {using!r} is {vendor}: backups handle SQLite and PostgreSQL only."
        )
    return vendor


def _kind(path: Path) -> str | None:
    with open(path, "rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    return None


@contextmanager
def _unwrapped(path: Path) -> Iterator[Path]:
    """`path`, or a decompressed temporary copy of it when it is gzip-compressed."""
    with open(path, "rb") as f:
        gzipped = f.read(2) == GZIP_MAGIC
    if not gzipped:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="claims-restore-") as folder:
        plain = Path(folder) / path.name.removesuffix(".gz")
        try:
            with gzip.open(path, "rb") as gz, open(plain, "wb") as raw:
                shutil.copyfileobj(gz, raw, CHUNK)
        except (OSError, EOFError) as exc:
            raise BackupError(f"{path} is not a complete gzip file: {exc}.") from None
        yield plain


@contextmanager
def _temporary(*, beside: Path) -> Iterator[Path]:
    """A fresh temporary file name in `beside`'s folder (so the final rename stays on one
    file system), removed afterwards unless it was published."""
    fd, name = tempfile.mkstemp(prefix=f".{beside.name}.", suffix=".tmp", dir=beside.parent)
    os.close(fd)
    os.unlink(name)  # sqlite3 and pg_dump create it themselves
    tmp = Path(name)
    try:
        yield tmp
    finally:
        for leftover in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            with suppress(FileNotFoundError):
                leftover.unlink()


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))


def _publish(tmp: Path, out: Path) -> None:
    """fsync the finished file, then rename it over `out` (atomic on POSIX)."""
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, out)
    with suppress(OSError):
        folder = os.open(out.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
