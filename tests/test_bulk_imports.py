"""Imports (claims.services.bulk_imports): articles, brat, W3C and our own tables; all or
nothing per file, idempotent, with a report of what was created, skipped and refused."""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from claims import anchoring
from claims.management.commands.demo import load_demo
from claims.models import (
    Actor,
    ActorAlias,
    Affiliation,
    Claim,
    Contradiction,
    Note,
    Source,
    Statement,
)
from claims.services.bulk_imports import IMPORT_FORMATS, UNKNOWN_SPEAKER, import_paths
from claims.services.exports import export_stream

pytestmark = pytest.mark.django_db
POLNEAR = Path(django_settings.BASE_DIR).parent / "shared" / "eval" / "polnear-dev"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_the_interface_names_its_formats():
    assert set(IMPORT_FORMATS) == {"files", "brat", "w3c", "jsonl", "csv"}


def test_unknown_format_is_a_value_error(researcher, tmp_path):
    with pytest.raises(ValueError, match="Unknown import format"):
        import_paths("docx", [tmp_path], user=researcher)


# --- articles ------------------------------------------------------------------------


def test_a_zip_of_articles_becomes_sources_and_a_second_run_skips_them(researcher, tmp_path):
    z = tmp_path / "news.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("a.txt", "Headline A\n\nBody of A.")
        zf.writestr("b/b.md", "# B\r\nBody of B.")
        zf.writestr("c.html", "<html><body><article><h1>C</h1><p>" + "Para. " * 40 + "</p>"
                    "</article></body></html>")  # fmt: skip
        zf.writestr("d.txt", "Headline A\n\nBody of A.")  # same text as a.txt
        zf.writestr("e.pdf", "%PDF")
        zf.writestr("../x.txt", "escape")
    calls = []
    report = import_paths("files", [z], user=researcher, progress=lambda d, t: calls.append(d))
    assert report.created == {"sources": 3}
    assert Source.objects.get(title="Headline A").text == "Headline A\n\nBody of A."
    assert Source.objects.get(title="# B").text == "# B\nBody of B."  # LF line ends
    assert report.skipped == [
        ("d.txt", f"same text as source #{Source.objects.get(title='Headline A').pk}")
    ]
    refused = dict(report.refused)
    assert "“..”" in refused["news.zip: ../x.txt"]
    assert "not a .txt, .md or .html file" in refused["e.pdf"]
    assert calls[-1] == 5
    again = import_paths("files", [z], user=researcher)
    assert again.created == {} and len(again.skipped) == 4
    assert Source.objects.count() == 3


def test_separate_files_and_bad_ones_each_get_a_message(researcher, tmp_path, settings):
    settings.IMPORT_MAX_FILE_BYTES = 100
    ok = write(tmp_path / "ok.txt", "Fine text.")
    empty = write(tmp_path / "empty.txt", "   ")
    binary = write(tmp_path / "bin.txt", b"\xff\xfe\x00\x00\x00")
    big = write(tmp_path / "big.txt", "x" * 101)
    report = import_paths("files", [ok, empty, binary, big], user=researcher)
    assert report.created == {"sources": 1}
    refused = dict(report.refused)
    assert refused["empty.txt"] == "The file is empty."
    assert refused["bin.txt"].startswith("The file is not valid UTF-8 text")
    assert "larger than 100 bytes" in refused["big.txt"]


def test_a_zip_over_the_limits_is_refused_whole(researcher, tmp_path, settings):
    settings.IMPORT_MAX_FILES = 2
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for i in range(3):
            zf.writestr(f"{i}.txt", f"text {i}")
    report = import_paths("files", [z], user=researcher)
    assert report.created == {} and "holds 3 files; the limit is 2" in report.refused[0][1]
    settings.IMPORT_MAX_FILES = 10
    settings.IMPORT_MAX_TOTAL_BYTES = 10
    report = import_paths("files", [z], user=researcher)
    assert "unpacks to 18 bytes; the limit is 10" in report.refused[0][1]
    assert Source.objects.count() == 0


