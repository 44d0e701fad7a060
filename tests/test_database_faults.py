"""Issue 7.9: database trouble (a read-only database, a lock held too long) answers 503
with what happened and that nothing was saved, for pages, htmx requests and the API;
never Django's bare 500, never a half-saved record."""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager

import pytest
from django.db import InternalError, OperationalError, connection
from django.test import RequestFactory
from django.urls import reverse

from claims.models import Source
from claims.views.errors import server_error
from tests.conftest import HTMX, CsrfClient

pytestmark = pytest.mark.django_db(transaction=True)

NEW = reverse("claims:source_create")
PASTE = {"title": "Fault", "kind": "article", "language": "en", "text": "Someone said something."}


@pytest.fixture
def client_503(researcher) -> CsrfClient:
    """A researcher's client that gets the response a browser would, not the exception."""
    client = CsrfClient(raise_request_exception=False)
    client.force_login(researcher)
    return client


@contextmanager
def read_only_database():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET default_transaction_read_only = on")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA query_only = OFF")
            else:
                cursor.execute("SET default_transaction_read_only = off")


@contextmanager
def table_locked_elsewhere():
    """Another connection holds the write lock; ours gives up after 200 ms."""
    if connection.vendor == "sqlite":
        other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout = 200")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout = 20000")
    else:
        import psycopg

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        held, release = threading.Event(), threading.Event()

        def hold():
            with psycopg.connect(**params) as other, other.transaction():
                other.execute(f"LOCK TABLE {Source._meta.db_table} IN ACCESS EXCLUSIVE MODE")
                held.set()
                release.wait(10)

        thread = threading.Thread(target=hold)
        thread.start()
        held.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        try:
            yield
        finally:
            release.set()
            thread.join()
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")


def test_a_read_only_database_answers_503_with_what_happened(client_503):
    with read_only_database():
        response = client_503.post(NEW, PASTE)
    assert response.status_code == 503
    body = response.content.decode()
    assert "read-only" in body and "Nothing was saved" in body
    assert response["Retry-After"]
    assert not Source.objects.exists()


def test_a_read_only_database_answers_htmx_with_one_line_of_text(client_503):
    with read_only_database():
        response = client_503.post(NEW, PASTE, headers=HTMX)
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")
    assert "read-only" in response.content.decode()
    assert not Source.objects.exists()


def test_a_lock_held_too_long_answers_503_busy(client_503):
    with table_locked_elsewhere():
        response = client_503.post(NEW, PASTE)
    assert response.status_code == 503
    assert "busy" in response.content.decode()
    assert not Source.objects.exists()


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (OperationalError("attempt to write a readonly database"), "read-only"),
        (OperationalError("database or disk is full"), "disk is full"),
        (OperationalError("database is locked"), "busy"),
        (OperationalError("connection failed: server closed the connection"), "cannot be reached"),
        (InternalError("cannot execute INSERT in a read-only transaction"), "read-only"),
    ],
)
def test_the_api_gets_json_saying_what_happened(error, words):
    request = RequestFactory().post("/api/sources/")
    try:
        raise error
    except type(error):
        response = server_error(request)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    detail = json.loads(response.content)["detail"]
    assert words in detail and "Nothing was saved" in detail


def test_other_errors_stay_a_plain_500():
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(RequestFactory().get("/sources/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
