"""Bad input sent to every operation of the API, read from its own OpenAPI document: a
body that is not JSON, of the wrong JSON type, or with every field of the wrong type; query
parameters and path ids of the wrong type. Each answer is a 4xx JSON error, with a message
on each field that was wrong; never a 500, and nothing is written."""

from __future__ import annotations

import json

import pytest

from claims.api import api
from claims.management.commands.demo import load_demo
from claims.models import Actor, ActorAlias, Claim, Contradiction, Note, Source, Statement

pytestmark = pytest.mark.django_db

DOC = api.get_openapi_schema()
WRITES = [
    (method.upper(), path, op)
    for path, ops in DOC["paths"].items()
    for method, op in ops.items()
    if method in {"post", "put", "patch"}
]
READS = [
    (path, op) for path, ops in DOC["paths"].items() for method, op in ops.items()
    if method == "get"
]  # fmt: skip
OPS = [(m.upper(), p) for p, ops in DOC["paths"].items() for m in ops]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def data():
    """The demo's records, so every path id names something that exists."""
    load_demo()
    note = Note.objects.create(
        claim=Claim.objects.first(), author=Statement.objects.first().created_by, body="N."
    )
    actor = Actor.objects.filter(aliases__isnull=False).first()
    return {
        "source_id": Source.objects.first().pk,
        "actor_id": actor.pk,
        "alias_id": ActorAlias.objects.filter(actor=actor).first().pk,
        "claim_id": Claim.objects.first().pk,
        "statement_id": Statement.objects.first().pk,
        "contradiction_id": Contradiction.objects.first().pk,
        "note_id": note.pk,
    }


def counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (Source, Actor, ActorAlias, Claim, Statement, Contradiction, Note)
    )


def resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = DOC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def body_schema(op: dict) -> dict:
    content = op["requestBody"]["content"]["application/json"]["schema"]
    return resolve(content)


def kinds(schema: dict) -> set[str]:
    """The JSON types a property accepts (null included when it is optional)."""
    schema = resolve(schema)
    if "anyOf" in schema:
        return set().union(*(kinds(s) for s in schema["anyOf"]))
    if "allOf" in schema:
        return set().union(*(kinds(s) for s in schema["allOf"]))
    if "enum" in schema and "type" not in schema:
        return {"string"}
    kind = schema.get("type")
    return {kind} if kind else {"object"}


def wrong_value(schema: dict):
    """A value no type of the property accepts."""
    accepted = kinds(schema)
    for value, kind in (
        ({"nested": ["object"]}, "object"),
        ([1, "two"], "array"),
        ("not a number", "integer"),
        (12.5, "number"),
    ):
        if kind not in accepted and not (kind == "number" and "integer" in accepted):
            if kind == "integer" and "string" in accepted:
                continue  # a string field takes any string
            return value
    return [[["nested"]]]


def url(path: str, ids: dict) -> str:
    return path.format(**ids)


def assert_json_error(response, expect_fields: set[str] | None = None):
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:500])
    data = response.json()
    assert isinstance(data["detail"], str) and data["detail"], data
    if expect_fields is not None:
        assert response.status_code == 422, data
        missing = expect_fields - set(data["errors"])
        assert not missing, (missing, data)
        for messages in data["errors"].values():
            assert messages and all(isinstance(m, str) and m for m in messages), data
    return data


@pytest.mark.parametrize("method, path, op", WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_a_body_of_the_wrong_type_is_a_4xx_with_a_message(admin_api, data, method, path, op):
    target = url(path, data)
    send = getattr(admin_api, method.lower())
    before = counts()
    for raw in ("not json", "{", "[1, 2]", "null", '"a string"', "42", b"\xff\xfe"):
        assert_json_error(send(target, raw))
    assert counts() == before


@pytest.mark.parametrize("method, path, op", WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_every_field_of_the_wrong_type_gets_its_own_message(admin_api, data, method, path, op):
    schema = body_schema(op)
    props = schema.get("properties", {})
    assert props, path
    bad = {name: wrong_value(prop) for name, prop in props.items()}
    before = counts()
    response = getattr(admin_api, method.lower())(url(path, data), bad)
    assert_json_error(response, expect_fields=set(props))
    # and one field at a time, the others left out or as they are
    for name, prop in props.items():
        response = getattr(admin_api, method.lower())(url(path, data), {name: wrong_value(prop)})
        assert_json_error(response)
        assert name in response.json()["errors"], (name, response.json())
    assert counts() == before


@pytest.mark.parametrize("method, path", OPS, ids=[f"{m} {p}" for m, p in OPS])
def test_path_ids_of_the_wrong_type_or_size_are_4xx(admin_api, data, method, path):
    if "{" not in path:
        pytest.skip("no id in the path")
    before = counts()
    for bad in ("abc", "1.5", "-1", "0", str(2**70), "99999999"):
        ids = {name: bad for name in data}
        response = getattr(admin_api, method.lower())(url(path, ids), {})
        assert response.status_code in (400, 404, 405, 422), (bad, response.content[:300])
        if response.status_code != 405:
            assert_json_error(response)
    assert counts() == before


@pytest.mark.parametrize("path, op", READS, ids=[p for p, _ in READS])
def test_query_parameters_of_the_wrong_type_are_422_per_parameter(admin_api, data, path, op):
    params = [p for p in op.get("parameters", []) if p["in"] == "query"]
    if not params:
        pytest.skip("no query parameters")
    for param in params:
        value = wrong_value(param["schema"])
        value = json.dumps(value) if not isinstance(value, str) else value
        if "string" in kinds(param["schema"]) and "enum" not in json.dumps(param["schema"]):
            if "date" not in json.dumps(param["schema"]):
                continue  # free text takes anything
            value = "31/12/2008"
        response = admin_api.get(url(path, data), {param["name"]: value})
        assert_json_error(response, expect_fields={param["name"]})
    for page in ("0", "-3", "x"):
        response = admin_api.get(url(path, data), {"page": page})
        if any(p["name"] == "page" for p in params):
            assert_json_error(response, expect_fields={"page"})