def lying_zip(path: Path, name: str, data: bytes, claimed: int) -> Path:
    """A zip whose headers claim `claimed` bytes for a member that unpacks to len(data)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    raw = bytearray(path.read_bytes())
    local = raw.index(b"PK\x03\x04")
    raw[local + 22 : local + 26] = claimed.to_bytes(4, "little")
    central = raw.index(b"PK\x01\x02")
    raw[central + 24 : central + 28] = claimed.to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    return path


def test_a_zip_bomb_is_refused_whatever_its_headers_say(researcher, tmp_path, settings):
    settings.IMPORT_MAX_FILE_BYTES = 1000
    settings.IMPORT_MAX_TOTAL_BYTES = 5000
    # honest headers: 8 MB of spaces packs into a few kB and is refused before unpacking
    honest = tmp_path / "honest.zip"
    with zipfile.ZipFile(honest, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.txt", b" " * 8_000_000)
    assert honest.stat().st_size < 20_000
    report = import_paths("files", [honest], user=researcher)
    assert report.created == {}
    assert "unpacks to 8,000,000 bytes; the limit is 5,000" in report.refused[0][1]
    # lying headers (10 bytes claimed): the member is read with a cap and refused, not used
    liar = lying_zip(tmp_path / "liar.zip", "bomb.txt", b"A headline\n" * 500_000, 10)
    report = import_paths("files", [liar], user=researcher)
    assert report.created == {}
    (name, reason), *_ = report.refused
    assert name == "liar.zip: bomb.txt"
    assert "cannot be unpacked" in reason or "larger than its header says" in reason
    assert Source.objects.count() == 0


def test_a_zip_with_too_many_files_is_refused_before_any_is_read(researcher, tmp_path, settings):
    settings.IMPORT_MAX_FILES = 100
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for i in range(101):
            zf.writestr(f"a{i}.txt", f"Article {i}.")
    report = import_paths("files", [z], user=researcher)
    assert report.created == {} and report.skipped == []
    assert report.refused == [("many.zip", "the zip holds 101 files; the limit is 100.")]
    assert Source.objects.count() == 0


# --- brat ----------------------------------------------------------------------------


TEXT = "Trump said taxes are low. He added “jobs are back”. Sources said nothing.\n"


def span(tid, label, quote, occurrence=0):
    start = anchoring.occurrences(TEXT, quote)[occurrence]
    return f"{tid}\t{label} {start} {start + len(quote)}\t{quote}"


GOOD_ANN = "\n".join(
    [
        span("T1", "Source", "Trump"), span("T2", "Cue", "said"),
        span("T3", "Content", "taxes are low"), span("T4", "Attribution", "said"),
        "E1\tAttribution:T4 Source:T1 Cue:T2 Content:T3",
        span("T5", "Source", "He"), span("T6", "Cue", "added"),
        span("T7", "Content", "“jobs are back”"), span("T8", "Attribution", "added"),
        "E2\tAttribution:T8 Content:T7 Cue:T6 Source:T5",
        span("T9", "Content", "nothing"), "E3\tAttribution-no-source:T9 Content:T9",
        "T10\tContent 0 5;11 16\tTrump taxes",
        "E4\tAttribution:T10 Content:T10",
    ]
) + "\n"  # fmt: skip


def test_brat_attributions_become_statements_with_speakers_and_cues(researcher, tmp_path):
    Actor.objects.create(name="Donald Trump").aliases.create(name="Trump")
    write(tmp_path / "a.txt", TEXT)
    write(tmp_path / "a.ann", GOOD_ANN)
    report = import_paths("brat", [tmp_path], user=researcher)
    assert report.created == {"sources": 1, "actors": 1, "statements": 3}
    assert report.refused == [("a.ann E4", report.refused[0][1])]
    assert "discontinuous Content span (0-5;11-16)" in report.refused[0][1]
    taxes, jobs, nothing = Statement.objects.order_by("start")
    assert taxes.exact == "taxes are low" and taxes.speaker.name == "Donald Trump"
    assert taxes.cue == "said" and taxes.speaker_mention == "Trump"
    assert jobs.speaker.name == "Donald Trump" and jobs.speaker_mention == "He"
    assert jobs.reporting == Statement.Reporting.DIRECT_QUOTE
    assert nothing.speaker.name == UNKNOWN_SPEAKER
    assert nothing.speaker.kind == Actor.Kind.ANONYMOUS
    for st in Statement.objects.all():
        assert st.source.text[st.start : st.end] == st.exact
    notes = dict(report.notes)
    assert notes["a.ann E2"] == "“He” taken as Trump"
    again = import_paths("brat", [tmp_path], user=researcher)
    assert again.created == {} and again.skipped == [("a.ann", "3 attributions already recorded")]
    assert Statement.objects.count() == 3


def test_brat_file_with_a_bad_span_is_refused_whole(researcher, tmp_path):
    write(tmp_path / "text" / "good.txt", TEXT)
    write(tmp_path / "ann" / "good.ann", GOOD_ANN)
    write(tmp_path / "text" / "bad.txt", TEXT)
    write(
        tmp_path / "ann" / "bad.ann",
        GOOD_ANN + "T20\tContent 10 900\tx\nT21\tContent 0 5\tTramp\n",
    )
    write(tmp_path / "text" / "lonely.txt", "No annotations here.")
    report = import_paths("brat", [tmp_path], user=researcher)
    refused = dict(report.refused)
    assert "line 15 (T20): span 10-900 is outside the text" in refused["bad.ann"]
    assert "line 16 (T21): the text at 0 5 reads “Trump”" in refused["bad.ann"]
    assert refused["text/lonely.txt"] == "no .ann file beside it."
    # the good file went in (the bad one shares its text, so nothing of it was added)
    assert Source.objects.count() == 1 and Statement.objects.count() == 3


def test_a_refused_brat_file_leaves_nothing_behind(researcher, tmp_path):
    """The bad file's own text, speakers and statements: none of them is saved, although
    all but one of its attributions are fine; a second run refuses it again, alike."""
    other = TEXT.replace("Trump", "Zelda").replace("Sources", "Critics")
    bad_ann = GOOD_ANN.replace("Trump", "Zelda") + "T20\tContent 30 29\tx\n"
    write(tmp_path / "bad.txt", other)
    write(tmp_path / "bad.ann", bad_ann)
    report = import_paths("brat", [tmp_path], user=researcher)
    assert report.created == {}
    (name, reason), *_ = report.refused
    assert name == "bad.ann" and "T20" in reason
    assert Source.objects.count() == Statement.objects.count() == 0
    assert not Actor.objects.filter(name="Zelda").exists()
    again = import_paths("brat", [tmp_path], user=researcher)
    assert again.created == {} and again.refused == report.refused


def test_brat_text_not_in_canonical_form_is_mapped_exactly(researcher, tmp_path):
    raw = "Cafe\u0301 owners said\r\nprices rose."
    start = raw.index("prices")
    write(tmp_path / "c.txt", raw)
    write(tmp_path / "c.ann", f"T1\tContent {start} {len(raw) - 1}\tprices rose\n"
          "E1\tAttribution:T1 Content:T1\n")  # fmt: skip
    report = import_paths("brat", [tmp_path], user=researcher)
    assert report.created["statements"] == 1
    st = Statement.objects.get()
    assert st.exact == "prices rose" == st.source.text[st.start : st.end]


@pytest.mark.skipif(
    not POLNEAR.is_dir() and os.environ.get("CI") != "true",
    reason=f"the polnear-dev corpus is not at {POLNEAR} (it is in CI)",
)
def test_polnear_dev_imports_with_counts_matching_the_files_and_exact_spans(researcher):
    """Counted from the files with a parser of the test's own: one statement per `E` line
    whose Content span is continuous, at that span (code points of the NFC text)."""
    assert POLNEAR.is_dir(), f"CI needs the polnear-dev corpus at {POLNEAR}"
    report = import_paths("brat", [POLNEAR], user=researcher)
    texts = sorted((POLNEAR / "text").glob("*.txt"))
    assert len(texts) == 84 and report.created["sources"] == Source.objects.count() == 84
    expected: Counter = Counter()
    events = discontinuous = 0
    for path in texts:
        raw = path.read_bytes().decode("utf-8")
        sha = anchoring.text_hash(anchoring.normalize_text(raw))
        spans = {}
        for line in (POLNEAR / "ann" / f"{path.stem}.ann").read_bytes().decode().splitlines():
            fields = line.split("\t")
            if line.startswith("T"):
                spans[fields[0]] = fields[1].split(" ", 1)[1]
            elif line.startswith("E"):
                events += 1
                content = dict(a.split(":") for a in fields[1].split() if ":" in a).get("Content")
                if content is None:
                    continue
                if ";" in spans[content]:
                    discontinuous += 1
                    continue
                start, end = map(int, spans[content].split())
                nfc = [len(anchoring.normalize_text(raw[:i])) for i in (start, end)]
                expected[(sha, *nfc)] += 1
    assert events == 2193
    assert report.created["statements"] == sum(expected.values()) == 1894
    refused = [r for r in report.refused if " E" in r[0]]
    assert len(refused) == events - sum(expected.values())
    assert sum("discontinuous" in r[1] for r in refused) == discontinuous
    stored: Counter = Counter()
    for st in Statement.objects.select_related("source"):
        assert st.source.text[st.start : st.end] == st.exact
        stored[(st.source.text_sha256, st.start, st.end)] += 1
    assert stored == expected
    assert report.skipped == []
    again = import_paths("brat", [POLNEAR], user=researcher)
    assert again.created == {}


# --- W3C --------------------------------------------------------------------------------


def test_w3c_round_trip_anchors_by_quote_and_lists_what_is_not_found(researcher, tmp_path):
    load_demo()
    before = snapshot()
    path = write(tmp_path / "a.jsonld", b"".join(export_stream("w3c")))
    # the statements go; the source stays: annotations are re-anchored in it by quote
    Contradiction.objects.all().delete()
    Statement.objects.all().delete()
    report = import_paths("w3c", [path], user=researcher)
    assert report.created["statements"] == 20 and report.created["contradictions"] == 6
    assert report.refused == []
    after = snapshot()
    assert after["statements"] == before["statements"]
    assert {c[:3] for c in after["contradictions"]} == {c[:3] for c in before["contradictions"]}
    again = import_paths("w3c", [path], user=researcher)
    assert "statements" not in again.created and "contradictions" not in again.created


def test_w3c_import_never_places_a_quote_elsewhere(researcher, tmp_path):
    source = Source.objects.create(title="S", text="The sky is blue. The sky is blue.",
                                   url="https://news.example/s")  # fmt: skip
    doc = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "AnnotationPage",
        "items": [
            {"id": "urn:a1", "type": "Annotation", "target": {
                "source": "https://news.example/s",
                "selector": {"type": "TextQuoteSelector", "exact": "sky is green"}}},
            {"id": "urn:a2", "type": "Annotation", "target": {
                "source": "https://news.example/s",
                "selector": {"type": "TextQuoteSelector", "exact": "sky is blue"}}},
            {"id": "urn:a3", "type": "Annotation", "target": {
                "source": "https://news.example/s",
                "selector": {"type": "TextQuoteSelector", "exact": "sky is blue",
                             "prefix": "blue. The "}}},
            {"id": "urn:a4", "type": "Annotation", "target": {
                "source": "https://elsewhere.example/",
                "selector": {"type": "TextQuoteSelector", "exact": "sky"}}},
        ],
    }  # fmt: skip
    report = import_paths("w3c", [write(tmp_path / "h.json", json.dumps(doc))], user=researcher)
    refused = dict(report.refused)
    assert "does not occur in the text" in refused["urn:a1"]
    assert "occurs 2 times" in refused["urn:a2"]
    assert "is not in the tracker" in refused["urn:a4"]
    st = Statement.objects.get()
    assert (st.start, st.exact) == (21, "sky is blue") and st.source == source
    assert st.speaker.name == UNKNOWN_SPEAKER


def test_w3c_invalid_json_ld_refuses_the_file(researcher, tmp_path):
    bad = write(tmp_path / "bad.jsonld", '{"@context": {"@vocab": 5}, "type": "Annotation"}')
    report = import_paths("w3c", [bad], user=researcher)
    assert report.created == {} and "Not valid JSON-LD" in report.refused[0][1]


# --- our own tables ---------------------------------------------------------------------


def snapshot() -> dict:
    """The records by their natural keys (ids and timestamps aside)."""

    def st_key(s):
        return (s.source.text_sha256, s.start, s.end, s.speaker.name)

    return {
        "sources": sorted(
            (s.title, s.kind, s.publisher, s.url, s.published_on, s.dateline, s.byline,
             s.language, s.notes, s.text, s.text_sha256)
            for s in Source.objects.all()
        ),
        "actors": sorted(
            (a.name, a.kind, a.description, a.wikidata_id,
             tuple(sorted(a.aliases.values_list("name", flat=True))))
            for a in Actor.objects.all()
        ),
        "affiliations": sorted(
            (f.actor.name, f.role, f.target.name, f.start_date, f.end_date)
            for f in Affiliation.objects.select_related("actor", "target")
        ),
        "claims": sorted(
            (c.text, c.status, c.verdict, c.rationale) for c in Claim.objects.all()
        ),
        "statements": sorted(
            (*st_key(s), s.exact, s.prefix, s.suffix, getattr(s.via, "name", None),
             s.reporting, getattr(s.claim, "text", None), s.stance, s.said_on, s.summary,
             s.cue, s.speaker_mention, s.created_by.username)
            for s in Statement.objects.select_related("source", "speaker", "via", "claim",
                                                      "created_by")
        ),
        "contradictions": sorted(
            (st_key(c.first), st_key(c.second), c.kind, c.status, c.rationale,
             getattr(c.claim, "text", None), c.review_note)
            for c in Contradiction.objects.select_related(
                "first__source", "first__speaker", "second__source", "second__speaker", "claim")
        ),
        "notes": sorted(
            (getattr(n.claim, "text", ""), n.contradiction_id is not None, n.author.username,
             n.body)
            for n in Note.objects.select_related("claim", "author")
        ),
    }  # fmt: skip


def wipe() -> None:
    Note.objects.all().delete()
    Contradiction.objects.all().delete()
    Statement.objects.all().delete()
    Claim.objects.all().delete()
    Affiliation.objects.all().delete()
    ActorAlias.objects.all().delete()
    Actor.objects.all().delete()
    Source.objects.all().delete()


@pytest.fixture
def rich_demo():
    load_demo()
    editor = Note._meta.get_field("author").related_model.objects.get(username="editor")
    claim = Claim.objects.filter(statements__isnull=False).first()
    Claim.objects.filter(pk=claim.pk).update(verdict="false", rationale="Sent, per officials.")
    Note.objects.create(claim=claim, author=editor, body="Check the date.")
    Note.objects.create(contradiction=Contradiction.objects.first(), author=editor, body="Yes.")
    Statement.objects.filter(pk=Statement.objects.first().pk).update(cue="said", summary="S.")
    return snapshot()


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_round_trip_into_an_empty_database_gives_the_same_records(rich_demo, tmp_path, fmt):
    before = rich_demo
    importer = Note._meta.get_field("author").related_model.objects.get(username="researcher")
    if fmt == "jsonl":
        paths = [write(tmp_path / "all.jsonl", b"".join(export_stream("jsonl")))]
    else:
        paths = [write(tmp_path / "tables.zip", b"".join(export_stream("csv-zip")))]
    wipe()
    assert Statement.objects.count() == 0
    report = import_paths(fmt, paths, user=importer)
    assert report.refused == []
    assert report.created["statements"] == 20 and report.created["contradictions"] == 6
    after = snapshot()
    for table in before:
        assert after[table] == before[table], table
    for st in Statement.objects.select_related("source"):
        assert st.source.text[st.start : st.end] == st.exact
    again = import_paths(fmt, paths, user=importer)
    assert again.created == {}
    assert snapshot() == before


def test_csv_tables_with_missing_columns_are_refused_with_a_message(researcher, tmp_path):
    path = write(tmp_path / "statements.csv", "id,source_id,exact\n1,1,x\n")
    report = import_paths("csv", [path], user=researcher)
    assert report.created == {}
    assert report.refused == [
        ("statements.csv", "statements.csv: missing columns start, end, speaker_id (a "
         "statements table needs id, source_id, start, end, exact, speaker_id). Nothing of "
         "these tables was imported.")
    ]  # fmt: skip


def test_bad_rows_and_documents_are_refused_per_file_never_raised(researcher, tmp_path):
    """What used to escape as an exception: an empty required cell, a JSON array of
    numbers for W3C. Each is one refusal with its reason; nothing is saved."""
    cases = [
        ("csv", "claims.csv", "id,text\n1,\n", "claims.csv line 2: a claims row needs text"),
        ("w3c", "n.jsonld", "[1, 2]", "no Annotation found"),
        ("w3c", "s.jsonld", '["x"]', "no Annotation found"),
    ]
    for fmt, name, data, message in cases:
        report = import_paths(fmt, [write(tmp_path / fmt / name, data)], user=researcher)
        assert report.created == {}, name
        assert len(report.refused) == 1 and message in report.refused[0][1], report.refused
    assert Claim.objects.count() == Source.objects.count() == 0


def test_jsonl_with_a_wrong_anchor_refuses_the_whole_file(rich_demo, tmp_path):
    researcher = Note._meta.get_field("author").related_model.objects.get(username="researcher")
    lines = b"".join(export_stream("jsonl")).decode().splitlines()
    broken = []
    for line in lines:
        row = json.loads(line)
        if row["table"] == "statements" and not broken:
            row["start"] += 1
            broken.append(row["id"])
        lines[lines.index(line)] = json.dumps(row)
    path = write(tmp_path / "x.jsonl", "\n".join(lines))
    wipe()
    report = import_paths("jsonl", [path], user=researcher)
    assert report.created == {}
    assert f"statement {broken[0]}: The quote does not match the text" in report.refused[0][1]
    assert Source.objects.count() == 0 and Actor.objects.count() == 0  # nothing half-saved


def test_import_command_prints_the_report(researcher, tmp_path):
    write(tmp_path / "a.txt", "Some article.")
    out = io.StringIO()
    call_command("import", "files", str(tmp_path / "a.txt"), "--user", "researcher", stdout=out)
    assert "Created 1 sources" in out.getvalue()
    out = io.StringIO()
    call_command("import", "files", str(tmp_path / "a.txt"), "--user", "researcher", "--json",
                 stdout=out)  # fmt: skip
    assert json.loads(out.getvalue())["skipped"][0][0] == "a.txt"
