"""Pure mapping code (claims.interchange): each format checked against its own rules,
without the database."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest

from claims import anchoring
from claims.interchange import InterchangeError, aif, brat, claimreview, files, tables, w3c

TEXT = "Intro. The minister said “the bridge is safe” on Monday. Critics said it was not. 😀 end"
WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def statement(pk: int, quote: str, **extra) -> dict:
    start = TEXT.index(quote)
    a = anchoring.make_anchor(TEXT, start, start + len(quote))
    record = {
        "id": pk, "source_id": 1, "start": a.start, "end": a.end, "exact": a.exact,
        "prefix": a.prefix, "suffix": a.suffix, "speaker_id": 10 + pk,
        "speaker_name": f"Speaker {pk}", "via_id": None, "via_name": None,
        "reporting": "direct_quote", "claim_id": 5, "claim_text": "The bridge is safe",
        "stance": "asserts", "said_on": dt.date(2026, 1, 1), "summary": "", "cue": "said",
        "speaker_mention": "", "created_by": "researcher", "created_at": WHEN,
    }  # fmt: skip
    return record | extra


SOURCE = {"id": 1, "title": "Bridge", "url": "", "language": "en", "text_sha256": "ab" * 32}
CONTRADICTION = {
    "id": 7, "first_id": 2, "second_id": 1, "kind": "rebuttal", "status": "confirmed",
    "rationale": "They disagree.", "claim_id": 5, "created_at": WHEN,
}  # fmt: skip


def w3c_document() -> dict:
    s1 = statement(1, "the bridge is safe")
    s2 = statement(2, "it was not", stance="denies", via_id=30, via_name="Spokesman")
    data = b"".join(
        w3c.collection(
            label="test", total=3, statements=[s1, s2], contradictions=[CONTRADICTION],
            sources={1: SOURCE},
        )
    )  # fmt: skip
    return json.loads(data)


# --- W3C Web Annotation ------------------------------------------------------------


def test_w3c_statement_has_quote_and_code_point_position_selectors():
    doc = w3c_document()
    ann = doc["first"]["items"][0]
    assert ann["type"] == "Annotation"
    quote, position = ann["target"]["selector"]
    assert quote == {
        "type": "TextQuoteSelector", "exact": "the bridge is safe",
        "prefix": TEXT[: TEXT.index("the bridge")][-32:], "suffix": TEXT[TEXT.index("” on"):][:32],
    }  # fmt: skip
    assert TEXT[position["start"] : position["end"]] == "the bridge is safe"
    body = ann["body"]
    assert body["speaker"]["name"] == "Speaker 1"
    assert body["reporting"] == "direct_quote"
    assert body["claim"]["value"] == "The bridge is safe" and body["stance"] == "asserts"
    assert doc["first"]["items"][1]["body"]["via"]["name"] == "Spokesman"


def test_w3c_contradiction_is_linking_with_both_statements_and_direction():
    link = w3c_document()["first"]["items"][2]
    assert link["motivation"] == "linking"
    assert set(link["target"]) == {w3c.iri("statement", 1), w3c.iri("statement", 2)}
    assert link["body"]["kind"] == "rebuttal"
    assert link["body"]["firstStatement"] == w3c.iri("statement", 2)  # the rebuttal
    assert link["body"]["secondStatement"] == w3c.iri("statement", 1)  # what it answers
    assert link["body"]["directed"] is True


def test_w3c_export_expands_with_pyld_against_the_shipped_context():
    expanded = w3c.expand(w3c_document())
    flat = json.dumps(expanded)
    oa = "http://www.w3.org/ns/oa#"
    for term in ["Annotation", "hasTarget", "hasSelector", "TextQuoteSelector",
                 "TextPositionSelector", "exact", "prefix", "suffix", "start", "end",
                 "linking", "describing", "hasSource"]:  # fmt: skip
        assert oa + term in flat, term
    assert w3c.VOCAB + "speaker" in flat and w3c.VOCAB + "stance" in flat
    # positions are typed as the context says
    assert '"@type": "http://www.w3.org/2001/XMLSchema#nonNegativeInteger"' in flat


def test_the_document_loader_serves_only_the_shipped_context():
    assert w3c.document_loader(w3c.ANNO_CONTEXT_URL)["document"]["@context"]["oa"] == (
        "http://www.w3.org/ns/oa#"
    )
    with pytest.raises(InterchangeError, match="Refusing to fetch"):
        w3c.document_loader("https://example.org/evil.jsonld")
    doc = {"@context": "https://example.org/other.jsonld", "type": "Annotation"}
    with pytest.raises(InterchangeError, match="Not valid JSON-LD"):
        w3c.expand(doc)


def test_w3c_parse_reads_back_our_annotations_and_links():
    parsed = w3c.parse(json.dumps(w3c_document()).encode(), "a.jsonld")
    assert [q.exact for q in parsed.quotes] == ["the bridge is safe", "it was not"]
    q = parsed.quotes[0]
    assert (q.start, q.end) == (TEXT.index("the bridge"), TEXT.index("the bridge") + 18)
    assert q.text_sha256 == SOURCE["text_sha256"]
    assert q.body["speaker"]["name"] == "Speaker 1"
    assert parsed.links[0].first == w3c.iri("statement", 2)
    assert parsed.problems == []


def test_w3c_parse_reads_other_tools_annotations_and_lists_unusable_ones():
    other = [
        {
            "@context": "http://www.w3.org/ns/anno.jsonld", "id": "http://x.org/a1",
            "type": "Annotation", "body": {"type": "TextualBody", "value": "hmm"},
            "target": {"source": "http://news.example/a", "selector": {
                "type": "TextQuoteSelector", "exact": "Critics said"}},
        },
        {
            "@context": "http://www.w3.org/ns/anno.jsonld", "id": "http://x.org/a2",
            "type": "Annotation", "target": "http://news.example/a",
        },
    ]  # fmt: skip
    parsed = w3c.parse(json.dumps(other).encode(), "hyp.json")
    assert [(q.ref, q.exact, q.source_ids) for q in parsed.quotes] == [
        ("http://x.org/a1", "Critics said", ["http://news.example/a"])
    ]
    assert parsed.problems[0][0] == "http://x.org/a2"


@pytest.mark.parametrize(
    "data, message",
    [
        (b"{not json", "not valid JSON"),
        (b'{"@context": {"@vocab": 5}, "type": "Annotation"}', "Not valid JSON-LD"),
        (b'{"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Thing"}', "no Annotation"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[1, 2]", "no Annotation"),
        (b'["a", {"type": "Thing"}]', "no Annotation"),
        (
            b'{"@context": "http://evil.example/ctx", "type": "Annotation"}',
            r"its context http://evil.example/ctx cannot be used: only the W3C annotation",
        ),
    ],
)
def test_w3c_parse_refuses_bad_documents_with_a_message(data, message):
    with pytest.raises(InterchangeError, match=message):
        w3c.parse(data, "bad.jsonld")


def test_w3c_parse_lists_a_quote_selector_that_is_not_text():
    doc = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "AnnotationPage",
        "items": [
            {"id": "urn:a1", "type": "Annotation", "target": {"source": "https://n.example/",
             "selector": {"type": "TextQuoteSelector", "exact": 5}}},
            {"id": "urn:a2", "type": "Annotation", "target": {"source": "https://n.example/",
             "selector": {"type": "TextQuoteSelector", "exact": "ok", "prefix": ["x"]}}},
            {"id": "urn:a3", "type": "Annotation", "target": {"source": "https://n.example/",
             "selector": [{"type": "TextQuoteSelector", "exact": "ok"},
                          {"type": "TextPositionSelector", "start": "a", "end": None}]}},
        ],
    }  # fmt: skip
    parsed = w3c.parse(json.dumps(doc).encode(), "x.jsonld")
    assert parsed.quotes == []
    problems = dict(parsed.problems)
    assert "must be text" in problems["urn:a1"] and "must be text" in problems["urn:a2"]
    assert problems["urn:a3"].startswith("not a usable annotation")


# --- ClaimReview ----------------------------------------------------------------------


def claim_record(verdict: str) -> dict:
    return {
        "id": 5, "text": "The bridge is safe", "verdict": verdict, "rationale": "Inspected.",
        "reviewed_at": WHEN, "created_at": WHEN,
        "appearances": [{"source_id": 2, "speakers": ["B"], "said_on": None},
                        {"source_id": 1, "speakers": ["A", "B"], "said_on": None}],
    }  # fmt: skip


SOURCES = {
    1: {"id": 1, "title": "Old", "url": "https://news.example/1", "publisher": "Daily",
        "published_on": dt.date(2020, 1, 1)},
    2: {"id": 2, "title": "New", "url": "", "publisher": "", "published_on": dt.date(2021, 1, 1)},
}  # fmt: skip
PUBLISHER = {"name": "Fact Desk", "url": "https://facts.example/"}


@pytest.mark.parametrize("verdict", sorted(claimreview.RATINGS))
def test_claimreview_has_the_required_and_recommended_fields(verdict):
    review = claimreview.claim_review(claim_record(verdict), publisher=PUBLISHER, sources=SOURCES)
    assert claimreview.missing_fields(review) == []
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == "The bridge is safe"
    assert review["url"] == "https://facts.example/claims/5/"
    assert review["author"] == {"@type": "Organization", "name": "Fact Desk",
                                "url": "https://facts.example/"}  # fmt: skip
    assert review["datePublished"] == "2026-01-02"
    rating = review["reviewRating"]
    assert rating["bestRating"] == 5 and rating["worstRating"] == 1
    assert rating["alternateName"] == claimreview.RATINGS[verdict][1]
    if verdict != "unverifiable":
        assert 1 <= rating["ratingValue"] <= 5
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    assert [a["name"] for a in item["author"]] == ["A", "B"]
    assert item["firstAppearance"]["url"] == "https://news.example/1"  # the earliest
    assert [a["name"] for a in item["appearance"]] == ["Old", "New"]


def test_claimreview_author_kinds_and_no_nulls():
    record = claim_record("true") | {"reviewed_at": None, "created_at": None}
    record["appearances"] = [
        {"source_id": 1, "said_on": None, "speakers": [
            {"name": "Ministry", "kind": "government"}, {"name": "Ann", "kind": "person"}]},
    ]  # fmt: skip
    review = claimreview.claim_review(record, publisher={"name": "Desk"}, sources=SOURCES)
    assert review["itemReviewed"]["author"] == [
        {"@type": "Organization", "name": "Ministry"}, {"@type": "Person", "name": "Ann"}]  # fmt: skip
    assert review["author"] == {"@type": "Organization", "name": "Desk"}
    assert "datePublished" not in review and None not in review.values()
    assert claimreview.missing_fields(review) == ["datePublished"]


def test_claimreview_document_is_json_ld_with_schema_org_context():
    data = b"".join(
        claimreview.document([claim_record("false")], publisher=PUBLISHER, sources=SOURCES)
    )
    doc = json.loads(data)
    assert doc["@context"] == "https://schema.org"
    assert doc["@graph"][0]["reviewRating"]["ratingValue"] == 1


# --- AIF ---------------------------------------------------------------------------------


def aif_document(contradictions=None) -> dict:
    s1 = statement(1, "the bridge is safe")
    s2 = statement(2, "it was not", stance="denies")
    s3 = statement(3, "Critics said", claim_id=None, claim_text=None, stance="")
    data = b"".join(
        aif.document(
            claims=lambda: [{"id": 5, "text": "The bridge is safe", "created_at": WHEN}],
            statements=lambda: [s1, s2, s3],
            contradictions=lambda: contradictions or [CONTRADICTION],
            actors=lambda: [{"id": 11, "name": "Ann Lee"}, {"id": 12, "name": "Bo"},
                            {"id": 13, "name": "Cy"}],
        )
    )  # fmt: skip
    return json.loads(data)


def test_aif_nodes_and_edges_are_consistent():
    doc = aif_document()
    assert aif.check(doc) == []
    types = {n["nodeID"]: n["type"] for n in doc["nodes"]}
    assert types["I-claim-5"] == "I" and types["L-1"] == "L" and types["CA-7"] == "CA"
    texts = {n["nodeID"]: n["text"] for n in doc["nodes"]}
    assert texts["YA-1-claim"] == "Asserting"
    assert texts["YA-2-claim"] == "Disagreeing"
    assert "YA-3-claim" not in texts  # no claim: only its own content
    assert {"L-1", "L-2", "L-3"} == {loc["nodeID"] for loc in doc["locutions"]}
    assert doc["participants"][0] == {
        "participantID": "P-11", "firstname": "Ann", "surname": "Lee", "name": "Ann Lee"
    }  # fmt: skip


def test_aif_keeps_the_rebuttal_direction():
    edges = {(e["fromID"], e["toID"]) for e in aif_document()["edges"]}
    # statement 2 rebuts statement 1: its content attacks the other's
    assert ("I-2", "CA-7") in edges and ("CA-7", "I-1") in edges


def test_aif_check_finds_broken_documents():
    doc = aif_document()
    doc["edges"].append({"edgeID": "x", "fromID": "L-1", "toID": "I-claim-5"})
    doc["edges"].append({"edgeID": "y", "fromID": "nope", "toID": "I-1"})
    problems = aif.check(doc)
    assert "edge x joins L to I" in problems
    assert "edge y joins a missing node" in problems


# --- tables -------------------------------------------------------------------------------


def test_csv_and_jsonl_write_every_column_and_read_back_typed():
    record = statement(1, "the bridge is safe")
    csv_bytes = b"".join(tables.csv_rows("statements", [record]))
    assert csv_bytes.splitlines()[0].decode() == ",".join(tables.columns("statements"))
    (back,) = tables.read_csv("statements", csv_bytes, "statements.csv")
    for key in ["start", "end", "exact", "prefix", "suffix", "said_on", "created_at"]:
        assert back[key] == record[key], key
    line = tables.jsonl_line("statements", record)
    (again,) = tables.read_jsonl(line, "x.jsonl")["statements"]
    assert again["exact"] == record["exact"] and again["said_on"] == record["said_on"]


def test_csv_aliases_are_a_list():
    data = b"".join(tables.csv_rows("actors", [{"id": 1, "name": "A", "aliases": ["x", "y"]}]))
    assert tables.read_csv("actors", data, "actors.csv")[0]["aliases"] == ["x", "y"]


@pytest.mark.parametrize(
    "table, data, message",
    [
        ("claims", b"id,text\n1,\n", "claims.csv line 2: a claims row needs text"),
        ("actors", b"id,name\n1,Ann\n2,  \n", "actors.csv line 3: a actors row needs name"),
        ("statements", b"id,source_id,start,end,exact,speaker_id\n1,1,0,2,ab,\n",
         "statements.csv line 2: a statements row needs speaker_id"),
        ("sources", b"id,title,text\n1,T\n", "sources.csv line 2: a sources row needs text"),
    ],
)  # fmt: skip
def test_csv_rows_with_empty_required_cells_are_refused_with_the_line(table, data, message):
    with pytest.raises(InterchangeError, match=message):
        tables.read_csv(table, data, f"{table}.csv")


def test_jsonl_structured_value_for_a_text_column_is_refused():
    line = b'{"table": "sources", "id": 1, "title": "T", "text": ["a", "b"]}'
    with pytest.raises(InterchangeError, match="x.jsonl line 1: text must be text, not a JSON"):
        tables.read_jsonl(line, "x.jsonl")


def test_csv_with_missing_columns_is_refused_with_their_names():
    with pytest.raises(InterchangeError, match="missing columns start, end"):
        tables.read_csv("statements", b"id,source_id,exact,speaker_id\n1,1,x,1\n", "st.csv")


@pytest.mark.parametrize(
    "line, message",
    [
        (b'{"table": "statements", "id": 1}', "needs source_id"),
        (b'{"table": "nope"}', 'with a "table" key'),
        (b"[1, 2]", 'with a "table" key'),
        (b"{oops", "not valid JSON"),
        (b'{"table": "claims", "id": "x", "text": "t"}', "not a valid int"),
    ],
)
def test_jsonl_bad_lines_are_refused_with_the_line_number(line, message):
    with pytest.raises(InterchangeError, match=f"line 2: .*{message}"):
        tables.read_jsonl(b"\n" + line, "x.jsonl")


def test_the_data_dictionary_explains_every_column():
    text = tables.data_dictionary()
    for table in tables.ORDER:
        assert f"## {table}.csv" in text
        for col in tables.columns(table):
            assert f"| `{col}` |" in text


# --- brat ----------------------------------------------------------------------------------


BRAT_TEXT = "Trump said taxes are low. He added “jobs are back”. Sources said nothing.\n"


def ann(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def span(tid: str, label: str, quote: str, text: str = BRAT_TEXT, occurrence: int = 0) -> str:
    start = anchoring.occurrences(text, quote)[occurrence]
    return f"{tid}\t{label} {start} {start + len(quote)}\t{quote}"


def test_brat_attributions_become_planned_statements():
    doc = brat.parse(
        ann(
            span("T1", "Source", "Trump"), span("T2", "Cue", "said"),
            span("T3", "Content", "taxes are low"), span("T4", "Attribution", "said"),
            "E1\tAttribution:T4 Source:T1 Cue:T2 Content:T3",
            span("T5", "Source", "He"), span("T6", "Cue", "added"),
            span("T7", "Content", "“jobs are back”"), span("T8", "Attribution", "added"),
            "E2\tAttribution:T8 Content:T7 Cue:T6 Source:T5",
            span("T9", "Content", "nothing"), "E3\tAttribution-no-source:T9 Content:T9",
        ),
        BRAT_TEXT,
    )  # fmt: skip
    first, second, third = brat.attributions(doc)
    assert BRAT_TEXT[first.start : first.end] == "taxes are low"
    assert (first.speaker, first.cue, first.reporting) == ("Trump", "said", "reported")
    assert (second.speaker, second.mention, second.resolved_from) == ("Trump", "He", "He")
    assert second.reporting == "direct_quote"
    assert third.speaker is None and not third.problem


def test_brat_pronoun_without_an_earlier_name_is_left_unknown():
    doc = brat.parse(
        ann(span("T1", "Source", "He"), span("T2", "Content", "jobs are back"),
            "E1\tAttribution:T2 Source:T1 Content:T2"),
        BRAT_TEXT,
    )  # fmt: skip
    (plan,) = brat.attributions(doc)
    assert plan.speaker is None and plan.mention == "He"


def test_brat_discontinuous_content_is_reported_not_guessed():
    a, b = BRAT_TEXT.index("taxes"), BRAT_TEXT.index("jobs")
    doc = brat.parse(
        ann(f"T1\tContent {a} {a + 5};{b} {b + 4}\ttaxes jobs", "E1\tAttribution:T1 Content:T1"),
        BRAT_TEXT,
    )
    (plan,) = brat.attributions(doc)
    assert "discontinuous Content span" in plan.problem


@pytest.mark.parametrize(
    "line, message",
    [
        ("T1\tContent 70 900\tx", "outside the text"),
        ("T1\tContent 0 5\tTrumq", "the annotation says “Trumq”"),
        ("T1\tContent 5 2\tx", "outside the text .* or empty"),
        ("T1\tContent a b\tx", "not a brat span line"),
    ],
)
def test_brat_bad_spans_refuse_the_file_with_the_line(line, message):
    with pytest.raises(InterchangeError, match=f"f.ann: line 1.*{message}"):
        brat.parse(ann(line), BRAT_TEXT, "f.ann")


def test_brat_event_naming_a_missing_span_is_refused():
    with pytest.raises(InterchangeError, match="E1: its Content T9 is not a span"):
        brat.parse(ann("E1\tAttribution:T9 Content:T9"), BRAT_TEXT)


def test_offset_map_follows_nfc_and_crlf():
    raw = "Cafe\u0301 said\r\nhi"  # e + combining acute composes to é
    m = brat.OffsetMap(raw)
    assert m.text == anchoring.normalize_text(raw)
    assert m.text[m(raw.index("said")) : m(raw.index("said") + 4)] == "said"
    assert m.text[m(raw.index("hi")) : m(len(raw))] == "hi"
    assert m(raw.index("\u0301")) is None  # inside the composed character


# --- files ----------------------------------------------------------------------------------


def make_zip(path, entries: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)


def test_zip_members_are_read_and_path_tricks_refused(tmp_path):
    z = tmp_path / "a.zip"
    make_zip(
        z,
        {"ok/one.txt": b"one", "../evil.txt": b"x", "/abs.txt": b"x", "w\\in.txt": b"x",
         "inner.zip": b"PK", "__MACOSX/._one.txt": b"junk", ".hidden": b"x"},
    )  # fmt: skip
    got = list(files.members([z], files.Limits()))
    assert [m.name for m in got if isinstance(m, files.Member)] == ["ok/one.txt"]
    reasons = {r.name: r.reason for r in got if isinstance(r, files.Refusal)}
    assert "“..”" in reasons["a.zip: ../evil.txt"]
    assert "absolute path" in reasons["a.zip: /abs.txt"]
    assert "backslash" in reasons["a.zip: w\\in.txt"]
    assert "zip inside the zip" in reasons["a.zip: inner.zip"]


def test_zip_too_many_files_or_too_large_is_refused_before_reading(tmp_path):
    z = tmp_path / "many.zip"
    make_zip(z, {f"{i}.txt": b"x" * 100 for i in range(5)})
    (refusal,) = files.members([z], files.Limits(max_files=4))
    assert "holds 5 files; the limit is 4" in refusal.reason
    (refusal,) = files.members([z], files.Limits(max_total_bytes=499))
    assert "unpacks to 500 bytes; the limit is 499" in refusal.reason
    got = list(files.members([z], files.Limits(max_file_bytes=99)))
    assert all(isinstance(r, files.Refusal) and "limit per file" in r.reason for r in got)


def test_brat_pairs_side_by_side_and_polnear_layout():
    items = [
        files.Member("a.txt", b""), files.Member("a.ann", b""),
        files.Member("text/b.txt", b""), files.Member("ann/b.ann", b""),
        files.Member("c.txt", b""),
    ]  # fmt: skip
    pairs, refused = files.pair_brat(items)
    assert [(p[1].name, p[2].name) for p in pairs] == [
        ("a.txt", "a.ann"),
        ("text/b.txt", "ann/b.ann"),
    ]
    assert [(r.name, r.reason) for r in refused] == [("c.txt", "no .ann file beside it.")]


def test_zip_streamed_by_the_exporter_opens(tmp_path):
    # zipfile writes into a non-seekable sink: data descriptors, readable by any unzip
    from claims.services.exports import _Sink

    sink = _Sink()
    with (
        zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as zf,
        zf.open("t.csv", "w") as f,
    ):
        f.write(b"a,b\n1,2\n")
    assert zipfile.ZipFile(io.BytesIO(sink.take())).read("t.csv") == b"a,b\n1,2\n"
