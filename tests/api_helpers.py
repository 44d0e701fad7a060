"""Helpers for the API tests: a JSON client that authenticates with a personal token (and
sends no CSRF token, as a script would), and the personas' token clients as fixtures.
Import the fixtures by name into a test module."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from claims.services.tokens import api_token_create


class TokenClient(Client):
    """Bearer-token JSON client; enforces CSRF like a browser so tests prove a token needs
    none."""

    def __init__(self, secret: str | None, **kwargs):
        super().__init__(enforce_csrf_checks=True, **kwargs)
        self.secret = secret

    def _auth(self, kwargs: dict) -> dict:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.secret is not None:
            headers.setdefault("Authorization", f"Bearer {self.secret}")
        kwargs["headers"] = headers
        return kwargs

    def get(self, path, data=None, **kwargs):
        return super().get(path, data, **self._auth(kwargs))

    def _send(self, method, path, body, kwargs):
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return getattr(super(), method)(
            path, data, content_type="application/json", **self._auth(kwargs)
        )

    def post(self, path, body=None, **kwargs):
        return self._send("post", path, body if body is not None else {}, kwargs)

    def put(self, path, body=None, **kwargs):
        return self._send("put", path, body if body is not None else {}, kwargs)

    def patch(self, path, body=None, **kwargs):
        return self._send("patch", path, body if body is not None else {}, kwargs)

    def delete(self, path, body=None, **kwargs):
        return super().delete(path, **self._auth(kwargs))


def token_client(user) -> TokenClient:
    _, secret = api_token_create(user=user, name=f"tests for {user.username}")
    return TokenClient(secret)


@pytest.fixture
def researcher_api(researcher) -> TokenClient:
    return token_client(researcher)


@pytest.fixture
def other_researcher_api(other_researcher) -> TokenClient:
    return token_client(other_researcher)


@pytest.fixture
def editor_api(editor) -> TokenClient:
    return token_client(editor)


@pytest.fixture
def admin_api(admin) -> TokenClient:
    return token_client(admin)


@pytest.fixture
def outsider_api(outsider) -> TokenClient:
    return token_client(outsider)


def send_json(client, method: str, path: str, body: dict, **kwargs):
    """A session client's JSON write (tests/conftest CsrfClient sends the CSRF header)."""
    return getattr(client, method)(
        path, json.dumps(body), content_type="application/json", **kwargs
    )
