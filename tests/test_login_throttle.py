"""Issue 7.8: password guessing is throttled (django-axes). After AXES_FAILURE_LIMIT wrong
passwords for one username from one address, even the right password is refused with a
429 that says when to try again; other people are unaffected; a success resets the count."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

from tests.conftest import CSRF_SECRET, make_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")


def attempt(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_the_right_password_is_refused_after_too_many_wrong_ones(anon_client):
    make_user("alice", "Researchers")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = attempt(anon_client, "alice", "wrong")
        assert response.status_code == 200  # the form again, with its error
    assert attempt(anon_client, "alice", "wrong").status_code == 429  # the last one allowed
    response = attempt(anon_client, "alice", "pw-alice")
    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many failed logins" in body
    assert f"Try again in {settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in body
    assert response["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    assert "_auth_user_id" not in anon_client.session


def test_fifty_wrong_passwords_then_the_right_one_is_still_refused(anon_client):
    make_user("bob", "Researchers")
    for _ in range(50):
        attempt(anon_client, "bob", "guess")
    assert attempt(anon_client, "bob", "pw-bob").status_code == 429


def test_a_lockout_does_not_lock_out_someone_else(anon_client, client):
    make_user("alice", "Researchers")
    make_user("carol", "Researchers")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(anon_client, "alice", "wrong")
    response = attempt(client, "carol", "pw-carol")
    assert response.status_code == 302


def test_after_the_cool_off_the_right_password_works(anon_client):
    make_user("alice", "Researchers")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(anon_client, "alice", "wrong")
    assert attempt(anon_client, "alice", "pw-alice").status_code == 429
    past = datetime.timedelta(minutes=1) + settings.AXES_COOLOFF_TIME
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - past)
    response = attempt(anon_client, "alice", "pw-alice")
    assert response.status_code == 302
    assert anon_client.session["_auth_user_id"]


def test_a_success_resets_the_count(anon_client):
    make_user("alice", "Researchers")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(anon_client, "alice", "wrong")
    assert attempt(anon_client, "alice", "pw-alice").status_code == 302
    anon_client.cookies["csrftoken"] = CSRF_SECRET  # a login rotates the token
    anon_client.post(reverse("logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(anon_client, "alice", "wrong")
    assert attempt(anon_client, "alice", "pw-alice").status_code == 302
