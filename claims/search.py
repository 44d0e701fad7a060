"""Full-text search over sources, statements, actors (names and aliases), claims and
contradictions (for the review queue: one document each, see ``ContradictionMatches``).

The indexes live in the database and are kept current by the database itself, so every
write path (forms, admin, merges, bulk updates, imports, raw SQL) keeps them right:

- SQLite: FTS5 tables (``claims_<model>_fts``, tokenizer ``unicode61 remove_diacritics 2``:
  case, accents and decomposed accents fold) filled by triggers on the model tables; the
  triggers strip Arabic vowel marks and tatweel in SQL (nested ``replace``), since
  unicode61 splits words on them. Migrations 0009 and 0012 create them; ``ensure_sqlite_index``
  re-creates them after every migrate (a table rebuilt by a later migration loses its
  triggers) and refills the index if they were missing.
- PostgreSQL: a stored generated ``search_vector`` column per table, built from
  ``claims_fold()`` (an IMMUTABLE SQL function: ``unaccent``, ``lower`` and ``translate``
  for the Arabic marks), with GIN indexes; trigram (pg_trgm) GIN indexes on the folded
  names make the exact name and alias check use an index.

Queries are folded the same way (``fold``), split into words; every word must match and
the last one also matches as a prefix (search as you type). A word that matches whole
counts twice in the ranking, so "Sadr" puts "Muqtada al-Sadr" before "Sadrist movement";
an exact name or alias comes first of all.

The rows a page shows are chosen inside the index lookup (``Candidates``): the newest
``Index.head`` matches are ranked there, later pages go on newest first, and the lookup's
LIMIT is the outer query's slice end, read when the query is compiled, so the outer query
joins only the rows it shows. A count (or an unsliced list) reads the plain windows of at
most ``WINDOW`` rows, unranked. On PostgreSQL "the newest n matches" are looked for among
the newest rows first and by the index only when those hold too few (``_newest``). The
work per keystroke does not grow with the table, except where noted in ``_newest``.
"""

# SQL below is built only from this module's constant table and column names; the user's
# query always goes in as a parameter (%s).
# ruff: noqa: S608, S611

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import BooleanField, F, FloatField, IntegerField, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Least, Length
from django.db.models.lookups import Exact, In
from django.db.models.sql.where import WhereNode
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from claims.search_schema import DOC_FTS, DOC_PG

WINDOW = 1000  # matching rows ranked per search, newest first
MAX_TERMS = 8
MAX_TERM_CHARS = 60
ARABIC_MARKS = "".join(chr(c) for c in range(0x064B, 0x0653)) + "\u0640"  # harakat, tatweel
_WORD = re.compile(r"[^\W_]+")


# --- folding (the same rule as the SQL: case, accents, Arabic marks) ---------------------


@lru_cache(maxsize=1 << 16)
def fold_char(ch: str) -> str:
    """One character folded: its base letters without marks, case-folded ('' for a mark).
    Cached: highlighting folds every character of a text, and texts repeat few characters."""
    if ch in ARABIC_MARKS:
        return ""
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return base.casefold()


def fold(text: str) -> str:
    return "".join(fold_char(ch) for ch in text or "")


def query_terms(q: str) -> list[str]:
    """The folded words of a query, at most MAX_TERMS of at most MAX_TERM_CHARS each."""
    return [w[:MAX_TERM_CHARS] for w in _WORD.findall(fold(q))][:MAX_TERMS]


def _sqlite_fold(value):
    return None if value is None else fold(" ".join(str(value).split()))


