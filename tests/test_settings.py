"""Settings come from the environment; production settings pass `check --deploy`."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environ.pop("DATABASE_URL", None)
    environ.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )


def production_env(**extra: str) -> dict[str, str]:
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "claims.example.org",
        **extra,
    }


def test_production_settings_pass_check_deploy():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_off_without_a_secret_key_is_refused():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = run(["manage.py", "check"], **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def settings_dump(**env: str) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "db = settings.DATABASES['default']; "
        "print(json.dumps({'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS, "
        "'engine': db['ENGINE'], 'name': str(db['NAME']), 'options': db.get('OPTIONS', {}), "
        "'ssl': getattr(settings, 'SECURE_SSL_REDIRECT', False), "
        "'cookie_secure': settings.SESSION_COOKIE_SECURE}))"
    )
    result = run(["-c", code], DJANGO_SETTINGS_MODULE="config.settings", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_debug_is_off_unless_asked_for():
    """Issue 7.11: a forgotten DJANGO_DEBUG does not run production with the development key."""
    result = run(["manage.py", "check"])
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
    s = settings_dump(DJANGO_SECRET_KEY=secrets.token_urlsafe(50))
    assert s["debug"] is False
    assert settings_dump(DJANGO_DEBUG="1")["debug"] is True


def test_default_database_is_sqlite_with_wal_immediate_transactions_and_a_busy_timeout():
    s = settings_dump(DJANGO_DEBUG="1")
    assert s["debug"] is True
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["options"]["transaction_mode"] == "IMMEDIATE"
    assert s["options"]["timeout"] >= 5
    assert "journal_mode=WAL" in s["options"]["init_command"]
    assert s["name"].endswith("db.sqlite3")


def test_database_url_selects_postgresql():
    s = settings_dump(
        DJANGO_DEBUG="1", DATABASE_URL="postgres://someone@db.example.org:5432/claims"
    )
    assert s["engine"] == "claims.database"  # Django's, with a cheaper health check
    assert s["name"] == "claims"
    assert s["options"]["prepare_threshold"] > 10**9  # only what claims.compiled asks for


def test_production_settings_are_secure():
    s = settings_dump(**production_env())
    assert s["debug"] is False
    assert s["hosts"] == ["claims.example.org"]
    assert s["ssl"] is True and s["cookie_secure"] is True
