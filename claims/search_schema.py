"""The search indexes' schema, per database (used by migrations 0009 and 0012 and after
every migrate). See claims/search.py for how searches use them.

SQLite: one FTS5 table per searched table, filled by AFTER INSERT/UPDATE/DELETE triggers.
unicode61 with remove_diacritics 2 folds case, accents and decomposed (NFD) accents; it
treats Arabic vowel marks and tatweel as word breaks, so the triggers remove them first
with nested replace() (plain SQL: any client writing to the database keeps the index).

PostgreSQL: a tsvector column `search_vector` per table, set by a BEFORE INSERT/UPDATE
trigger from claims_fold() (unaccent, lower, translate() for the Arabic marks), with a GIN
index; trigram GIN indexes on the folded names and titles. A trigger-maintained column,
not a generated one, so later migrations can still change the columns it reads.
"""

# DDL built only from the constant table and column names below; no user input.
# ruff: noqa: S608

from __future__ import annotations

import re
from dataclasses import dataclass

ARABIC_MARK_CODES = [*range(0x064B, 0x0653), 0x0640]  # fathatan..sukun, tatweel


@dataclass(frozen=True)
class Table:
    table: str
    columns: tuple[tuple[str, str, str], ...]  # (fts column, SQL over the row, pg weight)

    @property
    def fts(self) -> str:
        return f"{self.table}_fts"

    def read_columns(self) -> set[str]:
        return {c for _name, expr, _w in self.columns for c in _columns_in(expr)}


def _columns_in(expr: str) -> list[str]:
    return re.findall(r"\b[a-z_]+\b", expr)


TABLES = (
    Table(
        "claims_source",
        (
            ("title", "title", "A"),
            ("body", "text", "B"),
            ("meta", "publisher || ' ' || byline || ' ' || dateline", "C"),
        ),
    ),
    Table("claims_statement", (("exact", "exact", "A"), ("summary", "summary", "B"))),
    Table("claims_actor", (("name", "name", "A"),)),
    Table("claims_actoralias", (("name", "name", "A"),)),
    Table("claims_claim", (("text", "text", "A"),)),
)
FIRST_TABLES = TABLES  # migration 0009's
# migration 0012: the review queue's search finds a contradiction by its rationale
CONTRADICTIONS = Table("claims_contradiction", (("rationale", "rationale", "A"),))
TABLES = (*FIRST_TABLES, CONTRADICTIONS)
TRGM = (("claims_actor", "name"), ("claims_actoralias", "name"), ("claims_claim", "text"))


def _row(expr: str, row: str) -> str:
    """`expr` over the columns of `row` (new, old, a table name or "" for bare), NULLs
    as ''."""
    prefix = f"{row}." if row else ""
    return re.sub(r"\b[a-z_]+\b", lambda m: f"coalesce({prefix}{m.group()}, '')", expr)


def _strip_marks(sql: str) -> str:
    for code in ARABIC_MARK_CODES:
        sql = f"replace({sql}, char({code}), '')"
    return sql


# --- SQLite --------------------------------------------------------------------------------


def _sqlite_values(t: Table, row: str) -> str:
    return ", ".join(_strip_marks(_row(expr, row)) for _n, expr, _w in t.columns)