def _register_sqlite_functions(sender, connection, **kwargs) -> None:
    """Query-time helper for SQLite (ranking only; the triggers use plain SQL)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("claims_fold", 1, _sqlite_fold, deterministic=True)


connection_created.connect(_register_sqlite_functions, dispatch_uid="claims_search_fold")


# --- the query ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    raw: str
    terms: tuple[str, ...]

    @classmethod
    def parse(cls, q: str | None) -> Query:
        raw = " ".join((q or "").split())[:300]
        return cls(raw, tuple(query_terms(raw)))

    def __bool__(self) -> bool:
        return bool(self.terms)

    @property
    def whole(self) -> str:
        """The query as one folded string, for the exact name check."""
        return " ".join(self.raw.split())

    def fts5(self, *, prefix: bool = True) -> str:
        """FTS5 syntax: every word, the last also as a prefix (whole words rank higher)."""
        *head, last = self.terms
        tail = f'("{last}" OR "{last}"*)' if prefix else f'"{last}"'
        return " AND ".join([*(f'"{t}"' for t in head), tail])

    def tsquery(self, *, prefix: bool = True) -> str:
        """to_tsquery syntax over the folded words; claims_fold() folds them again in SQL
        (unaccent also maps letters that Unicode does not decompose, such as ø)."""
        *head, last = self.terms
        tail = f"('{last}' | '{last}':*)" if prefix else f"'{last}'"
        return " & ".join([*(f"'{t}'" for t in head), tail])


# --- per table: how to match and rank ----------------------------------------------------


@dataclass(frozen=True)
class Index:
    table: str  # the model's table
    fts: str  # SQLite FTS5 table
    weights: tuple[float, ...]  # bm25 weights per FTS5 column
    head: int = 100  # newest matches ranked per search

    def window_sql(self, query: Query) -> tuple[str, list]:
        """Ids (column ``id``) of the newest WINDOW matching rows (a subquery for pk__in)."""
        if connection.vendor == "postgresql":
            return (
                f"SELECT id FROM {self.table} WHERE search_vector @@ "
                f"to_tsquery('simple', claims_fold(%s)) ORDER BY id DESC LIMIT {WINDOW}",
                [query.tsquery()],
            )
        return (
            f"SELECT rowid AS id FROM {self.fts} WHERE {self.fts} MATCH %s "
            f"ORDER BY rowid DESC LIMIT {WINDOW}",
            [query.fts5()],
        )

    def ids(self, query: Query) -> RawSQL:
        return RawSQL(*self.window_sql(query))

    def score(self, query: Query) -> RawSQL:
        """Relevance of a row (lower is better; NULL when it does not match)."""
        if connection.vendor == "postgresql":
            return RawSQL(
                f"CASE WHEN {self.table}.search_vector @@ to_tsquery('simple', claims_fold(%s)) "
                f"THEN -ts_rank({self.table}.search_vector, "
                "to_tsquery('simple', claims_fold(%s))) END",
                [query.tsquery(), query.tsquery()],
                output_field=FloatField(),
            )
        # The window's ranks are computed once (the LIMIT keeps SQLite from folding the
        # subquery into a correlated MATCH per row, which re-reads the whole doclist of the
        # words for every row: 1.3 s for 2,000 rows at 100,000 statements). A row outside
        # the newest WINDOW matches (found by its speaker or claim) has no rank.
        weights = ", ".join(str(w) for w in self.weights)
        return RawSQL(
            f"(SELECT w.rank FROM (SELECT rowid AS id, bm25({self.fts}, {weights}) AS rank "
            f"FROM {self.fts} WHERE {self.fts} MATCH %s ORDER BY rowid DESC LIMIT {WINDOW}) "
            f"AS w WHERE w.id = {self.table}.id)",
            [query.fts5()],
            output_field=FloatField(),
        )

    def whole(self, query: Query) -> RawSQL:
        """Whether the row has every query word whole (not only as a prefix)."""
        if connection.vendor == "postgresql":
            return RawSQL(
                f"({self.table}.search_vector @@ to_tsquery('simple', claims_fold(%s)))",
                [query.tsquery(prefix=False)],
                output_field=BooleanField(),
            )
        # One list of the newest WINDOW whole-word matches (read once), not a MATCH per
        # row; it holds every whole-word match among the newest WINDOW prefix matches.
        return RawSQL(
            f"({self.table}.id IN (SELECT rowid FROM {self.fts} WHERE {self.fts} MATCH %s "
            f"ORDER BY rowid DESC LIMIT {WINDOW}))",
            [query.fts5(prefix=False)],
            output_field=BooleanField(),
        )


RECENT = 2000  # the newest n matches are first looked for among the newest RECENT rows (or 20 n)


def _newest(table: str, cond: str, params: list, n: int) -> tuple[str, list]:
    """Ids of the newest `n` rows of `table` meeting `cond`, newest first, at a cost that
    does not grow with the table: among the newest RECENT (or 20 n) rows first (a primary-key
    range: enough when matches are common), and only when those hold fewer than n, from
    the condition's own index (a rare match: few rows). Left to itself PostgreSQL walks
    the primary key backwards for ``ORDER BY id DESC LIMIT n`` and reads every row when
    matches are rare (12,000 rows for "haddad" at 100,000 statements), or reads every
    match from the index when they are common."""
    span = max(RECENT, 20 * n)
    recent = f"id > (SELECT max(id) FROM {table}) - {span} AND {cond}"
    few = f"(SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {recent} LIMIT {n}) AS rc) < {n}"
    if connection.vendor == "postgresql":  # each arm stops at n rows
        sql = (
            f"(SELECT id FROM {table} WHERE {recent} ORDER BY id DESC LIMIT {n}) UNION "
            f"(SELECT id FROM {table} WHERE {cond} AND {few} ORDER BY id + 0 DESC LIMIT {n}) "
            f"ORDER BY id DESC LIMIT {n}"
        )
    else:  # SQLite takes no LIMIT inside a compound's arms (and nests subqueries only so deep)
        sql = (
            f"SELECT id FROM {table} WHERE {recent} UNION SELECT id FROM {table} WHERE {cond} "
            f"AND {few} ORDER BY id DESC LIMIT {n}"
        )
    return sql, [*params, *params, *params]


# --- candidates: the rows a page needs, best first, chosen inside the index lookup ------------


def _order_sql(then: Sequence[str]) -> str:
    """ORDER BY terms over the table alias ``t`` from field names ("-created_at", "id")."""
    return ", ".join(f"t.{f.lstrip('-')} {'DESC' if f.startswith('-') else 'ASC'}" for f in then)


def _needed(query) -> int:
    """How many rows, best first, the outer query can use: its slice's end when it has no
    other condition than the candidates (an excluded primary key counts one row more);
    otherwise (a count, or other filters) the whole window."""
    if query.high_mark is None:
        return WINDOW
    extra = 0
    for child in query.where.children:
        if isinstance(child, In) and isinstance(child.rhs, Candidates):
            continue
        if (
            isinstance(child, WhereNode)
            and child.negated
            and len(child.children) == 1
            and isinstance(child.children[0], Exact)
            and getattr(child.children[0].lhs, "target", None) is not None
            and child.children[0].lhs.target.primary_key
        ):
            extra += 1
            continue
        return WINDOW
    return max(1, min(WINDOW, query.high_mark + extra))


class Candidates(RawSQL):
    """The ids of the matching rows in result order, at most as many as the outer query
    needs (its LIMIT, known when the query is compiled) and never more than WINDOW.

    The newest ``Index.head`` matches (on SQLite, and as many whole-word matches) are ranked
    (whole words first, then relevance, then the list's own order); later pages go on
    with the other matches newest first. All of it is chosen inside the index lookup,
    so the outer query reads and joins only the rows it shows: the work per keystroke
    does not grow with the table (ranking every match did: 1,000 rows joined and ranked
    per search at 100,000 statements).

    A page's candidates are read first, by their own query, when the outer query is
    compiled, and go into it as a list of ids (``id IN (...)``) and their places
    (``CASE id WHEN ... END``, with ``position``): inside the outer query, the filter and
    the order each ran the whole lookup, which was half of every search's time. The two
    share one read per compilation (kept on the compiler). So compiling a sliced search
    reads the database (``str(qs.query)`` and ``explain()`` too, which then show the ids,
    not the lookup), and the ids and the page are two statements: a row deleted between
    them is missing from the page. A count, every row, or a slice with other filters (the
    claim list's status, say) reads the lookup inside the outer query, as before."""

    def __init__(self, build, *, position: bool = False, every=None):
        self.build, self.position, self.every = build, position, every
        output = IntegerField() if position else None
        super().__init__("/* candidates */", [], output_field=output)

    def as_sql(self, compiler, connection):
        hi = _needed(compiler.query)
        if hi >= WINDOW:
            return self._inside(compiler, connection, hi)
        ids = self._ids(compiler, connection, hi)
        if self.position:
            if not ids:
                return "NULL", []
            whens = " ".join(f"WHEN %s THEN {n}" for n in range(1, len(ids) + 1))
            return f"(CASE {_row_id(compiler, connection)} {whens} END)", ids
        if not ids:
            return "(NULL)", []  # IN (NULL): no row
        return f"({', '.join(['%s'] * len(ids))})", ids

    def _ids(self, compiler, connection, hi: int) -> list[int]:
        """The candidates' ids in order: read once per compilation of the outer query."""
        read = compiler.__dict__.setdefault("_claims_candidates", {})
        if (self.build, hi) not in read:
            sql, params = self.build(hi)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT id FROM ({sql}) AS c ORDER BY part, pos", params)
                read[self.build, hi] = [row[0] for row in cursor.fetchall()]
        return read[self.build, hi]

    def _inside(self, compiler, connection, hi: int) -> tuple[str, list]:
        """Every candidate (a count, an export): a subquery of the outer query."""
        if self.every is not None and not self.position:
            # which rows, not their order (no ranking)
            sql, params = self.every()
            if connection.vendor == "postgresql":
                return f"(SELECT unnest(ARRAY({sql})))", params
            return f"({sql})", params
        sql, params = self.build(hi)
        if self.position:
            row = _row_id(compiler, connection)
            if connection.vendor == "postgresql":
                return (
                    f"array_position(ARRAY(SELECT id FROM ({sql}) AS c ORDER BY part, pos), {row})",
                    params,
                )
            return (
                f"(SELECT c.rn FROM (SELECT id, row_number() OVER (ORDER BY part, pos) AS rn "
                f"FROM ({sql})) AS c WHERE c.id = {row})",
                params,
            )
        if connection.vendor == "postgresql":
            return f"(SELECT unnest(ARRAY(SELECT id FROM ({sql}) AS c ORDER BY part, pos)))", params
        return f"(SELECT id FROM ({sql}) AS c)", params


def _row_id(compiler, connection) -> str:
    """The outer query's own row id, by the alias its table has there (as a subquery of
    another query, Django renames it U0)."""
    alias = compiler.quote_name(compiler.query.base_table)
    return f"{alias}.{connection.ops.quote_name('id')}"


def _ranked_pg(index: Index, query: Query, then: Sequence[str], hi: int) -> tuple[str, list]:
    t, head = index.table, index.head
    tsq = "to_tsquery('simple', claims_fold(%s))"
    prefix, whole = query.tsquery(), query.tsquery(prefix=False)
    cond = f"search_vector @@ {tsq}"
    head_sql, head_params = _newest(t, cond, [prefix], head)
    order = _order_sql(then)
    # whole words are checked on the head's rows themselves (a second index lookup for
    # them cost as much again)
    ranked = (
        f"SELECT t.id, 0 AS part, row_number() OVER (ORDER BY (t.search_vector @@ {tsq}) DESC, "
        f"-ts_rank(t.search_vector, {tsq}){', ' + order if order else ''}) AS pos "
        f"FROM ({head_sql}) AS h JOIN {t} AS t ON t.id = h.id"
    )
    params = [whole, prefix, *head_params]
    if hi > head:
        tail_sql, tail_params = _newest(t, cond, [prefix], hi + head)
        ranked += (
            " UNION ALL SELECT r.id, 1, row_number() OVER (ORDER BY r.id DESC) "
            f"FROM ({tail_sql}) AS r WHERE r.id NOT IN ({head_sql})"
        )
        params += [*tail_params, *head_params]
    return f"SELECT id, part, pos FROM ({ranked}) AS c ORDER BY part, pos LIMIT {hi}", params


def _ranked_sqlite(index: Index, query: Query, then: Sequence[str], hi: int):
    fts, head = index.fts, index.head
    weights = ", ".join(str(w) for w in index.weights)
    prefix, whole = query.fts5(), query.fts5(prefix=False)

    def newest(n: int, *, rank: bool = True) -> str:
        cols = f"rowid AS id, bm25({fts}, {weights}) AS rank" if rank else "rowid AS id"
        return f"SELECT {cols} FROM {fts} WHERE {fts} MATCH %s ORDER BY rowid DESC LIMIT {n}"

    head_sql = (
        "SELECT id, max(whole) AS whole, coalesce(min(CASE WHEN whole = 1 THEN rank END), "
        f"min(rank)) AS rank FROM (SELECT id, 1 AS whole, rank FROM ({newest(head)}) "
        f"UNION ALL SELECT id, 0, rank FROM ({newest(head)})) GROUP BY id"
    )
    order = _order_sql(then)
    ranked = (
        "SELECT h.id AS id, 0 AS part, row_number() OVER (ORDER BY h.whole DESC, h.rank"
        f"{', ' + order if order else ''}) AS pos FROM ({head_sql}) AS h "
        f"JOIN {index.table} AS t ON t.id = h.id"
    )
    params = [whole, prefix]
    if hi > head:
        ranked += (
            " UNION ALL SELECT r.id, 1, row_number() OVER (ORDER BY r.id DESC) "
            f"FROM ({newest(hi + 2 * head, rank=False)}) AS r "
            f"WHERE r.id NOT IN (SELECT id FROM ({newest(head, rank=False)})) "
            f"AND r.id NOT IN (SELECT id FROM ({newest(head, rank=False)}))"
        )
        params += [prefix, prefix, whole]
    return f"SELECT id, part, pos FROM ({ranked}) ORDER BY part, pos LIMIT {hi}", params


def _ranked(index: Index, query: Query, then: Sequence[str]):
    def build(hi: int) -> tuple[str, list]:
        if connection.vendor == "postgresql":
            return _ranked_pg(index, query, then, hi)
        return _ranked_sqlite(index, query, then, hi)

    return build


def _position(build) -> Candidates:
    """The row's place in the candidates' order (an annotation to order by)."""
    return Candidates(build, position=True)


def _search_ranked(qs: QuerySet, index: Index, query: Query, then: Sequence[str]) -> QuerySet:
    build = _ranked(index, query, then)
    return (
        qs.filter(pk__in=Candidates(build, every=lambda: index.window_sql(query)))
        .annotate(search_pos=_position(build))
        .order_by(F("search_pos").asc(nulls_last=True), *then)
    )


SOURCES = Index("claims_source", "claims_source_fts", (5.0, 1.0, 2.0), head=30)  # long texts
STATEMENTS = Index("claims_statement", "claims_statement_fts", (2.0, 1.0))
ACTORS = Index("claims_actor", "claims_actor_fts", (1.0,))
ALIASES = Index("claims_actoralias", "claims_actoralias_fts", (1.0,))
CLAIMS = Index("claims_claim", "claims_claim_fts", (1.0,))


# --- searches: querysets the views, the API and exports share -----------------------------


def search_sources(qs: QuerySet, query: Query) -> QuerySet:
    """Sources whose title, text, publisher, byline or dateline match, best first."""
    if not query:
        return qs.none()
    return _search_ranked(qs, SOURCES, query, ("-created_at", "-id"))


# Each part of a search that matches by more than one way (statements: their own text, their
# speaker, their claim; actors: their name, an alias) is its own indexed lookup of at most
# WINDOW rows, and the parts are combined with UNION. An OR of "id IN (...)" conditions
# instead makes PostgreSQL read every row of the table and test each against every part.


def _union(*parts: tuple[str, list]) -> tuple[str, list]:
    """One subquery of the ids (column ``id``) that any of the parts gives."""
    sql = " UNION ".join(f"SELECT id FROM ({part}) AS part{i}" for i, (part, _) in enumerate(parts))
    return sql, [p for _, params in parts for p in params]


def _actor_ids_sql(query: Query) -> tuple[str, list]:
    by_name, name_params = ACTORS.window_sql(query)
    by_alias, alias_params = ALIASES.window_sql(query)
    return _union(
        (by_name, name_params),
        (f"SELECT actor_id AS id FROM claims_actoralias WHERE id IN ({by_alias})", alias_params),
    )


def _statements_of(column: str, parents: tuple[str, list], limit: int = WINDOW) -> tuple[str, list]:
    """The newest WINDOW statements whose `column` (speaker_id, claim_id) is one of the
    `parents` ids, read through that column's index.

    On PostgreSQL a LATERAL join reads each parent's newest statements by the index: with a
    plain ``IN`` the planner may walk the whole primary key backwards for ``ORDER BY id DESC
    LIMIT``, hoping to meet matches early, and read every statement when there are none.
    The parents are read first, into an array, so that their own query is planned alone
    (by its full-text index: inside the join, at 1,000,000 statements, PostgreSQL chose a
    parallel sequential scan of every claim instead, 50-65 ms).
    """
    sql, params = parents
    if connection.vendor == "postgresql":
        return (
            f"SELECT s.id FROM unnest(ARRAY({sql})) AS parent(id) CROSS JOIN LATERAL (SELECT id FROM "
            f"claims_statement WHERE {column} = parent.id ORDER BY id DESC LIMIT {limit}) AS s "
            f"ORDER BY s.id DESC LIMIT {limit}",
            params,
        )
    return (
        f"SELECT id FROM claims_statement WHERE {column} IN ({sql}) ORDER BY id DESC LIMIT {limit}",
        params,
    )


def _statements_newest(column: str, parents: tuple[str, list], n: int) -> tuple[str, list]:
    """The newest `n` statements whose `column` (speaker_id, claim_id) is one of the
    `parents` ids (``_newest``: the recent rows first, the column's index when few)."""
    sql, params = parents
    if connection.vendor == "postgresql":
        return _newest("claims_statement", f"{column} = ANY(ARRAY({sql}))", params, n)
    return _newest("claims_statement", f"{column} IN ({sql})", params, n)


def _statement_candidates(query: Query, then: Sequence[str]):
    """Statements in result order: those whose quote or summary matches (ranked, as
    Candidates), then those found by their speaker's name or alias or by their claim
    (each part read newest first, as far as the page needs), in the list's own order."""
    text = _ranked(STATEMENTS, query, then)

    def build(hi: int) -> tuple[str, list]:
        text_sql, text_params = text(hi)
        speakers, claims = _actor_ids_sql(query), CLAIMS.window_sql(query)
        prelude, prelude_params = "", []
        if connection.vendor == "postgresql":
            # the speakers' and claims' ids read once (each part names them three times)
            prelude = (
                f"WITH sp AS MATERIALIZED (SELECT ARRAY({speakers[0]}) AS a), "
                f"cp AS MATERIALIZED (SELECT ARRAY({claims[0]}) AS a) "
            )
            prelude_params = [*speakers[1], *claims[1]]
            by_speaker = _newest(
                "claims_statement", "speaker_id = ANY((SELECT a FROM sp)::bigint[])", [], hi
            )
            by_claim = _newest(
                "claims_statement", "claim_id = ANY((SELECT a FROM cp)::bigint[])", [], hi
            )
        else:
            by_speaker = _statements_newest("speaker_id", speakers, hi)
            by_claim = _statements_newest("claim_id", claims, hi)
        others, other_params = _union(by_speaker, by_claim)
        order = _order_sql(then)
        sql = (
            f"{prelude}SELECT id, min(part) AS part, min(part * 100000000 + pos) AS pos FROM ("
            f"SELECT id, part, pos FROM ({text_sql}) AS x UNION ALL "
            f"SELECT o.id, 2 AS part, row_number() OVER (ORDER BY {order}) AS pos "
            f"FROM ({others}) AS o JOIN claims_statement AS t ON t.id = o.id) AS a "
            f"GROUP BY id ORDER BY min(part * 100000000 + pos) LIMIT {hi}"
        )
        return sql, [*prelude_params, *text_params, *other_params]

    return build


def statement_ids_sql(query: Query) -> tuple[str, list]:
    """Ids of the statements whose quote or summary matches, or whose speaker's name or
    alias or whose claim matches (each part at most WINDOW rows, read by its own index)."""
    return _union(
        STATEMENTS.window_sql(query),
        _statements_of("speaker_id", _actor_ids_sql(query)),
        _statements_of("claim_id", CLAIMS.window_sql(query)),
    )


def _id_list(sql: str, params: list) -> RawSQL:
    """A subquery of ids for pk__in. On PostgreSQL the ids are read first, into an array
    (an InitPlan, run once): the planner then expects a few of them and fetches the rows
    by primary key, where from the estimate of a UNION of windows (a few thousand rows) it
    would rather read the whole table and hash it."""
    if connection.vendor == "postgresql":
        return RawSQL(f"SELECT unnest(ARRAY({sql}))", params)
    return RawSQL(sql, params)


def statement_ids_matching(query: Query) -> Q:
    """Statements whose quote or summary matches, or whose speaker's name or alias or
    whose claim matches (each part at most WINDOW rows)."""
    return Q(pk__in=_id_list(*statement_ids_sql(query)))


def search_statements(qs: QuerySet, query: Query, *, then: tuple = ("-id",)) -> QuerySet:
    """Statements matching by quote/summary (ranked) or by speaker or claim (after)."""
    if not query:
        return qs.none()
    build = _statement_candidates(query, then)
    return (
        qs.filter(pk__in=Candidates(build, every=lambda: statement_ids_sql(query)))
        .annotate(search_pos=_position(build))
        .order_by(F("search_pos").asc(nulls_last=True), *then)
    )


def actor_ids_matching(query: Query) -> RawSQL:
    """Ids of the actors whose name or an alias matches (a subquery for pk__in)."""
    return _id_list(*_actor_ids_sql(query))


def _exact_name(query: Query) -> RawSQL:
    return RawSQL(
        "(claims_fold(claims_actor.name) = claims_fold(%s) OR EXISTS (SELECT 1 FROM "
        "claims_actoralias a WHERE a.actor_id = claims_actor.id "
        "AND claims_fold(a.name) = claims_fold(%s)))",
        [query.whole, query.whole],
        output_field=BooleanField(),
    )


def _alias_score(query: Query) -> RawSQL:
    """The best score among the actor's matching aliases."""
    if connection.vendor == "postgresql":
        return RawSQL(
            "(SELECT min(-ts_rank(a.search_vector, to_tsquery('simple', claims_fold(%s)))) "
            "FROM claims_actoralias a WHERE a.actor_id = claims_actor.id "
            "AND a.search_vector @@ to_tsquery('simple', claims_fold(%s)))",
            [query.tsquery(), query.tsquery()],
            output_field=FloatField(),
        )
    return RawSQL(
        "(SELECT bm25(claims_actoralias_fts) AS r FROM claims_actoralias_fts "
        "WHERE claims_actoralias_fts MATCH %s AND rowid IN "
        "(SELECT id FROM claims_actoralias a WHERE a.actor_id = claims_actor.id) "
        "ORDER BY r LIMIT 1)",
        [query.fts5()],
        output_field=FloatField(),
    )


def _whole_name(query: Query) -> RawSQL:
    """Every word of the query whole in the name or in one alias."""
    name = ACTORS.whole(query)
    if connection.vendor == "postgresql":
        sql = (
            "EXISTS (SELECT 1 FROM claims_actoralias a WHERE a.actor_id = claims_actor.id "
            "AND a.search_vector @@ to_tsquery('simple', claims_fold(%s)))"
        )
        params = [query.tsquery(prefix=False)]
    else:
        sql = (
            "EXISTS (SELECT 1 FROM claims_actoralias_fts WHERE claims_actoralias_fts MATCH %s "
            "AND rowid IN (SELECT id FROM claims_actoralias a "
            "WHERE a.actor_id = claims_actor.id))"
        )
        params = [query.fts5(prefix=False)]
    return RawSQL(f"({name.sql} OR {sql})", [*name.params, *params], output_field=BooleanField())


def search_actors(qs: QuerySet, query: Query) -> QuerySet:
    """Actors whose name or an alias matches: an exact name or alias first, then by
    relevance (whole words before prefixes), shorter names first among equals."""
    if not query:
        return qs.none()
    return (
        qs.filter(pk__in=actor_ids_matching(query))
        .annotate(
            search_exact=_exact_name(query),
            search_whole=_whole_name(query),
            search_rank=Least(
                Coalesce(ACTORS.score(query), Value(0.0)),
                Coalesce(_alias_score(query), Value(0.0)),
            ),
        )
        .order_by(
            F("search_exact").desc(),
            F("search_whole").desc(),
            "search_rank",
            Length("name"),
            "name",
            "id",
        )
    )


def claim_ids_matching(query: Query) -> RawSQL:
    return CLAIMS.ids(query)


class ContradictionMatches(RawSQL):
    """Whether a contradiction's document matches (search_schema's queue document: its
    rationale and claim, and each statement's quote, summary, speaker's name and aliases,
    and claim): one lookup in the contradictions' own index, a filter for the review
    queue. Every matching contradiction, not the contradictions of a window of matching
    statements; the queue's order (oldest first) and LIMIT do the rest. Named by the
    outer query's alias (``_row_id``), so it also works inside a subquery."""

    def __init__(self, query: Query):
        self.query = query
        super().__init__("/* contradiction matches */", [], output_field=BooleanField())

    def as_sql(self, compiler, connection):
        row = _row_id(compiler, connection)
        if connection.vendor == "postgresql":
            # EXISTS: the planner may walk the queue's own order and probe each row's
            # document (common words), or read the GIN index first (rare ones)
            return (
                f"EXISTS (SELECT 1 FROM {DOC_PG} d WHERE d.contradiction_id = {row} "
                "AND d.search_vector @@ to_tsquery('simple', claims_fold(%s)))",
                [self.query.tsquery()],
            )
        return (
            f"({row} IN (SELECT rowid FROM {DOC_FTS} WHERE {DOC_FTS} MATCH %s))",
            [self.query.fts5()],
        )


def search_claims(qs: QuerySet, query: Query) -> QuerySet:
    if not query:
        return qs.none()
    return _search_ranked(qs, CLAIMS, query, ("text", "id"))


# --- pages without a count ---------------------------------------------------------------


@dataclass
class Slice:
    """A page read as per_page + 1 rows: it knows whether a next page exists without
    counting the matches."""

    object_list: list
    number: int
    per_page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.object_list)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def page_number(value) -> int:
    try:
        return max(1, min(int(value), 1000))
    except (TypeError, ValueError):
        return 1


def slice_page(qs: QuerySet, number: int, per_page: int) -> Slice:
    offset = (number - 1) * per_page
    rows = list(qs[offset : offset + per_page + 1])
    return Slice(rows[:per_page], number, per_page, len(rows) > per_page)


# --- highlighting (escaped) ----------------------------------------------------------------


def _folded_map(text: str) -> tuple[str, Sequence[int]]:
    """The folded text and, for each of its characters, the index of the original one."""
    if text.isascii():  # fold_char of an ASCII character is its lower case, one for one
        return text.lower(), range(len(text))
    out = list(map(fold_char, text))
    folded = "".join(out)
    # no character folded to nothing, and as many out as in: each to exactly one
    if len(folded) == len(text) and "" not in out:
        return folded, range(len(text))
    where = [i for i, f in enumerate(out) for _ in f]
    return folded, where


def match_spans(text: str, terms: tuple[str, ...] | list[str]) -> list[tuple[int, int]]:
    """(start, end) in `text` of each word that starts with a query word, merged."""
    if not text or not terms:
        return []
    folded, where = _folded_map(text)
    spans: list[tuple[int, int]] = []
    pattern = re.compile(
        r"(?<![^\W_])(?:"
        + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
        + r")[^\W_]*"
    )
    for m in pattern.finditer(folded):
        if m.end() == m.start():
            continue
        start, end = where[m.start()], where[m.end() - 1] + 1
        # take the marks that follow the last letter (NFD accents, harakat) along
        while end < len(text) and not fold_char(text[end]):
            end += 1
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


SNIPPET_CHUNK = 2000  # characters folded at a time while looking for the first match


def _word_end(text: str, i: int) -> int:
    """The first whitespace at or after i (or the end): a cut there splits no word."""
    while i < len(text) and not text[i].isspace():
        i += 1
    return i


def _spans_near_first(text: str, terms, context: int) -> list[tuple[int, int]]:
    """match_spans for a snippet: the first match, found by folding the text a chunk at a
    time (a 2,000-statement source is long; folding all of it took most of a search page),
    and every match in the few hundred characters around it that the snippet can show."""
    start = 0
    while start < len(text):
        end = _word_end(text, min(len(text), start + SNIPPET_CHUNK))
        found = match_spans(text[start:end], terms)
        if found:
            first, first_end = found[0][0] + start, found[0][1] + start
            break
        start = end
    else:
        return []
    lo = first - context * 2 - 1
    while lo > 0 and not text[lo - 1].isspace():
        lo -= 1
    lo = max(0, lo)
    hi = _word_end(text, max(first_end + context, first + context * 3) + 2)
    return [(a + lo, b + lo) for a, b in match_spans(text[lo:hi], terms)]


def highlight(text: str, terms, *, context: int | None = None) -> SafeString:
    """`text` escaped, the matched words in <mark>. With `context`, only a snippet of about
    that many characters each side of the first match."""
    text = text or ""
    near = context is not None
    spans = _spans_near_first(text, terms, context) if near else match_spans(text, terms)
    lo, hi = 0, len(text)
    if context is not None:
        first = spans[0][0] if spans else 0
        lo = max(0, first - context)
        hi = min(len(text), (spans[0][1] if spans else 0) + context)
        # do not cut a word
        while lo > 0 and not text[lo - 1].isspace():
            lo -= 1
            if first - lo > context * 2:
                break
        while hi < len(text) and not text[hi].isspace():
            hi += 1
            if hi - first > context * 3:
                break
    parts = ["…" if lo > 0 else ""]
    pos = lo
    for start, end in spans:
        if end <= lo or start >= hi:
            continue
        start, end = max(start, lo), min(end, hi)
        parts.append(escape(text[pos:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    parts.append(escape(text[pos:hi]))
    if hi < len(text):
        parts.append("…")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped
