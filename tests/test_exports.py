"""Exports (claims.services.exports): every format from the demo data, scopes, streaming,
progress, bad requests; and the `export` command."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.interchange import aif, claimreview, tables, w3c
from claims.management.commands.demo import load_demo
from claims.models import Claim, Contradiction, Source, Statement
from claims.services.exports import EXPORT_FORMATS, export_stream

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo()
    claim = Claim.objects.filter(statements__isnull=False).first()
    Claim.objects.filter(pk=claim.pk).update(verdict="false", rationale="Envoys were sent.")
    return Source.objects.get()


def read(fmt: str, **scope) -> bytes:
    return b"".join(export_stream(fmt, **scope))


def test_the_interface_lists_every_format_with_a_file_name_and_type():
    for key in ["w3c", "claimreview", "aif", "csv-zip", "jsonl", "csv-statements"]:
        fmt = EXPORT_FORMATS[key]
        assert fmt.key == key and fmt.label and fmt.filename and fmt.content_type


def test_w3c_export_has_an_annotation_per_statement_and_contradiction(demo):
    doc = json.loads(read("w3c"))
    items = doc["first"]["items"]
    assert doc["total"] == len(items) == Statement.objects.count() + Contradiction.objects.count()
    by_id = {a["id"]: a for a in items}
    for st in Statement.objects.select_related("speaker"):
        ann = by_id[w3c.iri("statement", st.pk)]
        quote, position = ann["target"]["selector"]
        assert quote["exact"] == st.exact == demo.text[position["start"] : position["end"]]
        assert ann["body"]["speaker"]["name"] == st.speaker.name
        assert ann["target"]["source"]["textSha256"] == demo.text_sha256
    for c in Contradiction.objects.all():
        link = by_id[w3c.iri("contradiction", c.pk)]
        assert link["motivation"] == "linking"
        assert link["body"]["firstStatement"] == w3c.iri("statement", c.first_id)
        assert link["body"]["kind"] == c.kind
    assert w3c.expand(doc)  # valid JSON-LD against the shipped context


def test_claimreview_export_covers_claims_with_a_verdict(demo, settings):
    settings.CLAIMREVIEW_PUBLISHER = {"name": "Desk", "url": "https://desk.example"}
    doc = json.loads(read("claimreview"))
    reviewed = Claim.objects.exclude(verdict="unrated")
    assert len(doc["@graph"]) == reviewed.count() == 1
    review = doc["@graph"][0]
    assert claimreview.missing_fields(review) == []
    assert review["author"]["name"] == "Desk"
    assert review["reviewRating"]["alternateName"] == "False"
    assert review["itemReviewed"]["firstAppearance"]["name"] == demo.title


def test_claimreview_authors_are_the_actors_asserting_the_claim(demo, settings):
    settings.CLAIMREVIEW_PUBLISHER = {"name": "Desk", "url": ""}
    claim = Claim.objects.exclude(verdict="unrated").get()
    statements = list(claim.statements.select_related("speaker"))
    asserting, other = statements[0], statements[-1]
    Statement.objects.filter(pk=asserting.pk).update(stance="asserts")
    asserting.speaker.kind = "government"
    asserting.speaker.save()
    if other.pk != asserting.pk and other.speaker_id != asserting.speaker_id:
        Statement.objects.filter(pk=other.pk).update(stance="denies")
    review = json.loads(read("claimreview"))["@graph"][0]
    authors = review["itemReviewed"]["author"]
    assert {"@type": "Organization", "name": asserting.speaker.name} in authors
    asserted_by = set(
        claim.statements.filter(stance="asserts").values_list("speaker__name", flat=True)
    )
    assert {a["name"] for a in authors} == asserted_by
    assert review["author"] == {"@type": "Organization", "name": "Desk"}  # no null url
    assert None not in review.values()
    assert claimreview.missing_fields(review) == []


def test_aif_export_is_consistent_for_everything_and_one_claim(demo):
    everything = json.loads(read("aif"))
    assert aif.check(everything) == []
    assert len(everything["locutions"]) == Statement.objects.count()
    claim = Claim.objects.filter(contradictions__isnull=False).first()
    one = json.loads(read("aif", claim_id=claim.pk))
    assert aif.check(one) == []
    cas = [n for n in one["nodes"] if n["type"] == "CA"]
    assert len(cas) == Contradiction.objects.filter(claim=claim).count() or cas


def test_csv_zip_has_every_table_and_the_data_dictionary(demo):
    zf = zipfile.ZipFile(io.BytesIO(read("csv-zip")))
    assert set(zf.namelist()) == {"DATA_DICTIONARY.md"} | {f"{t}.csv" for t in tables.ORDER}
    rows = tables.read_csv("statements", zf.read("statements.csv"), "statements.csv")
    assert len(rows) == Statement.objects.count()
    for row in rows:
        assert demo.text[row["start"] : row["end"]] == row["exact"]
    actors = tables.read_csv("actors", zf.read("actors.csv"), "actors.csv")
    sadr = next(a for a in actors if a["name"] == "Muqtada al-Sadr")
    assert "al-Sadr" in sadr["aliases"]
    assert tables.read_csv("affiliations", zf.read("affiliations.csv"), "affiliations.csv")


def test_one_table_as_csv(demo):
    data = read("csv-claims")
    assert data.splitlines()[0].decode() == ",".join(tables.columns("claims"))
    assert len(tables.read_csv("claims", data, "claims.csv")) == Claim.objects.count()


def test_source_scope_brings_the_other_end_of_each_contradiction(demo):
    other = Source.objects.create(title="Other", text="The envoy was sent, he said.")
    st = Statement.objects.create(
        source=other, speaker=Statement.objects.first().speaker, start=0, end=19,
        exact="The envoy was sent,", created_by=Statement.objects.first().created_by,
    )  # fmt: skip
    Contradiction.objects.create(first=st, second=Statement.objects.first(), kind="tension")
    data = tables.read_jsonl(read("jsonl", source_id=other.pk), "x")
    assert {s["id"] for s in data["statements"]} == {st.pk, Statement.objects.first().pk}
    assert len(data["contradictions"]) == 1
    assert {s["id"] for s in data["sources"]} == {other.pk, demo.pk}


def test_progress_is_reported_up_to_the_total(demo):
    calls = []
    read("jsonl", progress=lambda done, total: calls.append((done, total)))
    assert calls[0][0] == 0 and calls[-1][0] == calls[-1][1] > 0


def test_exports_are_streamed_in_chunks_with_queries_that_do_not_grow(demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run(fmt):
        with CaptureQueriesContext(connection) as ctx:
            chunks = list(export_stream(fmt))
        return chunks, len(ctx.captured_queries)

    chunks, queries = run("jsonl")
    assert len(chunks) > 1
    assert b"".join(chunks).count(b"\n") == sum(
        m.objects.count() for m in [Source, Statement, Claim, Contradiction]
    ) + sum(len(tables.read_jsonl(b"".join(chunks), "x")[t]) for t in
            ["actors", "affiliations", "notes"])  # fmt: skip
    counts = {fmt: run(fmt)[1] for fmt in ["w3c", "aif", "csv-zip", "claimreview"]}
    other = Source.objects.create(title="More", text="A said B. C said D.")
    speaker = Statement.objects.first().speaker
    for start in (0, 10):
        Statement.objects.create(
            source=other,
            speaker=speaker,
            start=start,
            end=start + 6,
            exact=other.text[start : start + 6],
            created_by=Statement.objects.first().created_by,
        )
    assert run("jsonl")[1] == queries
    assert {fmt: run(fmt)[1] for fmt in counts} == counts


@pytest.mark.parametrize(
    "fmt, scope, message",
    [
        ("pdf", {}, "Unknown export format “pdf”"),
        ("w3c", {"source_id": 999999}, "no source #999999"),
        ("w3c", {"claim_id": 999999}, "no claim #999999"),
        ("w3c", {"source_id": 1, "claim_id": 1}, "not both"),
    ],
)
def test_unknown_format_or_scope_is_a_value_error_before_any_byte(fmt, scope, message):
    with pytest.raises(ValueError, match=message):
        export_stream(fmt, **scope)


def test_export_command_writes_the_file(demo, tmp_path, capsys):
    out = tmp_path / "a.jsonl"
    call_command("export", "jsonl", str(out), "--source", str(demo.pk))
    assert len(tables.read_jsonl(out.read_bytes(), "a")["statements"]) == 20
    with pytest.raises(CommandError, match="Unknown export format"):
        call_command("export", "nope", str(out))
