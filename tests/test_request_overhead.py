"""What every signed-in request pays, made cheap without changing what it means: the
permissions in one query (claims.backends), the session from a cache every worker shares
(cached_db; files without Redis), and {% url %} resolved once per distinct link
(claims.templatetags.links)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.core.cache import caches
from django.db import connection, connections
from django.template import Context, Template
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from claims import access
from claims.backends import RoleBackend
from claims.templatetags import links
from tests.conftest import CsrfClient

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


# --- permissions ------------------------------------------------------------------------


def test_a_users_permissions_from_groups_and_their_own_are_read_in_one_query(researcher):
    own = Permission.objects.get(codename="merge_claim")
    researcher.user_permissions.add(own)
    with CaptureQueriesContext(connection) as ctx:
        perms = RoleBackend().get_all_permissions(researcher)
        assert RoleBackend().get_all_permissions(researcher) is perms  # kept for the request
    assert len(ctx.captured_queries) == 1
    assert "claims.merge_claim" in perms  # the user's own
    assert "claims.add_statement" in perms  # the Researchers group's
    assert "claims.review_contradiction" not in perms  # an editor's
    fresh = type(researcher).objects.get(pk=researcher.pk)
    assert perms == ModelBackend().get_all_permissions(fresh)  # what Django reads in two


def test_superusers_have_every_permission_and_inactive_users_none(admin, editor):
    assert RoleBackend().get_all_permissions(admin) == {
        f"{app}.{name}"
        for app, name in Permission.objects.values_list("content_type__app_label", "codename")
    }
    editor.is_active = False
    assert RoleBackend().get_all_permissions(editor) == set()
    assert not access.is_member(editor)


def test_the_signed_in_user_is_read_as_modelbackend_reads_it(researcher, editor):
    with CaptureQueriesContext(connection) as ctx:
        user = RoleBackend().get_user(researcher.pk)
    assert len(ctx.captured_queries) == 1
    expected = ModelBackend().get_user(researcher.pk)
    assert user == expected and user._state.db == expected._state.db
    fields = [f.attname for f in type(user)._meta.concrete_fields]
    assert [getattr(user, f) for f in fields] == [getattr(expected, f) for f in fields]
    assert user.date_joined.tzinfo is not None  # the database's converters applied
    assert RoleBackend().get_user(editor.pk) == editor
    assert RoleBackend().get_user(10**9) is None
    editor.is_active = False
    editor.save()
    assert RoleBackend().get_user(editor.pk) is None  # as ModelBackend: inactive, no user
    assert ModelBackend().get_user(editor.pk) is None


def test_the_roles_follow_the_groups(researcher):
    assert access.is_member(researcher) and not access.is_editor(researcher)
    researcher.groups.add(Group.objects.get(name="Editors"))
    fresh = type(researcher).objects.get(pk=researcher.pk)  # a new request's user
    assert access.is_editor(fresh)


def test_the_change_rule_is_read_once_for_a_page_of_statements(researcher, editor, outsider):
    mine = access.changeable_by(researcher)
    assert mine(researcher.pk) and not mine(editor.pk) and not mine(None)
    anyone = access.changeable_by(editor)
    assert anyone(researcher.pk) and anyone(None)
    assert not access.changeable_by(outsider)(outsider.pk)


# --- sessions ---------------------------------------------------------------------------


def test_without_redis_sessions_are_cached_in_files_every_worker_shares():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    if os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is set: sessions are in Redis (tests/test_multiserver.py)")
    sessions = settings.CACHES[settings.SESSION_CACHE_ALIAS]
    assert sessions["BACKEND"].endswith("FileBasedCache")
    assert sessions["LOCATION"] == os.environ["DJANGO_SESSION_CACHE_DIR"]


def test_a_signed_in_request_reads_its_session_from_the_cache(researcher):
    client = CsrfClient()
    client.force_login(researcher)
    key = client.session.session_key
    assert caches[settings.SESSION_CACHE_ALIAS].get(KEY_PREFIX + key) is not None
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("claims:source_list")).status_code == 200
    assert not [q for q in ctx.captured_queries if "django_session" in q["sql"]]


def test_a_session_missing_from_the_cache_is_read_from_the_database(researcher):
    client = CsrfClient()
    client.force_login(researcher)
    caches[settings.SESSION_CACHE_ALIAS].delete(KEY_PREFIX + client.session.session_key)
    assert client.get(reverse("claims:source_list")).status_code == 200


def test_logging_out_ends_the_session_for_every_worker(researcher, tmp_path):
    """Another worker is another process: it sees the session through the shared files
    before the logout and not after it."""
    if os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is set: sessions are in Redis (tests/test_multiserver.py)")
    client = CsrfClient()
    client.force_login(researcher)
    key = client.session.session_key
    assert _other_worker_sees(key)
    assert client.post(reverse("logout")).status_code == 302
    assert not _other_worker_sees(key)
    stolen = CsrfClient()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = key
    response = stolen.get(reverse("claims:source_list"))
    assert response.status_code == 302 and "login" in response["Location"]


def _other_worker_sees(session_key: str) -> bool:
    """Whether a separate process finds the session in the session cache (not the database:
    the test's database is not visible to it)."""
    code = (
        "import django, sys; django.setup();"
        "from django.conf import settings; from django.core.cache import caches;"
        "from django.contrib.sessions.backends.cached_db import KEY_PREFIX;"
        "found = caches[settings.SESSION_CACHE_ALIAS].get(KEY_PREFIX + sys.argv[1]);"
        "print('yes' if found else 'no')"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code, session_key],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    return out == "yes"


# --- {% url %} ----------------------------------------------------------------------------


def _render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_the_memoised_url_tag_gives_djangos_links(researcher):
    links._reverse.cache_clear()
    assert _render("{% url 'claims:source_list' %}") == reverse("claims:source_list")
    assert _render("{% url 'claims:source_detail' 7 %}") == reverse(
        "claims:source_detail", args=[7]
    )
    assert _render("{% url 'claims:source_detail' pk=pk %}", pk=8) == reverse(
        "claims:source_detail", kwargs={"pk": 8}
    )
    assert _render("{% url 'claims:source_detail' '9' %}") == "/sources/9/"
    before = links._reverse.cache_info().hits
    assert _render("{% url 'claims:source_detail' 7 %}") == "/sources/7/"
    assert links._reverse.cache_info().hits == before + 1  # the second time, no reverse()
    # as var, and a model instance (reversed each time, not memoised)
    assert _render("{% url 'claims:actor_list' as x %}[{{ x }}]") == "[/actors/]"
    user = type(researcher).objects.get(pk=researcher.pk)
    assert _render("{% url 'claims:source_detail' u.pk %}", u=user) == f"/sources/{user.pk}/"


def test_the_memoised_url_tag_fails_as_djangos_does():
    with pytest.raises(NoReverseMatch):
        _render("{% url 'claims:no_such_view' %}")
    assert _render("{% url 'claims:no_such_view' as x %}[{{ x }}]") == "[]"


def test_the_memoised_url_tag_escapes_and_follows_a_new_urlconf():
    assert _render("{% url 'claims:search' %}") == "/search/"
    with override_settings(ROOT_URLCONF="tests.urls_prefixed"):
        assert _render("{% url 'claims:search' %}") == "/prefixed/search/"
    assert _render("{% url 'claims:search' %}") == "/search/"


# --- the review badge ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cap", "shown"), [(1000, ">3</span>"), (4, ">3</span>"), (3, ">2+</span>")]
)
def test_the_review_badge_stops_counting_at_its_cap(
    researcher, editor, researcher_client, monkeypatch, cap, shown
):
    """A backlog of any size costs the badge at most `cap` index entries of each kind."""
    from claims import context_processors
    from claims.services.review import waiting_count
    from tests.seed_fixture import build_seed

    build_seed(researcher, editor)  # X3 proposed, C1 and C3 disputed without a verdict
    monkeypatch.setattr(context_processors, "BADGE_CAP", cap)
    html = researcher_client.get(reverse("claims:source_list")).content.decode()
    assert 'id="review-count"' in html and shown in html
    assert waiting_count() == 3
    assert waiting_count(cap=1) == 2  # one of each kind


# --- the database connection's health check ---------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="claims.database is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_closed_is_replaced_and_an_idle_one_is_not_asked(monkeypatch):
    import time

    from django.db.backends.postgresql.base import DatabaseWrapper as Django

    from claims.database.base import DatabaseWrapper

    assert connection.health_check_enabled and isinstance(connections["default"], DatabaseWrapper)
    asked = []

    def is_usable(self):
        asked.append(self.alias)
        return Django.is_usable(self)

    monkeypatch.setattr(DatabaseWrapper, "is_usable", is_usable)
    other = DatabaseWrapper({**connection.settings_dict}, "other")  # another worker's
    try:
        other.ensure_connection()
        other.health_check_done = False  # a new request
        other.close_if_health_check_failed()
        assert asked == [] and other.connection is not None  # idle: no SELECT 1
        pid = other.connection.info.backend_pid
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        time.sleep(0.3)  # the server's goodbye arrives
        other.health_check_done = False  # the next request
        other.close_if_health_check_failed()
        assert asked == ["other"]  # the server spoke: Django's check ran, and failed
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            assert cursor.fetchone()[0] != pid  # a new connection, no error
    finally:
        other.close()
