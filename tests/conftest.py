"""Shared fixtures: named personas and CSRF-enforcing clients.

Personas: `researcher`, `editor`, `admin` (superuser, staff) and `outsider`
(signed in, no role). Every `*_client` fixture enforces CSRF like a browser;
its post() sends a valid token unless called with csrf=False, so a test can
prove a write view refuses a forged request.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

# the API tests' token clients (researcher_api, editor_api, ...): tests/api_helpers.py
pytest_plugins = ["tests.api_helpers"]

CSRF_SECRET = "a" * 32


class CsrfClient(Client):
    def __init__(self, **kwargs):
        super().__init__(enforce_csrf_checks=True, **kwargs)
        self.cookies["csrftoken"] = CSRF_SECRET

    def _with_token(self, kwargs, csrf):
        if csrf:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", CSRF_SECRET)
            kwargs["headers"] = headers
        return kwargs

    def post(self, path, data=None, *args, csrf: bool = True, **kwargs):
        return super().post(path, data, *args, **self._with_token(kwargs, csrf))

    def put(self, path, data="", *args, csrf: bool = True, **kwargs):
        return super().put(path, data, *args, **self._with_token(kwargs, csrf))

    def patch(self, path, data="", *args, csrf: bool = True, **kwargs):
        return super().patch(path, data, *args, **self._with_token(kwargs, csrf))

    def delete(self, path, data="", *args, csrf: bool = True, **kwargs):
        return super().delete(path, data, *args, **self._with_token(kwargs, csrf))


HTMX = {"HX-Request": "true"}


def make_user(username: str, group: str | None = None, **extra) -> User:
    user = User.objects.create_user(username, f"{username}@example.org", "pw-" + username, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def researcher(db) -> User:
    return make_user("researcher", "Researchers")


@pytest.fixture
def other_researcher(db) -> User:
    return make_user("other_researcher", "Researchers")


@pytest.fixture
def editor(db) -> User:
    return make_user("editor", "Editors")


@pytest.fixture
def admin(db) -> User:
    return make_user("admin", None, is_staff=True, is_superuser=True)


@pytest.fixture
def outsider(db) -> User:
    return make_user("outsider")


def _client_for(user: User | None) -> CsrfClient:
    client = CsrfClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def anon_client(db) -> CsrfClient:
    return _client_for(None)


@pytest.fixture
def researcher_client(researcher) -> CsrfClient:
    return _client_for(researcher)


@pytest.fixture
def other_researcher_client(other_researcher) -> CsrfClient:
    return _client_for(other_researcher)


@pytest.fixture
def editor_client(editor) -> CsrfClient:
    return _client_for(editor)


@pytest.fixture
def admin_client(admin) -> CsrfClient:
    return _client_for(admin)


@pytest.fixture
def outsider_client(outsider) -> CsrfClient:
    return _client_for(outsider)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: the database is rolled back between tests, so
    ids and versions repeat, and a fragment cached by one test must not meet the next."""
    from django.conf import settings
    from django.core.cache import cache, caches

    cache.clear()
    if "pages" in settings.CACHES:
        caches["pages"].clear()  # claims/pagecache.py
    yield
