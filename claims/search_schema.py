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
    doc_triggers = sqlite_doc_triggers()
    if DOC_FTS in present and not all(name in present for name in doc_triggers):
        for sql in doc_triggers.values():
            cursor.execute(sql)
        for sql in sqlite_doc_fill():
            cursor.execute(sql)
        repaired.append(DOC_FTS)
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


# --- the review queue's document: one per contradiction, over five tables -------------------
#
# Migration 0013. The queue's search finds a contradiction by its rationale, its claim, and
# each of its two statements' quote, summary, speaker (name and aliases) and claim. That is
# one document per contradiction, kept by triggers on every table it reads from, so a
# search is one index lookup on the contradictions themselves: gathering the matching
# statements first (the newest WINDOW by text, plus every statement of the matching
# speakers and claims) grew with the table, and missed the contradictions of the older
# ones. A trigger recomputes only the documents a change touches, and only when a column
# the document reads changed (Django's save() writes every column).
#
# SQLite: an FTS5 table ``claims_contradiction_doc_fts`` (one column, ``doc``; rowid = the
# contradiction's id). PostgreSQL: a table ``claims_contradiction_doc`` (contradiction_id,
# search_vector) with a GIN index; 0012's rationale-only column on the contradictions goes.

DOC_FTS = "claims_contradiction_doc_fts"


def _sides(statements: str) -> tuple[str, ...]:
    """The contradictions one of whose two statements is among `statements`."""
    return tuple(
        f"SELECT id FROM claims_contradiction WHERE {side} IN ({statements})"
        for side in ("first_id", "second_id")
    )


# What a change to each table touches: the columns the document reads there, the column
# that names the rows it reads by (the key), and the ids of the contradictions whose
# documents read those rows ({keys}: the keys), one indexed lookup per part, combined with
# UNION (an OR across them made PostgreSQL read every contradiction: 0.9 s for an actor's
# rename at 1,000,000 statements).
DOC_WATCH = {
    "claims_statement": (
        ("exact", "summary", "speaker_id", "claim_id"),
        "id",
        (
            "SELECT id FROM claims_contradiction WHERE first_id IN ({keys})",
            "SELECT id FROM claims_contradiction WHERE second_id IN ({keys})",
        ),
    ),
    "claims_actor": (
        ("name",),
        "id",
        _sides("SELECT id FROM claims_statement WHERE speaker_id IN ({keys})"),
    ),
    "claims_actoralias": (  # also when an alias moves to another actor, or comes or goes
        ("name", "actor_id"),
        "actor_id",
        _sides("SELECT id FROM claims_statement WHERE speaker_id IN ({keys})"),
    ),
    "claims_claim": (
        ("text",),
        "id",
        (
            "SELECT id FROM claims_contradiction WHERE claim_id IN ({keys})",
            *_sides("SELECT id FROM claims_statement WHERE claim_id IN ({keys})"),
        ),
    ),
}


def _touched(parts: tuple[str, ...], keys: str) -> str:
    return " UNION ".join(part.format(keys=keys) for part in parts)


DOC_OWN = ("rationale", "claim_id", "first_id", "second_id")


def doc_sql(row: str, *, pg: bool) -> str:
    """The document of the contradiction `row` (its table's alias) as text."""
    agg = "string_agg({x}, ' ')" if pg else "group_concat({x}, ' ')"
    aliases = agg.format(x="al.name")
    statement = (
        "coalesce(s.exact, '') || ' ' || coalesce(s.summary, '') || ' ' || "
        "coalesce(a.name, '') || ' ' || coalesce((SELECT "
        f"{aliases} FROM claims_actoralias al WHERE al.actor_id = s.speaker_id), '') || ' ' || "
        "coalesce(k.text, '')"
    )
    return (
        f"coalesce({row}.rationale, '') || ' ' || "
        f"coalesce((SELECT text FROM claims_claim WHERE id = {row}.claim_id), '') || ' ' || "
        f"coalesce((SELECT {agg.format(x=statement)} FROM claims_statement s "
        "LEFT JOIN claims_actor a ON a.id = s.speaker_id "
        "LEFT JOIN claims_claim k ON k.id = s.claim_id "
        f"WHERE s.id IN ({row}.first_id, {row}.second_id)), '')"
    )


def _changed(columns, old: str = "old", new: str = "new", *, pg: bool) -> str:
    op = "IS DISTINCT FROM" if pg else "IS NOT"
    return " OR ".join(f"{old}.{c} {op} {new}.{c}" for c in columns)


