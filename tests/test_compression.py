"""HTML and JSON go out gzipped (claims.middleware.QuickGZipMiddleware at level 4; Django's
GZipMiddleware for streaming responses), with Django's BREACH padding: a file name of random
length in each gzip header."""

from __future__ import annotations

import gzip

import pytest
from django.urls import reverse

from claims.pagecache import bump
from tests.factories import make_source

pytestmark = pytest.mark.django_db

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def _name_length(body: bytes) -> int:
    """The length of the FNAME field of a gzip member (its padding)."""
    assert body[:2] == b"\x1f\x8b" and body[3] & gzip.FNAME
    return body.index(b"\x00", 10) - 10


def test_pages_are_gzipped_with_random_padding(researcher_client):
    source = make_source(text="The minister said the bridge was safe. " * 200)
    url = source.get_absolute_url()
    plain = researcher_client.get(url)
    assert plain.status_code == 200 and "Content-Encoding" not in plain
    lengths = set()
    for _ in range(8):
        # each render pads afresh; a repeat with nothing changed is the page cache's copy,
        # byte for byte (claims/pagecache.py), which tells an attacker nothing new: any
        # other query string is another render
        bump()
        response = researcher_client.get(url, headers=GZIP)
        kept = researcher_client.get(url, headers=GZIP)  # the second view is kept
        assert researcher_client.get(url, headers=GZIP).content == kept.content
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        assert int(response["Content-Length"]) == len(response.content)
        assert len(response.content) < len(plain.content) / 3
        page = gzip.decompress(response.content).decode()
        assert "The minister said the bridge was safe." in page
        lengths.add(_name_length(response.content))
    assert len(lengths) > 1  # the padding changes from one response to the next


def test_json_is_gzipped(researcher_client):
    for i in range(30):
        make_source(title=f"Report {i}")
    response = researcher_client.get("/api/sources/", headers=GZIP)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert b'"Report 1' in gzip.decompress(response.content)


def test_streamed_exports_are_gzipped_by_djangos_middleware(researcher_client):
    source = make_source()
    url = reverse("claims:export_now", args=["jsonl"]) + f"?source={source.pk}"
    response = researcher_client.get(url, headers=GZIP)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Encoding"] == "gzip"
    body = gzip.decompress(b"".join(response.streaming_content))
    assert source.title.encode() in body


def test_tiny_responses_are_sent_as_they_are(anon_client):
    response = anon_client.get(reverse("healthz"), headers=GZIP)
    assert response.content == b"ok\n" and "Content-Encoding" not in response
