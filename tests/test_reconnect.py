"""Issue 7.9: after PostgreSQL drops the app's connections (a restart, a failover), the
first request succeeds: persistent connections are health-checked before reuse
(CONN_HEALTH_CHECKS). Served by gunicorn as deployed, one worker, so the connection the
second request finds is the one the server killed."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection

from claims.serving import gunicorn_argv

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_first_request_after_the_database_dropped_its_connections_succeeds():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no server to restart")
    db = connection.settings_dict
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_DEBUG": "1",
    }
    server = subprocess.Popen(gunicorn_argv(port=port, workers=1, quiet=True), env=env)
    try:
        url = f"http://127.0.0.1:{port}/readyz"
        for _ in range(100):
            try:
                status = _get(url)
                break
            except OSError:
                time.sleep(0.1)
        assert status == 200
        with connection.cursor() as cursor:  # what a restart does to the server's connection
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [db["NAME"]],
            )
            assert cursor.fetchall(), "the app server held no connection to drop"
        time.sleep(0.2)
        assert _get(url) == 200
    finally:
        server.terminate()
        server.wait(10)
