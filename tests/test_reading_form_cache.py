"""The reading page's hidden new-statement form is rendered once per source and cached
(claims/caching.py new_statement_form_html); each request puts its own CSRF token in it."""

from __future__ import annotations

import re

from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.urls import reverse

from claims import caching
from tests.factories import make_source

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _form_tokens(client: Client, source) -> list[str]:
    response = client.get(reverse("claims:source_detail", args=[source.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('<template id="statement-form-template">')
    form = html[start : html.index("</template>", start)]
    assert caching.CSRF_PLACEHOLDER not in html
    assert "Record a statement" in form
    assert reverse("claims:statement_create", args=[source.pk]) in form
    return TOKEN.findall(form)


def test_each_viewer_gets_the_cached_form_with_their_own_token(researcher, other_researcher):
    source = make_source(title="Cached form")
    clients = []
    for user, secret in ((researcher, "b" * 32), (other_researcher, "c" * 32)):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        client.cookies["csrftoken"] = secret
        clients.append((client, secret))
    for _ in range(2):  # the second round reads the form from the cache
        for client, secret in clients:
            tokens = _form_tokens(client, source)
            assert len(tokens) == 1
            assert _unmask_cipher_token(tokens[0]) == secret


def test_the_token_in_the_cached_form_passes_the_csrf_check(researcher):
    source = make_source(title="Cached form, posted")
    client = Client(enforce_csrf_checks=True)
    client.force_login(researcher)
    client.cookies["csrftoken"] = "d" * 32
    _form_tokens(client, source)  # fills the cache
    (token,) = _form_tokens(client, source)
    url = reverse("claims:statement_create", args=[source.pk])
    # only the form's own field carries the token (no header): an incomplete statement is
    # refused by the form (422), not by the CSRF check (403)
    response = client.post(url, {"csrfmiddlewaretoken": token, "exact": ""})
    assert response.status_code == 422
    assert client.post(url, {"exact": ""}).status_code == 403


def test_the_form_follows_its_source(researcher_client):
    first, second = make_source(title="One"), make_source(title="Two")
    _form_tokens(researcher_client, first)
    _form_tokens(researcher_client, second)  # asserts its own create URL