def sqlite_create_table(t: Table) -> str:
    cols = ", ".join(name for name, _e, _w in t.columns)
    return (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {t.fts} USING fts5("
        f"{cols}, tokenize = 'unicode61 remove_diacritics 2')"
    )


def sqlite_fill(t: Table) -> list[str]:
    cols = ", ".join(name for name, _e, _w in t.columns)
    values = _sqlite_values(t, "")
    return [
        f"DELETE FROM {t.fts}",
        f"INSERT INTO {t.fts} (rowid, {cols}) SELECT id, {values} FROM {t.table}",
    ]


def sqlite_triggers(t: Table) -> dict[str, str]:
    cols = ", ".join(name for name, _e, _w in t.columns)
    watched = ", ".join(sorted(t.read_columns() | {"id"}))
    insert_new = f"INSERT INTO {t.fts} (rowid, {cols}) VALUES (new.id, {_sqlite_values(t, 'new')});"
    return {
        f"{t.table}_fts_ai": (
            f"CREATE TRIGGER IF NOT EXISTS {t.table}_fts_ai AFTER INSERT ON {t.table} "
            f"BEGIN {insert_new} END"
        ),
        f"{t.table}_fts_au": (
            f"CREATE TRIGGER IF NOT EXISTS {t.table}_fts_au AFTER UPDATE OF {watched} "
            f"ON {t.table} BEGIN DELETE FROM {t.fts} WHERE rowid = old.id; {insert_new} END"
        ),
        f"{t.table}_fts_ad": (
            f"CREATE TRIGGER IF NOT EXISTS {t.table}_fts_ad AFTER DELETE ON {t.table} "
            f"BEGIN DELETE FROM {t.fts} WHERE rowid = old.id; END"
        ),
    }


def sqlite_forward(cursor, tables=FIRST_TABLES) -> None:
    for t in tables:
        cursor.execute(sqlite_create_table(t))
        for sql in sqlite_triggers(t).values():
            cursor.execute(sql)
        for sql in sqlite_fill(t):
            cursor.execute(sql)


def sqlite_backward(cursor, tables=FIRST_TABLES) -> None:
    for t in tables:
        for name in sqlite_triggers(t):
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {t.fts}")


def sqlite_ensure(cursor) -> list[str]:
    """Re-create missing triggers (a table rebuilt by a migration loses them) and refill
    those indexes. Does nothing before the search migration ran. Returns what it repaired."""
    cursor.execute("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger')")
    present = {name for _type, name in cursor.fetchall()}
    repaired = []
    for t in TABLES:
        if t.fts not in present or t.table not in present:
            continue
        triggers = sqlite_triggers(t)
        if all(name in present for name in triggers):
            continue
        for sql in triggers.values():
            cursor.execute(sql)
        for sql in sqlite_fill(t):
            cursor.execute(sql)
        repaired.append(t.table)
    return repaired


# --- PostgreSQL ----------------------------------------------------------------------------


def _pg_marks() -> str:
    return "".join(chr(c) for c in ARABIC_MARK_CODES)


# '<' and '>' become spaces: PostgreSQL's parser drops anything that looks like an HTML
# tag ("<script>"), and article text is plain text whose words must all be found.
PG_FOLD = (
    "CREATE OR REPLACE FUNCTION claims_fold(text) RETURNS text "
    "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fold$ "
    "SELECT translate(lower(public.unaccent('public.unaccent'::regdictionary, $1)), "
    f"'<>{_pg_marks()}', '  ') $fold$"
)


def _pg_vector(t: Table, row: str) -> str:
    parts = [
        f"setweight(to_tsvector('simple', claims_fold({_row(expr, row)})), '{weight}')"
        for _n, expr, weight in t.columns
    ]
    return " || ".join(parts)


def pg_forward(cursor, tables=FIRST_TABLES, *, common: bool = True) -> None:
    """The tables' search columns, triggers and GIN indexes; with `common` (migration
    0009) also the extensions, claims_fold() and the trigram indexes."""
    if common:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public")
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        cursor.execute(PG_FOLD)
    for t in tables:
        watched = ", ".join(sorted(t.read_columns()))
        cursor.execute(f"ALTER TABLE {t.table} ADD COLUMN IF NOT EXISTS search_vector tsvector")
        cursor.execute(
            f"CREATE OR REPLACE FUNCTION {t.table}_search() RETURNS trigger LANGUAGE plpgsql "
            f"AS $body$ BEGIN NEW.search_vector := {_pg_vector(t, 'NEW')}; RETURN NEW; END "
            "$body$"
        )
        cursor.execute(f"DROP TRIGGER IF EXISTS {t.table}_search ON {t.table}")
        cursor.execute(
            f"CREATE TRIGGER {t.table}_search BEFORE INSERT OR UPDATE OF {watched} "
            f"ON {t.table} FOR EACH ROW EXECUTE FUNCTION {t.table}_search()"
        )
        cursor.execute(f"UPDATE {t.table} SET search_vector = {_pg_vector(t, t.table)}")
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {t.table}_search_idx ON {t.table} "
            "USING gin (search_vector)"
        )
    for table, column in TRGM if common else ():
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_{column}_trgm ON {table} "
            f"USING gin (claims_fold({column}) gin_trgm_ops)"
        )


def pg_backward(cursor, tables=FIRST_TABLES, *, common: bool = True) -> None:
    for table, column in TRGM if common else ():
        cursor.execute(f"DROP INDEX IF EXISTS {table}_{column}_trgm")
    for t in tables:
        cursor.execute(f"DROP INDEX IF EXISTS {t.table}_search_idx")
        cursor.execute(f"DROP TRIGGER IF EXISTS {t.table}_search ON {t.table}")
        cursor.execute(f"DROP FUNCTION IF EXISTS {t.table}_search()")
        cursor.execute(f"ALTER TABLE {t.table} DROP COLUMN IF EXISTS search_vector")
    if common:
        cursor.execute("DROP FUNCTION IF EXISTS claims_fold(text)")


def forward(connection, tables=FIRST_TABLES, *, common: bool = True) -> None:
    """Create the indexes of `tables` (migration 0009: the first five and what they share;
    0012: the contradictions' rationale, ``common=False``)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            sqlite_forward(cursor, tables)
        elif connection.vendor == "postgresql":
            pg_forward(cursor, tables, common=common)


def backward(connection, tables=FIRST_TABLES, *, common: bool = True) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            sqlite_backward(cursor, tables)
        elif connection.vendor == "postgresql":
            pg_backward(cursor, tables, common=common)


def ensure(connection) -> list[str]:
    """After every migrate: SQLite triggers lost to a table rebuild come back."""
    if connection.vendor != "sqlite":
        return []
    with connection.cursor() as cursor:
        return sqlite_ensure(cursor)
