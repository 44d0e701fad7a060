"""Every API list and detail endpoint runs a fixed number of queries whatever the data size:
the same count at 2 and at 6 rows of everything, pinned. With a token: 1 query finds the
token, its user and whether the user has a role (no permission queries), then a detail reads
its row (1) and a list counts and reads a page (2), plus one per prefetched relation
(actors' aliases; an actor's affiliations; the statements' source texts for UTF-16
offsets)."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import ActorAlias, Affiliation, Note
from claims.services.tokens import api_token_create
from tests.api_helpers import TokenClient
from tests.factories import make_actor, make_claim, make_contradiction, make_source, make_statement

pytestmark = pytest.mark.django_db

_batch = itertools.count()
TEXT = "Crowds 🎉 cheered. " + " ".join(f"Speaker {i} said thing {i} happened." for i in range(12))


def build(n: int, user) -> dict:
    """n of every kind of record, linked to each other, with aliases and affiliations."""
    ids: dict = {}
    first = next(_batch) * 100  # names stay unique (actors and claims are) across calls
    claims = [make_claim(f"Thing {first + i} happened") for i in range(n)]
    for i in range(n):
        source = make_source(TEXT, published_on="2008-04-03")
        speaker = make_actor(f"Speaker {first + i}")
        via = make_actor(f"Spokesman {first + i}")
        ActorAlias.objects.create(actor=speaker, name=f"S{first + i}")
        ActorAlias.objects.create(actor=speaker, name=f"Mr {first + i}")
        Affiliation.objects.create(actor=via, role="spokesperson_for", target=speaker)
        a = make_statement(
            source=source,
            quote=f"thing {i} happened",
            created_by=user,
            speaker=speaker,
            via=via,
            claim=claims[i],
            said_on="2008-04-03",
        )
        b = make_statement(
            source=source, quote="cheered", created_by=user, speaker=via, claim=claims[i],
            stance="denies",
        )  # fmt: skip
        link = make_contradiction(a, b, claim=claims[i], assigned_to=user, proposed_by=user)
        Note.objects.create(claim=claims[i], author=user, body=f"note {i}")
        Note.objects.create(contradiction=link, author=user, body=f"note on link {i}")
        ids.update(source=source.pk, actor=speaker.pk, claim=claims[i].pk, statement=a.pk)
        ids.update(contradiction=link.pk, note=Note.objects.latest("id").pk)
    return ids


ENDPOINTS = [
    ("sources", "/api/sources/", 3),
    ("sources filtered", "/api/sources/?actor={actor}&published_after=2008-01-01&q=Source", 3),
    ("source", "/api/sources/{source}", 2),
    ("actors", "/api/actors/", 4),
    ("actors filtered", "/api/actors/?source={source}&q=Speaker", 4),
    ("actor", "/api/actors/{actor}", 4),
    ("claims", "/api/claims/", 3),
    ("claims filtered", "/api/claims/?actor={actor}&status=open", 3),
    ("claim", "/api/claims/{claim}", 2),
    ("statements", "/api/statements/", 4),
    ("statements filtered", "/api/statements/?source={source}&said_after=2008-01-01", 4),
    ("statement", "/api/statements/{statement}", 2),
    ("contradictions", "/api/contradictions/", 3),
    ("contradictions filtered", "/api/contradictions/?actor={actor}&claim={claim}", 3),
    ("contradiction", "/api/contradictions/{contradiction}", 2),
    ("notes", "/api/notes/", 3),
    ("notes filtered", "/api/notes/?claim={claim}", 3),
    ("note", "/api/notes/{note}", 2),
]


def count(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.content[:300])
    return len(ctx.captured_queries)


@pytest.fixture
def api(researcher) -> TokenClient:
    _, secret = api_token_create(user=researcher, name="queries")
    client = TokenClient(secret)
    client.get("/api/claims/")  # the token's first use records last_used_at (one write)
    return client


@pytest.mark.parametrize("label, path, expected", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_query_count_does_not_grow_with_the_data(api, researcher, label, path, expected):
    small = build(2, researcher)
    at_two = count(api, path.format(**small))
    large = build(4, researcher)  # 6 of everything now
    at_six = count(api, path.format(**large))
    assert at_two == at_six == expected, (label, at_two, at_six)


def test_session_reads_cost_the_same_plus_the_session(researcher_client, researcher):
    ids = build(2, researcher)
    # the session's user with their permissions (one query), as the token's one query; the
    # session itself comes from its cache
    assert count(researcher_client, f"/api/statements/{ids['statement']}") == 2
