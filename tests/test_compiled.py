"""claims.compiled: reads by primary key by SQL compiled once: a row, or one column under
the row's lock."""

from __future__ import annotations

import pytest
from django.db import DataError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from claims.compiled import by_pk, locked_value, locked_values
from claims.models import Claim, Source, Statement
from tests.factories import make_claim, make_source

pytestmark = pytest.mark.django_db


def test_a_locked_value_is_the_column_as_the_orm_reads_it():
    source, claim = make_source(), make_claim(status=Claim.Status.DISPUTED)
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        assert locked_value(Source, source.pk, "text") == source.text
        assert locked_value(Claim, claim.pk, "status") == Claim.Status.DISPUTED
        assert locked_value(Source, source.pk, "text") == source.text  # compiled once, run again
    reads = [q["sql"] for q in ctx.captured_queries]
    assert len(reads) == 3
    assert reads[0] == reads[2] and "ORDER BY" not in reads[0]
    if connection.features.has_select_for_update:
        assert all("FOR UPDATE" in sql for sql in reads)


def test_a_missing_row_is_does_not_exist():
    with transaction.atomic(), pytest.raises(Source.DoesNotExist):
        locked_value(Source, 10**9, "text")


@pytest.mark.django_db(transaction=True)
def test_a_lock_outside_a_transaction_is_refused():
    source = make_source()
    with pytest.raises(TransactionManagementError):
        locked_value(Source, source.pk, "text")
    with pytest.raises(TransactionManagementError):
        locked_values((Source, source.pk, "text"), (Claim, source.pk, "status"))


def test_only_columns_read_without_converters():
    with transaction.atomic(), pytest.raises(TypeError):
        locked_value(Statement, 1, "said_on")  # a date: the ORM converts it on SQLite


def test_a_row_by_its_key_is_the_orms_instance(researcher):
    from django.contrib.auth import get_user_model

    claim = make_claim(status=Claim.Status.DISPUTED)
    with CaptureQueriesContext(connection) as ctx:
        row = by_pk(Claim, claim.pk)
        again = by_pk(Claim, str(claim.pk))  # a key as a form sends it
    assert len(ctx.captured_queries) == 2
    expected = Claim.objects.get(pk=claim.pk)
    fields = [f.attname for f in Claim._meta.concrete_fields]
    assert [getattr(row, f) for f in fields] == [getattr(expected, f) for f in fields]
    assert row == again == expected and row._state.adding is False
    assert row.created_at.tzinfo is not None  # the database's converters applied
    user = by_pk(get_user_model(), researcher.pk)
    assert user == researcher and user.get_username() == researcher.get_username()


def test_a_row_with_only_some_fields_defers_the_others():
    source = make_source()
    with CaptureQueriesContext(connection) as ctx:
        row = by_pk(Source, source.pk, only=("id", "title"))
    assert len(ctx.captured_queries) == 1 and '"text"' not in ctx.captured_queries[0]["sql"]
    assert row.get_deferred_fields() >= {"text", "notes"} and row.title == source.title
    assert row.text == source.text  # read when asked for, as .only() does


@pytest.mark.parametrize("key", [10**9, 10**30, -(10**30)])
def test_no_row_for_a_key_that_is_not_there_or_out_of_range(key):
    assert by_pk(Claim, key) is None  # no overflow error from the driver


def test_a_key_that_is_not_a_number_is_a_validation_error():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        by_pk(Claim, "abc")


def test_keyed_sql_runs_with_its_parameters_and_the_key_last():
    from django.db.models import Q

    from claims.compiled import KEY, fetch_row, keyed

    claim = make_claim(status=Claim.Status.DISPUTED)
    sql, params = keyed(
        Claim.objects.filter(status=Claim.Status.DISPUTED).filter(pk=KEY).values_list("text")
    )
    assert params == (Claim.Status.DISPUTED,)
    assert fetch_row(Claim, sql, params, claim.pk) == (claim.text,)
    with pytest.raises(Claim.DoesNotExist):
        fetch_row(Claim, sql, params, 10**9)
    with pytest.raises(TypeError):  # the key not last: it would be run with the wrong values
        keyed(Claim.objects.filter(Q(pk=KEY) | Q(status=Claim.Status.OPEN)))


