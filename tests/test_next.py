"""Issue 7.5: a form's `next` is followed only when it is a local path. Anything else is
ignored (the default destination), never resolved as a view name (a 500 after the change
was saved) and never followed off the site."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from claims.models import Contradiction
from claims.redirects import next_path
from tests.seed_fixture import build_seed

pytestmark = pytest.mark.django_db

QUEUE = reverse("claims:review_queue")
BAD = [
    "foo",
    "review_queue",
    "claims:review_queue",
    "//evil.example/x",
    "/\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    " /spaces",
]


@pytest.mark.parametrize("value", BAD)
def test_next_path_ignores_anything_but_a_local_path(value):
    request = RequestFactory().post("/", {"next": value})
    assert next_path(request, "/default/") == "/default/"


def test_next_path_keeps_a_local_path_with_its_query():
    request = RequestFactory().post("/", {"next": "/review/?kind=tension&page=2"})
    assert next_path(request, "/default/") == "/review/?kind=tension&page=2"


@pytest.mark.parametrize("value", BAD)
def test_a_decision_with_a_bad_next_is_saved_once_and_redirects_home(
    editor_client, researcher, editor, value
):
    seed = build_seed(researcher, editor)
    response = editor_client.post(
        reverse("claims:contradiction_decide", args=[seed.x3.pk]),
        {"decision": "confirm", "version": seed.x3.version, "next": value},
    )
    assert response.status_code == 302
    assert response["Location"] == QUEUE
    assert Contradiction.objects.get(pk=seed.x3.pk).status == "confirmed"


def test_claim_forms_with_a_bad_next_redirect_to_the_claim(editor_client, researcher, editor):
    seed = build_seed(researcher, editor)
    claim = seed.c1
    response = editor_client.post(
        reverse("claims:claim_resolve", args=[claim.pk]),
        {"action": "resolve", "version": claim.version, "next": "foo"},
    )
    assert response.status_code == 302
    assert response["Location"] == claim.get_absolute_url()
    claim.refresh_from_db()
    assert claim.status == "resolved"
