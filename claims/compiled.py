"""Reads by primary key on every request or save, by SQL the ORM compiles once.

Built by the ORM each time, a read of one row by its key costs about 0.25 ms to compile
and 0.03 ms to run. Here the SQL is the ORM's own for the same queryset, compiled the
first time on each kind of database and then run with the row's key: `by_pk` makes the
model instance as the ORM does (Model.from_db, with the database's converters),
`locked_value` reads one column (text or integer) under a row lock. Each round trip to
the database also counts (0.3-0.5 ms on a busy machine), so `by_pks` reads rows of
several tables in one query (the statement save's source, speaker and claim) and
`locked_values` locks rows of several tables in one statement (the source's version and
the claim's status). `keyed` and `fetch_row` do the same for any queryset of one row (the
claim status refresh's probes: claims/services/disputes.py). On PostgreSQL these
statements are prepared, once per connection (`cursor`): parsing and planning them cost
more than running them; and `insert_with_history` inserts a row and its history row,
under locks and checks of other rows, in one statement (the usual statement save).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.db.models import Model, QuerySet
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from simple_history.signals import post_create_historical_record, pre_create_historical_record
from simple_history.utils import get_change_reason_from_object

# values read as the database driver returns them: no converter stands between
_PLAIN = {"CharField", "TextField", "IntegerField", "PositiveIntegerField"}


@cache
def _prepared_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class Prepared(ServerBindingCursor):
        """A cursor whose statements PostgreSQL keeps prepared, per connection: from the
        second run on, the server neither parses nor plans them again (planning the
        signed-in user's row with their permissions took 0.34 ms, running it 0.13)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return Prepared


def cursor():
    """A cursor for the SQL of this module, as `connection.cursor()` makes one (the same
    health check, wrappers and query log), but on PostgreSQL with its statements
    prepared: they are few, fixed and run on every request or save, so each connection
    prepares each once, and their plans (by primary keys) do not depend on the values.
    Everything else runs unprepared, as Django runs it by default (a search's best plan
    depends on its words)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = _prepared_cursor_class()(connection.connection)
        # as Django's own cursors: the session's time zone, if the connection's differs
        adapters = connection.connection.adapters
        loader = adapters.get_loader(adapters.types["timestamptz"].oid, Format.TEXT)
        if connection.timezone != loader.timezone:
            register_tzloader(connection.timezone, raw)
        return connection._prepare_cursor(raw)


KEY = -7_654_321  # the row's key while compiling: found again among the parameters


def keyed(rows: QuerySet) -> tuple[str, tuple]:
    """The SQL of `rows`, a queryset of the row whose key is KEY, and its parameters but
    the key (which the WHERE clause, last, holds): run it with ``[*params, pk]``."""
    sql, params = rows.query.get_compiler(connection=connection).as_sql()
    if list(params).count(KEY) != 1 or params[-1] != KEY:
        raise TypeError(f"the row's key expected last and once in {params}")
    return sql, tuple(params[:-1])


def fetch_row(model: type[Model], sql: str, params: Sequence, pk) -> tuple:
    """The one row of `keyed` SQL for the key `pk`; DoesNotExist if none."""
    with cursor() as cur:
        cur.execute(sql, [*params, pk])
        row = cur.fetchone()
    if row is None:
        raise model.DoesNotExist(f"No {model._meta.verbose_name} #{pk}.")
    return row


def _one_parameter(model: type[Model], rows: QuerySet) -> str:
    sql, params = keyed(rows)
    if params:
        raise TypeError(f"{model.__name__}: one parameter expected, got {[*params, KEY]}")
    return sql


@dataclass(frozen=True)
class _Row:
    """How one row of `model` is read by its key: the ORM's SQL for it, compiled once, and
    the fields its columns hold, in order (an `extra` column, if any, follows them)."""

    model: type[Model]
    sql: str
    columns: tuple  # the ORM's column expressions: their fields, their converters
    names: tuple[str, ...]  # the fields' attnames, for Model.from_db
    extra: str  # the extra column's alias, or ""

    def key(self, pk):
        """`pk` as the key's field takes it; None when no row can have it (as the ORM's
        lookups answer a key out of the column's range: no row, never the driver's
        overflow error). A `pk` that is no key ("abc") is a ValidationError."""
        field = self.model._meta.pk
        pk = field.to_python(pk)
        if isinstance(pk, int):
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            if (low is not None and pk < low) or (high is not None and pk > high):
                return None
        return pk

    def instance(self, values: Sequence) -> Model | None:
        """The model instance of `values` (this row's columns), None if the row was not
        there (a key that is NULL: the outer join of `by_pks` found nothing)."""
        values = list(values)
        for i, column in enumerate(self.columns):
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(
                connection
            )
            for convert in converters:
                values[i] = convert(values[i], column, connection)
        n = len(self.names)
        if values[self.names.index(self.model._meta.pk.attname)] is None:
            return None
        obj = self.model.from_db(connection.alias, self.names, values[:n])
        if self.extra:
            setattr(obj, self.extra, values[n])
        return obj


@cache
def _row(model: type[Model], only: tuple[str, ...], vendor: str, extra: str) -> _Row:
    rows = model._default_manager.filter(pk=KEY).order_by()
    compiler = (rows.only(*only) if only else rows).query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    if list(params) != [KEY]:
        raise TypeError(f"{model.__name__}: one parameter expected, got {params}")
    columns = tuple(expression for expression, _sql, _alias in compiler.select)
    alias = ""
    if extra:
        head, found, tail = sql.partition(
            f" FROM {connection.ops.quote_name(model._meta.db_table)} "
        )
        if not found or " AS " not in extra:
            raise TypeError(f"{model.__name__}: cannot put {extra!r} before the FROM clause")
        sql = f"{head}, {extra}{found}{tail}"
        alias = extra.rsplit(" AS ", 1)[1].strip('"`')
    names = tuple(column.target.attname for column in columns)
    return _Row(model, sql, columns, names, alias)


def by_pk(model: type[Model], pk, *, only: tuple[str, ...] = (), extra: str = "") -> Model | None:
    """`model`'s row `pk`, or None: as `_default_manager.filter(pk=pk).only(*only).first()`
    without an order (the other fields deferred, as .only() defers them; the database's
    converters applied, as the ORM applies them). A `pk` that is no key ("abc") is a
    ValidationError. `extra`, an SQL expression "... AS alias" (no parameters), is one
    more column, set on the instance as an attribute by its alias."""
    row = _row(model, tuple(only), connection.vendor, extra)
    pk = row.key(pk)
    if pk is None:
        return None
    with cursor() as cur:
        cur.execute(row.sql, [pk])
        values = cur.fetchone()
    return None if values is None else row.instance(values)


def by_pks(*wanted: tuple) -> list[Model | None]:
    """Several rows of any tables by their keys, in one query: each of `wanted` is
    ``(model, pk)`` or ``(model, pk, only)``, and each answer is what `by_pk` answers
    for it (None for an empty, unknown or impossible key; a ValidationError for a `pk`
    that is no key at all). Each row is its own subquery, the ORM's SQL of `by_pk`, left
    joined to one row: a missing row is a row of NULLs, not a missing result."""
    plans, keys = [], []
    for model, pk, *only in wanted:
        plan = _row(model, tuple(only[0]) if only else (), connection.vendor, "")
        plans.append(plan)
        keys.append(None if pk in (None, "") else plan.key(pk))
    asked = [i for i, pk in enumerate(keys) if pk is not None]
    found: list[Model | None] = [None] * len(plans)
    if asked:
        # only the models' table and column names go into the SQL text (the ORM's)
        select = ", ".join(f"r{i}.*" for i in asked)
        joins = " ".join(f"LEFT JOIN ({plans[i].sql}) AS r{i} ON 1 = 1" for i in asked)
        with cursor() as cur:
            cur.execute(
                f"SELECT {select} FROM (SELECT 1 AS one) AS base {joins}",  # noqa: S608
                [keys[i] for i in asked],
            )
            values = cur.fetchone()
        at = 0
        for i in asked:
            n = len(plans[i].names)
            found[i] = plans[i].instance(values[at : at + n])
            at += n
    return found


@cache
def _value_sql(model: type[Model], column: str, vendor: str) -> str:
    field = model._meta.get_field(column)
    if field.get_internal_type() not in _PLAIN:
        raise TypeError(f"{model.__name__}.{column} needs the ORM's converters")
    rows = model._base_manager.select_for_update().filter(pk=KEY).order_by()
    return _one_parameter(model, rows.values_list(column))


def locked_value(model: type[Model], pk: int, column: str) -> str:
    """`column` of `model`'s row `pk`, locked until the transaction ends (PostgreSQL's
    FOR UPDATE; SQLite's writers are one at a time already). DoesNotExist if none."""
    if connection.get_autocommit():
        raise TransactionManagementError("A row lock outside a transaction holds nothing.")
    return fetch_row(model, _value_sql(model, column, connection.vendor), (), pk)[0]


@cache
def _values_sql(wanted: tuple[tuple[type[Model], str, int], ...], vendor: str) -> str:
    """One row of each of several tables by its key, locked together: `wanted` is
    ``(model, column, allowed)`` each, its column read (as g0, g1, ...), and when
    `allowed` is more than 0 the row only if that column holds one of `allowed` values
    (parameters after its key's)."""
    qn = connection.ops.quote_name
    columns, tables, conditions = [], [], []
    for i, (model, column, allowed) in enumerate(wanted):
        field = model._meta.get_field(column)
        if field.get_internal_type() not in _PLAIN:
            raise TypeError(f"{model.__name__}.{column} needs the ORM's converters")
        table = qn(model._meta.db_table)
        if table in tables:
            raise TypeError(f"{model.__name__}: one row of each table")
        name = f"{table}.{qn(field.column)}"
        columns.append(f"{name} AS g{i}")
        tables.append(table)
        conditions.append(f"{table}.{qn(model._meta.pk.column)} = %s")
        if allowed:
            conditions.append(f"{name} IN ({', '.join(['%s'] * allowed)})")
    # only the models' table and column names go into the SQL text
    sql = f"SELECT {', '.join(columns)} FROM {', '.join(tables)} WHERE {' AND '.join(conditions)}"  # noqa: S608
    return f"{sql} FOR UPDATE" if connection.features.has_select_for_update else sql


def locked_values(*wanted: tuple[type[Model], int, str]) -> tuple:
    """`locked_value` for rows of several tables, ``(model, pk, column)`` each, locked
    together by one statement (one round trip), in the order given; the DoesNotExist of
    the first one missing."""
    if connection.get_autocommit():
        raise TransactionManagementError("A row lock outside a transaction holds nothing.")
    sql = _values_sql(tuple((model, column, 0) for model, _pk, column in wanted), connection.vendor)
    with cursor() as cur:
        cur.execute(sql, [pk for _model, pk, _column in wanted])
        row = cur.fetchone()
    if row is None:  # the first one missing raises (if each is there by now, each is locked)
        row = tuple(locked_value(model, pk, column) for model, pk, column in wanted)
    return row


# --- a row and its history row, in one statement (PostgreSQL) -----------------------


def _unsized(field) -> str:
    """The field's type without its length ("varchar", not "varchar(20)"): an explicit cast
    to a length cuts a longer value silently, where the insert into the column refuses it
    (as the ORM's insert does)."""
    return field.cast_db_type(connection).split("(", 1)[0]


@cache
def _insert_sql(
    model: type[Model], guards: tuple[tuple[type[Model], str, int], ...], vendor: str
) -> tuple[str, tuple, tuple[str, ...]]:
    """The SQL of `insert_with_history`, its new row's fields (their values are its
    parameters after the guards') and the history row's own fields (then theirs)."""
    qn = connection.ops.quote_name
    meta = model._meta
    fields = tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field)
    if any(f.generated or f.has_db_default() for f in fields):
        raise TypeError(f"{model.__name__}: a generated or database default column")
    # the guards: each row by its key, with one of the values allowed, locked together
    locked = _values_sql(guards, vendor)
    values = ", ".join(f"%s::{_unsized(f)}" for f in fields)
    # the history row as django-simple-history writes it (create_historical_record): a
    # copy of every field, with the history's own (when, who, why, what kind of change)
    history = getattr(model, meta.simple_history_manager_attribute).model
    copied = {f.attname: f for f in meta.concrete_fields}
    own = ("history_date", "history_change_reason", "history_type", "history_user_id")
    targets, sources, asked, returning = [], [], [], [qn(meta.pk.column)]
    for f in history._meta.concrete_fields:
        if f.attname in copied:
            column = qn(copied[f.attname].column)
            sources.append(f"new.{column}")
            if column not in returning:
                returning.append(column)
        elif f.attname in own:
            sources.append(f"%s::{_unsized(f)}")
            asked.append(f.attname)
        elif f.primary_key:
            continue  # history_id: its sequence
        else:
            raise TypeError(f"{history.__name__}.{f.attname}: not a history field this writes")
        targets.append(qn(f.column))
    # only the models' table and column names go into the SQL text
    sql = (
        f"WITH locked AS ({locked}), "  # noqa: S608
        f"new AS (INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"SELECT {values} FROM locked RETURNING {', '.join(returning)}), "
        f"history AS (INSERT INTO {qn(history._meta.db_table)} ({', '.join(targets)}) "
        f"SELECT {', '.join(sources)} FROM new) "
        f"SELECT new.{qn(meta.pk.column)}, locked.* FROM new, locked"
    )
    return sql, fields, tuple(asked)