def sqlite_doc_triggers() -> dict[str, str]:
    doc = _strip_marks(doc_sql("c", pg=False))

    def refresh(ids: str) -> str:
        return (
            f"DELETE FROM {DOC_FTS} WHERE rowid IN ({ids}); INSERT INTO {DOC_FTS} (rowid, doc) "
            f"SELECT c.id, {doc} FROM claims_contradiction c WHERE c.id IN ({ids});"
        )

    own = _changed((*DOC_OWN, "id"), pg=False)
    out = {
        "claims_contradiction_doc_ai": (
            "AFTER INSERT ON claims_contradiction BEGIN "
            f"INSERT INTO {DOC_FTS} (rowid, doc) SELECT c.id, {doc} FROM claims_contradiction c "
            "WHERE c.id = new.id; END"
        ),
        "claims_contradiction_doc_au": (
            f"AFTER UPDATE OF {', '.join((*DOC_OWN, 'id'))} ON claims_contradiction "
            f"WHEN {own} BEGIN DELETE FROM {DOC_FTS} WHERE rowid = old.id; "
            f"INSERT INTO {DOC_FTS} (rowid, doc) SELECT c.id, {doc} FROM claims_contradiction c "
            "WHERE c.id = new.id; END"
        ),
        "claims_contradiction_doc_ad": (
            f"AFTER DELETE ON claims_contradiction BEGIN DELETE FROM {DOC_FTS} "
            "WHERE rowid = old.id; END"
        ),
    }
    # SQLite's triggers run once per row: the keys are the row's own
    for table, (columns, key, parts) in DOC_WATCH.items():
        rows = ("old", "new") if key != "id" else ("new",)  # an alias moved to another actor
        out[f"{table}_doc_au"] = (
            f"AFTER UPDATE OF {', '.join(columns)} ON {table} WHEN {_changed(columns, pg=False)} "
            f"BEGIN {' '.join(refresh(_touched(parts, f'{r}.{key}')) for r in rows)} END"
        )
    # an alias added or removed changes its actor's documents
    _columns, key, parts = DOC_WATCH["claims_actoralias"]
    out["claims_actoralias_doc_ai"] = (
        f"AFTER INSERT ON claims_actoralias BEGIN {refresh(_touched(parts, f'new.{key}'))} END"
    )
    out["claims_actoralias_doc_ad"] = (
        f"AFTER DELETE ON claims_actoralias BEGIN {refresh(_touched(parts, f'old.{key}'))} END"
    )
    return {name: f"CREATE TRIGGER IF NOT EXISTS {name} {body}" for name, body in out.items()}


def sqlite_doc_fill() -> list[str]:
    doc = _strip_marks(doc_sql("c", pg=False))
    return [
        f"DELETE FROM {DOC_FTS}",
        f"INSERT INTO {DOC_FTS} (rowid, doc) SELECT c.id, {doc} FROM claims_contradiction c",
    ]


def _pg_doc_vector(row: str) -> str:
    return f"to_tsvector('simple', claims_fold({doc_sql(row, pg=True)}))"


DOC_PG = "claims_contradiction_doc"


def _pg_refresh(ids: str) -> str:
    """The documents of the contradictions `ids` (read first, into an array), written
    into their own table. They are not a column of the contradictions, so keeping them
    never locks a contradiction's row: a claim's edit that rewrites the documents of its
    contradictions would otherwise lock them after the claim, where a review decision locks
    the contradiction and then its claim (a deadlock). Written in the order of their ids,
    so two writes that touch the same documents take their locks in the same order."""
    return (
        f"INSERT INTO {DOC_PG} (contradiction_id, search_vector) "
        f"SELECT c.id, {_pg_doc_vector('c')} FROM claims_contradiction c "
        f"WHERE c.id = ANY(ARRAY({ids})) ORDER BY c.id ON CONFLICT (contradiction_id) "
        "DO UPDATE SET search_vector = EXCLUDED.search_vector;"
    )


