"""Reads by primary key on every request or save, by SQL the ORM compiles once.

Built by the ORM each time, a read of one row by its key costs about 0.25 ms to compile
and 0.03 ms to run. The statement save makes seven: the signed-in user, the source (its
title), the speaker and the claim chosen in the form, and, inside its transaction, the
source's text and the claim's status under their row locks. Here the SQL is the ORM's own
for the same queryset, compiled the first time on each kind of database and then run with
the row's key: `by_pk` still makes the model instance through the ORM (a raw queryset:
Model.from_db, with the database's converters), `locked_value` reads one text column.
`keyed` and `fetch_row` do the same for any queryset of one row (the claim status
refresh's probes: claims/services/disputes.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.db import connection
from django.db.models import Model, QuerySet
from django.db.transaction import TransactionManagementError

# values read as the database driver returns them: no converter stands between
_PLAIN = {"CharField", "TextField"}


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
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, pk])
        row = cursor.fetchone()
    if row is None:
        raise model.DoesNotExist(f"No {model._meta.verbose_name} #{pk}.")
    return row


def _one_parameter(model: type[Model], rows: QuerySet) -> str:
    sql, params = keyed(rows)
    if params:
        raise TypeError(f"{model.__name__}: one parameter expected, got {[*params, KEY]}")
    return sql


@cache
def _row_sql(model: type[Model], only: tuple[str, ...], vendor: str) -> str:
    rows = model._default_manager.filter(pk=KEY).order_by()
    return _one_parameter(model, rows.only(*only) if only else rows)


def by_pk(model: type[Model], pk, *, only: tuple[str, ...] = ()) -> Model | None:
    """`model`'s row `pk`, or None: as `_default_manager.filter(pk=pk).only(*only).first()`
    without an order (the other fields deferred, as .only() defers them). A `pk` that is
    no key ("abc") is a ValidationError."""
    field = model._meta.pk
    pk = field.to_python(pk)
    if isinstance(pk, int):
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        if (low is not None and pk < low) or (high is not None and pk > high):
            return None  # as the ORM's lookups: no row, never the driver's overflow error
    rows = model._default_manager.raw(_row_sql(model, only, connection.vendor), [pk])
    return next(iter(rows), None)


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
