"""/healthz (liveness: no login, no database, no session) and /readyz (database)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client


def test_healthz_answers_anonymous_without_touching_the_database(client: Client):
    # no django_db mark: pytest-django makes any database access here an error
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]
    assert "sessionid" not in response.cookies
    assert "Cookie" not in response.get("Vary", "")  # no session was read


def test_healthz_refuses_writes(client: Client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readyz_checks_the_database(client: Client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.content == b"ready\n"


@pytest.mark.django_db
def test_readyz_answers_503_when_the_database_is_down(client: Client):
    with mock.patch("claims.views.health.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert b"database" in response.content


def test_health_checks_are_exempt_from_the_https_redirect(settings, client: Client):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    assert client.get("/healthz").status_code == 200
    assert client.get("/sources/").status_code == 301  # everything else goes to HTTPS


def test_production_settings_exempt_health_checks_from_the_redirect():
    import subprocess
    import sys

    from django.conf import settings

    code = (
        "import django, os; django.setup(); from django.conf import settings; "
        "print(settings.SECURE_REDIRECT_EXEMPT)"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 50,
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "healthz" in out and "readyz" in out