def _pg_doc_triggers() -> list[tuple[str, str, str, str]]:
    """(name, table, event, the body) of each trigger. Each runs once per SQL statement,
    over the rows it changed (transition tables): a merge that moves 10,000 statements
    rewrites the documents it touches in one statement, where a trigger per row ran
    10,000 lookups (bench_merge: 1.7 s against 0.8 s without). A trigger with transition
    tables takes one event and no column list: an UPDATE that changed none of the
    columns the document reads finds no keys."""
    watch = {
        "claims_contradiction": (
            DOC_OWN,
            "id",
            ("SELECT id FROM claims_contradiction WHERE id IN ({keys})",),
        ),
        **DOC_WATCH,
    }
    out = []
    for table, (columns, key, parts) in watch.items():
        changed = (
            "SELECT {side}.{key} FROM new_rows n JOIN old_rows o ON o.id = n.id "
            f"WHERE {_changed(columns, 'o', 'n', pg=True)}"
        )
        keys = changed.format(side="n", key=key)
        if key != "id":  # an alias moved to another actor: the old one's documents too
            keys = f"{keys} UNION {changed.format(side='o', key=key)}"
        out.append((f"{table}_doc_au", table, "UPDATE", _pg_refresh(_touched(parts, keys))))
    parts = DOC_WATCH["claims_actoralias"][2]  # an alias comes or goes
    for event, rows in (("INSERT", "new_rows"), ("DELETE", "old_rows")):
        body = _pg_refresh(_touched(parts, f"SELECT actor_id FROM {rows}"))
        out.append((f"claims_actoralias_doc_a{event[0].lower()}", "claims_actoralias", event, body))
    parts = watch["claims_contradiction"][2]
    out += [
        (
            "claims_contradiction_doc_ai",
            "claims_contradiction",
            "INSERT",
            _pg_refresh(_touched(parts, "SELECT id FROM new_rows")),
        ),
        (
            "claims_contradiction_doc_ad",
            "claims_contradiction",
            "DELETE",
            f"DELETE FROM {DOC_PG} WHERE contradiction_id IN (SELECT id FROM old_rows);",
        ),
        ("claims_contradiction_doc_at", "claims_contradiction", "TRUNCATE", f"TRUNCATE {DOC_PG};"),
    ]
    return out


def pg_doc_forward(cursor) -> None:
    """The documents' table, its GIN index and the triggers that keep it (0012's
    rationale-only column dropped first)."""
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {DOC_PG} (contradiction_id bigint PRIMARY KEY, "
        "search_vector tsvector NOT NULL)"
    )
    for name, table, event, body in _pg_doc_triggers():
        cursor.execute(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $body$ BEGIN {body} RETURN NULL; END $body$"
        )
        rows = {
            "INSERT": "REFERENCING NEW TABLE AS new_rows ",
            "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows ",
            "DELETE": "REFERENCING OLD TABLE AS old_rows ",
        }.get(event, "")
        cursor.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} {rows}"
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    cursor.execute(
        f"INSERT INTO {DOC_PG} (contradiction_id, search_vector) "
        f"SELECT c.id, {_pg_doc_vector('c')} FROM claims_contradiction c"
    )
    cursor.execute(
        f"CREATE INDEX IF NOT EXISTS {DOC_PG}_search_idx ON {DOC_PG} USING gin (search_vector)"
    )


def pg_doc_backward(cursor) -> None:
    for name, table, _event, _body in _pg_doc_triggers():
        cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
    cursor.execute(f"DROP TABLE IF EXISTS {DOC_PG}")


def doc_forward(connection) -> None:
    """Migration 0013: the rationale's index (0012) gives way to the whole document."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            sqlite_backward(cursor, (CONTRADICTIONS,))
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {DOC_FTS} USING fts5("
                "doc, tokenize = 'unicode61 remove_diacritics 2')"
            )
            # its triggers come from ensure(), after the whole migration plan (see
            # sqlite_drop_doc_triggers), which then fills it
        elif connection.vendor == "postgresql":
            pg_backward(cursor, (CONTRADICTIONS,), common=False)
            pg_doc_forward(cursor)


def sqlite_drop_doc_triggers(connection) -> None:
    """Before a migration plan runs on SQLite: drop the document's triggers (ensure() puts
    them back and refills the document after it). They name the other tables they read,
    and SQLite refuses to rename a table while a trigger names a table that is missing:
    Django rebuilds a table to alter it (a new table, the old one dropped, the new one
    renamed), and with them in place every such migration of the five tables failed."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in sqlite_doc_triggers():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def doc_backward(connection) -> None:
    sqlite_drop_doc_triggers(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DROP TABLE IF EXISTS {DOC_FTS}")
        elif connection.vendor == "postgresql":
            pg_doc_backward(cursor)
    forward(connection, (CONTRADICTIONS,), common=False)