def test_rows_of_several_tables_are_read_in_one_query(researcher):
    from claims.compiled import by_pks
    from claims.models import Actor
    from tests.factories import make_actor

    source, actor = make_source(), make_actor("Ana")
    claim = make_claim(status=Claim.Status.DISPUTED)
    with CaptureQueriesContext(connection) as ctx:
        rows = by_pks(
            (Source, source.pk, ("id", "title")),
            (Actor, str(actor.pk)),  # a key as a form sends it
            (Actor, None),  # nothing chosen
            (Claim, 10**9),  # not there
            (Claim, 10**30),  # out of range: not asked
            (Claim, claim.pk),
        )
    assert len(ctx.captured_queries) == 1
    got_source, got_actor, nothing, missing, impossible, got_claim = rows
    assert nothing is None and missing is None and impossible is None
    assert got_source.get_deferred_fields() >= {"text"} and got_source.title == source.title
    assert got_actor == actor and got_actor.name == "Ana" and got_actor._state.adding is False
    fields = [f.attname for f in Claim._meta.concrete_fields]
    assert [getattr(got_claim, f) for f in fields] == [getattr(claim, f) for f in fields]
    assert got_claim.created_at.tzinfo is not None  # the database's converters applied
    with CaptureQueriesContext(connection) as ctx:
        assert by_pks((Claim, None), (Actor, "")) == [None, None]
    assert not ctx.captured_queries  # nothing to read


def test_rows_locked_together_in_one_statement():
    source, claim = make_source(), make_claim(status=Claim.Status.DISPUTED)
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        values = locked_values((Source, source.pk, "text"), (Claim, claim.pk, "status"))
    assert values == (source.text, Claim.Status.DISPUTED)
    queries = [q["sql"] for q in ctx.captured_queries if "claims_source" in q["sql"]]
    assert len(queries) == 1
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in queries[0]
    with transaction.atomic(), pytest.raises(Claim.DoesNotExist):
        locked_values((Source, source.pk, "text"), (Claim, 10**9, "status"))


def test_the_signed_in_user_comes_with_their_permissions(researcher, admin):
    from claims.backends import RoleBackend

    with CaptureQueriesContext(connection) as ctx:
        user = RoleBackend().get_user(researcher.pk)
        perms = user.get_all_permissions()
        boss = RoleBackend().get_user(admin.pk)
        every = boss.get_all_permissions()
    assert len(ctx.captured_queries) == 2  # one each: the row and the permissions together
    assert "claims.add_statement" in perms and "claims.review_contradiction" not in perms
    assert perms == RoleBackend().get_all_permissions(
        type(researcher).objects.get(pk=researcher.pk)
    )
    assert "claims.review_contradiction" in every and every >= perms
    assert not hasattr(user, "claims_permissions")  # not left as an attribute


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_on_postgresql_these_reads_are_prepared_and_the_orms_are_not():
    claim = make_claim()

    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall()]

    before = prepared()
    for _ in range(3):
        assert by_pk(Claim, claim.pk) == claim
        assert Claim.objects.filter(text=claim.text).first() == claim  # the ORM's own
    new = [sql for sql in prepared() if sql not in before]
    assert len(new) == 1 and new[0].startswith('SELECT "claims_claim"."id"'), new
    assert "$1" in new[0]  # the key a parameter of the statement, not part of its text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a WITH that writes")
def test_a_row_and_its_history_in_one_statement_only_when_the_guards_hold(researcher):
    from claims.compiled import insert_with_history
    from tests.factories import make_actor

    source, claim = make_source(), make_claim(status=Claim.Status.RESOLVED)

    def statement() -> Statement:
        new = Statement(source=source, speaker=make_actor(), start=4, end=12, exact="minister")
        new.claim, new.stance, new.created_by = claim, "asserts", researcher
        new._history_user = researcher
        return new

    refused = statement()
    guards = [(Source, source.pk, "version", (source.version + 1,))]
    with CaptureQueriesContext(connection) as ctx:
        assert insert_with_history(refused, guards=guards) is None
    assert len(ctx.captured_queries) == 1 and refused.pk is None
    open_only = [(Claim, claim.pk, "status", (Claim.Status.OPEN,))]
    assert insert_with_history(statement(), guards=open_only) is None
    assert not Statement.objects.exists() and not Statement.history.exists()

    saved = statement()
    guards = [
        (Source, source.pk, "version", (source.version,)),
        (Claim, claim.pk, "status", (Claim.Status.DISPUTED, Claim.Status.RESOLVED)),
    ]
    assert insert_with_history(saved, guards=guards) == (source.version, "resolved")
    assert Statement.objects.get().pk == saved.pk and not saved._state.adding
    assert Statement.history.get().id == saved.pk
    with pytest.raises(TypeError, match="at least one row"):
        insert_with_history(statement(), guards=[])
    too_long = statement()
    too_long.prefix = "x" * 65  # refused as the ORM's insert refuses it, never cut short
    with pytest.raises(DataError), transaction.atomic():
        insert_with_history(too_long, guards=guards)
