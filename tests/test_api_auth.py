"""The API's doors: personal tokens (made and revoked on /account/tokens/ and in the
admin, stored hashed), the session with CSRF, roles, the docs and the OpenAPI document."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.urls import reverse

from claims.models import ApiToken, Claim
from claims.services.tokens import api_token_create
from tests.api_helpers import TokenClient, send_json

pytestmark = pytest.mark.django_db

TOKENS = "/account/tokens/"


# --- the tokens page -------------------------------------------------------------------


def test_making_a_token_shows_its_secret_once_and_stores_only_its_hash(
    researcher_client, researcher
):
    response = researcher_client.post(TOKENS, {"name": "nightly script"})
    assert response.status_code == 201
    secret = re.search(r"ctk_[0-9a-f]{12}\.[A-Za-z0-9_-]+", response.content.decode())[0]
    token = ApiToken.objects.get(user=researcher)
    assert token.name == "nightly script"
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.key_hash, token.prefix}
    again = researcher_client.get(TOKENS)
    assert again.status_code == 200
    assert secret not in again.content.decode()
    assert f"ctk_{token.prefix}" in again.content.decode()
    assert TokenClient(secret).get("/api/claims/").status_code == 200


def test_a_token_needs_a_name(researcher_client, researcher):
    response = researcher_client.post(TOKENS, {"name": "   "})
    assert response.status_code == 422
    assert "Give the token a name" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_token_page_refuses_a_forged_post(researcher_client):
    assert researcher_client.post(TOKENS, {"name": "x"}, csrf=False).status_code == 403
    assert not ApiToken.objects.exists()


def test_token_page_is_for_members(outsider_client, anon_client):
    assert outsider_client.get(TOKENS).status_code == 403
    response = anon_client.get(TOKENS)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_revoking_a_token_stops_it(researcher_client, researcher):
    token, secret = api_token_create(user=researcher, name="old")
    assert TokenClient(secret).get("/api/claims/").status_code == 200
    response = researcher_client.post(reverse("claims:api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    refused = TokenClient(secret).get("/api/claims/")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "This API token is unknown or has been revoked."


def test_nobody_revokes_another_users_token(other_researcher_client, researcher):
    token, _ = api_token_create(user=researcher, name="mine")
    url = reverse("claims:api_token_revoke", args=[token.pk])
    assert other_researcher_client.post(url).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_admin_lists_and_revokes_tokens_but_cannot_make_them(admin_client, researcher):
    token, secret = api_token_create(user=researcher, name="seen by admin")
    changelist = reverse("admin:claims_apitoken_changelist")
    page = admin_client.get(changelist)
    assert page.status_code == 200
    assert "seen by admin" in page.content.decode()
    assert secret not in page.content.decode()
    response = admin_client.post(
        changelist, {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert admin_client.get(reverse("admin:claims_apitoken_add")).status_code == 403


def test_an_admin_cannot_bring_a_revoked_token_back(admin_client, researcher):
    """The change page shows revoked_at read-only: posting it empty changes nothing."""
    token, secret = api_token_create(user=researcher, name="revoked for good")
    admin_client.post(
        reverse("admin:claims_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    change = reverse("admin:claims_apitoken_change", args=[token.pk])
    page = admin_client.get(change).content.decode()
    assert 'name="revoked_at' not in page
    admin_client.post(change, {"revoked_at_0": "", "revoked_at_1": ""})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert TokenClient(secret).get("/api/claims/").status_code == 401


def test_a_token_revoked_by_an_admin_is_refused_everywhere(admin_client, researcher):
    token, secret = api_token_create(user=researcher, name="leaked")
    api = TokenClient(secret)
    assert api.get("/api/claims/").status_code == 200
    admin_client.post(
        reverse("admin:claims_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    refused = [
        api.get("/api/claims/"),
        api.post("/api/claims/", {"text": "Written with a revoked token"}),
        api.get("/api/openapi.json"),
    ]
    for response in refused:
        assert response.status_code == 401, response.content
        assert response.json()["detail"] == "This API token is unknown or has been revoked."
    assert not Claim.objects.filter(text="Written with a revoked token").exists()
    token.refresh_from_db()
    assert token.last_used_at is None or token.last_used_at <= token.revoked_at


def test_editor_cannot_open_the_token_admin(editor_client, researcher):
    api_token_create(user=researcher, name="x")
    response = editor_client.get(reverse("admin:claims_apitoken_changelist"))
    assert response.status_code == 302  # not staff: the admin's own login


# --- authentication on the API ----------------------------------------------------------


def test_no_credentials_is_401_json(anon_client):
    response = anon_client.get("/api/claims/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer ctk_000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Bearer not-a-token",
        "Basic dXNlcjpwYXNz",
        "Bearer",
    ],
)
def test_unknown_or_malformed_tokens_are_401(anon_client, header):
    response = anon_client.get("/api/claims/", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_revoked_token_is_401_even_with_a_signed_in_session(researcher_client, researcher):
    token, secret = api_token_create(user=researcher, name="gone")
    token.revoked_at = token.created_at
    token.save()
    response = researcher_client.get("/api/claims/", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_a_token_of_an_inactive_user_is_401(researcher):
    _, secret = api_token_create(user=researcher, name="x")
    researcher.is_active = False
    researcher.save()
    assert TokenClient(secret).get("/api/claims/").status_code == 401


def test_users_without_a_role_get_403(outsider_api, outsider_client):
    assert outsider_api.get("/api/claims/").status_code == 403
    assert outsider_client.get("/api/claims/").status_code == 403
    assert outsider_api.post("/api/claims/", {"text": "x"}).status_code == 403


def test_the_role_read_with_the_token_follows_the_permissions_at_once(researcher, outsider):
    """The token's query reads the role (a group's or the user's own view_statement, or a
    superuser): a role taken away or given counts from the next request."""
    from django.contrib.auth.models import Group, Permission

    _, secret = api_token_create(user=researcher, name="x")
    api = TokenClient(secret)
    assert api.get("/api/claims/").status_code == 200
    researcher.groups.clear()
    assert api.get("/api/claims/").status_code == 403
    _, outsider_secret = api_token_create(user=outsider, name="y")
    outsiders = TokenClient(outsider_secret)
    assert outsiders.get("/api/claims/").status_code == 403
    outsider.user_permissions.add(
        Permission.objects.get(content_type__app_label="claims", codename="view_statement")
    )
    assert outsiders.get("/api/claims/").status_code == 200
    outsider.user_permissions.clear()
    outsider.is_superuser = True
    outsider.save()
    assert outsiders.get("/api/claims/").status_code == 200
    researcher.groups.add(Group.objects.get(name="Researchers"))
    assert api.get("/api/claims/").status_code == 200


def test_a_token_write_needs_no_csrf_and_acts_as_its_user(researcher_api, researcher):
    response = researcher_api.post("/api/claims/", {"text": "The bridge is safe"})
    assert response.status_code == 201, response.content
    claim = Claim.objects.get()
    assert claim.created_by == researcher
    assert claim.history.get().history_user == researcher


def test_a_session_write_needs_the_csrf_header(researcher_client):
    refused = send_json(researcher_client, "post", "/api/claims/", {"text": "A"}, csrf=False)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not Claim.objects.exists()
    accepted = send_json(researcher_client, "post", "/api/claims/", {"text": "A"})
    assert accepted.status_code == 201


def test_token_use_is_recorded(researcher):
    token, secret = api_token_create(user=researcher, name="x")
    assert token.last_used_at is None
    TokenClient(secret).get("/api/claims/")
    token.refresh_from_db()
    assert token.last_used_at is not None


# --- docs and the OpenAPI document -------------------------------------------------------------


def test_docs_page_is_served_by_the_app_for_members(
    researcher_client, anon_client, outsider_client
):
    response = researcher_client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert "<style" not in html and 'style="' not in html
    assert 'id="swagger-settings" type="application/json"' in html
    assert anon_client.get("/api/docs")["Location"].startswith("/login/")
    assert outsider_client.get("/api/docs").status_code == 403


def test_openapi_document_needs_a_member(anon_client, researcher_api, outsider_api):
    assert anon_client.get("/api/openapi.json").status_code == 401
    assert outsider_api.get("/api/openapi.json").status_code == 403
    assert researcher_api.get("/api/openapi.json").status_code == 200
    bad = TokenClient("ctk_000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert bad.get("/api/openapi.json").status_code == 401


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_document_is_complete_and_consistent(researcher_api):
    doc = researcher_api.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    expected = {
        "/api/sources/": {"get", "post"},
        "/api/sources/{source_id}": {"get", "put", "patch", "delete"},
        "/api/actors/": {"get", "post"},
        "/api/actors/{actor_id}": {"get", "put", "patch", "delete"},
        "/api/actors/{actor_id}/aliases": {"post"},
        "/api/actors/{actor_id}/aliases/{alias_id}": {"delete"},
        "/api/claims/": {"get", "post"},
        "/api/claims/{claim_id}": {"get", "put", "patch", "delete"},
        "/api/statements/": {"get", "post"},
        "/api/statements/{statement_id}": {"get", "put", "patch", "delete"},
        "/api/contradictions/": {"get", "post"},
        "/api/contradictions/{contradiction_id}": {"get", "put", "patch", "delete"},
        "/api/notes/": {"get", "post"},
        "/api/notes/{note_id}": {"get", "put", "delete"},
        "/api/review/contradictions/{contradiction_id}/decision": {"post"},
        "/api/review/contradictions/{contradiction_id}/assignment": {"post"},
        "/api/review/claims/{claim_id}/verdict": {"post"},
        "/api/review/claims/{claim_id}/resolution": {"post"},
        "/api/review/claims/{claim_id}/assignment": {"post"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert set(paths[path]) >= methods, path
    schemas = doc["components"]["schemas"]
    for ref in _refs(doc):
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in schemas, ref
    operation_ids = [op["operationId"] for item in paths.values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))
    schemes = doc["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    statement_in = schemas["StatementIn"]
    assert statement_in["properties"]["offsets"]["enum"] == ["utf16", "codepoints"]
    assert "offsets" in statement_in["required"]
    for item in paths.values():
        for op in item.values():
            assert op["security"], op["operationId"]