def insert_with_history(obj: Model, *, guards: Sequence[tuple[type[Model], int, str, tuple]]):
    """PostgreSQL: insert `obj` (a new row) and its history row, as Model.save() and
    django-simple-history would, in one statement: one round trip, no BEGIN and COMMIT
    of their own (in autocommit the statement is its transaction), and none of the
    ORM's per-save work.

    Only if each of `guards`, ``(model, pk, column, allowed)``, holds: the row `pk` is
    there, its `column` has one of the `allowed` values, and it is locked FOR UPDATE
    (re-checked after any wait for the lock, as PostgreSQL does). Returns the guards'
    values, in order, with `obj` saved; or None, with nothing written, when one does
    not hold (the caller then takes its longer way).

    What this leaves out of Model.save(): the pre_save and post_save signals (the
    history row is what post_save writes: tests/test_statement_save.py checks that it is
    the only receiver) and simple_history's signals around its record (refused below if
    anything listens); and its settings and overrides (SIMPLE_HISTORY_ENABLED, the user
    of the request). The history user is `obj._history_user`, which must be set (None
    records none). The row's timestamps are taken before any wait for the locks."""
    if connection.vendor != "postgresql":
        raise TypeError("one INSERT of two tables is PostgreSQL's (a WITH that writes)")
    model = type(obj)
    history = getattr(model, model._meta.simple_history_manager_attribute).model
    if pre_create_historical_record.has_listeners(history) or (
        post_create_historical_record.has_listeners(history)
    ):
        raise TypeError(f"{history.__name__}: its signals have receivers; save() instead")
    if not guards:
        raise TypeError("at least one row to lock and check")
    sql, fields, asked = _insert_sql(
        model,
        tuple((m, column, len(allowed)) for m, _pk, column, allowed in guards),
        connection.vendor,
    )
    params = []
    for _model, pk, _column, allowed in guards:
        params += [pk, *(getattr(value, "value", value) for value in allowed)]  # choices
    params += [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    own = {
        "history_date": getattr(obj, "_history_date", timezone.now()),
        "history_change_reason": get_change_reason_from_object(obj),
        "history_type": "+",
        "history_user_id": getattr(obj._history_user, "pk", None),  # set, maybe None
    }
    params += [own[name] for name in asked]
    with cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    if row is None:
        return None
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return tuple(row[1:])
