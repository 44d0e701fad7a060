"""W3C Web Annotation (JSON-LD): statements and contradictions out, quote anchors back in.

A statement is an Annotation (motivation "describing") whose target is a SpecificResource
of the source text with a TextQuoteSelector (exact, prefix, suffix) and a
TextPositionSelector (start, end in code points, as the specification counts characters);
its body carries the speaker, via, how it was reported, the claim and the stance in the
tracker's own terms (`CLAIMS_CONTEXT`). A contradiction is an Annotation with motivation
"linking" whose targets are both statements; its body keeps the kind and the direction
(firstStatement answers secondStatement). JSON-LD arrays are unordered, hence the
explicit direction.

The W3C context ships in contexts/anno.jsonld; `document_loader` serves it (and nothing
else: no URL is ever fetched), so pyld can expand what we write and what we read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from claims.interchange import InterchangeError

ANNO_CONTEXT_URL = "http://www.w3.org/ns/anno.jsonld"
_CONTEXT_FILE = Path(__file__).parent / "contexts" / "anno.jsonld"
_KNOWN = {ANNO_CONTEXT_URL, "https://www.w3.org/ns/anno.jsonld"}

ID = "urn:claims-tracker:"
VOCAB = "urn:claims-tracker:vocab#"
CLAIMS_CONTEXT = {
    "ct": VOCAB,
    "Attribution": "ct:Attribution",
    "Contradiction": "ct:Contradiction",
    "Actor": "ct:Actor",
    "Claim": "ct:Claim",
    "speaker": {"@id": "ct:speaker", "@type": "@id"},
    # the spokesperson who delivered it (replaces oa:via, which the tracker does not use)
    "via": {"@id": "ct:via", "@type": "@id"},
    "reporting": "ct:reporting",
    "claim": {"@id": "ct:claim", "@type": "@id"},
    "stance": "ct:stance",
    "cue": "ct:cue",
    "speakerMention": "ct:speakerMention",
    "saidOn": {"@id": "ct:saidOn", "@type": "xsd:date"},
    "summary": "ct:summary",
    "kind": "ct:kind",
    "status": "ct:status",
    "rationale": "ct:rationale",
    "firstStatement": {"@id": "ct:firstStatement", "@type": "@id"},
    "secondStatement": {"@id": "ct:secondStatement", "@type": "@id"},
    "directed": {"@id": "ct:directed", "@type": "xsd:boolean"},
    "textSha256": "ct:textSha256",
    "title": "dcterms:title",
    "publisher": "dcterms:publisher",
}
CONTEXT = [ANNO_CONTEXT_URL, CLAIMS_CONTEXT]
DIRECTED_KINDS = {"denial", "rebuttal"}


def anno_context() -> dict:
    return json.loads(_CONTEXT_FILE.read_text(encoding="utf-8"))


def document_loader(url: str, options: dict | None = None) -> dict:
    """A pyld document loader that serves the shipped W3C context and refuses anything else."""
    if url in _KNOWN:
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": ANNO_CONTEXT_URL,
            "document": anno_context(),
        }
    raise InterchangeError(f"Refusing to fetch {url}: only the W3C annotation context is known.")


def expand(document) -> list:
    """Expand with pyld against the shipped context (raises InterchangeError when invalid)."""
    from pyld import jsonld
    from pyld.jsonld import JsonLdError

    try:
        return jsonld.expand(document, {"documentLoader": document_loader})
    except JsonLdError as exc:
        raise InterchangeError(f"Not valid JSON-LD: {_jsonld_reason(exc)}") from None


def _jsonld_reason(exc: Exception) -> str:
    error = exc
    while error is not None:
        url = (getattr(error, "details", None) or {}).get("url")
        if url and "remote" in str(getattr(error, "code", "") or getattr(error, "type", "")):
            return (
                f"its context {url} cannot be used: only the W3C annotation context "
                f"({ANNO_CONTEXT_URL}) is known here, and nothing is fetched."
            )
        error = getattr(error, "cause", None)
    cause = getattr(exc, "cause", None)
    while getattr(cause, "cause", None) is not None:
        cause = cause.cause
    return str(getattr(cause, "message", None) or getattr(exc, "message", None) or exc)


# --- export -----------------------------------------------------------------------


def iri(kind: str, pk) -> str:
    return f"{ID}{kind}:{pk}"


def source_iri(source: dict) -> str:
    return source.get("url") or iri("source", source["id"])


def _actor(pk, name) -> dict | None:
    if pk is None:
        return None
    return {"id": iri("actor", pk), "type": "Actor", "name": name}


def _drop_empty(d: dict) -> dict:
    return {k: v for k, v in d.items() if v not in (None, "", [])}


def statement_annotation(st: dict, source: dict | None) -> dict:
    """The Annotation of one statement record (tables.TABLES["statements"] keys)."""
    source = source or {"id": st["source_id"]}
    body = {
        "type": "Attribution",
        "speaker": _actor(st["speaker_id"], st.get("speaker_name")),
        "via": _actor(st.get("via_id"), st.get("via_name")),
        "reporting": st.get("reporting"),
        "claim": {"id": iri("claim", st["claim_id"]), "type": "Claim", "value": st["claim_text"]}
        if st.get("claim_id")
        else None,
        "stance": st.get("stance"),
        "cue": st.get("cue"),
        "speakerMention": st.get("speaker_mention"),
        "saidOn": st["said_on"].isoformat() if st.get("said_on") else None,
        "summary": st.get("summary"),
    }
    target_source = _drop_empty(
        {
            "id": source_iri(source),
            "type": "Text",
            "format": "text/plain",
            "language": source.get("language"),
            "title": source.get("title"),
            "textSha256": source.get("text_sha256"),
        }
    )
    return _drop_empty(
        {
            "id": iri("statement", st["id"]),
            "type": "Annotation",
            "motivation": "describing",
            "creator": {
                "id": iri("user", st["created_by"]),
                "type": "Person",
                "nickname": st["created_by"],
            }
            if st.get("created_by")
            else None,
            "created": st["created_at"].isoformat() if st.get("created_at") else None,
            "body": _drop_empty(body),
            "target": {
                "type": "SpecificResource",
                "source": target_source,
                "selector": [
                    {
                        "type": "TextQuoteSelector",
                        "exact": st["exact"],
                        "prefix": st.get("prefix") or "",
                        "suffix": st.get("suffix") or "",
                    },
                    {"type": "TextPositionSelector", "start": st["start"], "end": st["end"]},
                ],
            },
        }
    )


def contradiction_annotation(c: dict) -> dict:
    first, second = iri("statement", c["first_id"]), iri("statement", c["second_id"])
    return _drop_empty(
        {
            "id": iri("contradiction", c["id"]),
            "type": "Annotation",
            "motivation": "linking",
            "created": c["created_at"].isoformat() if c.get("created_at") else None,
            "body": _drop_empty(
                {
                    "type": "Contradiction",
                    "kind": c["kind"],
                    "status": c.get("status"),
                    "rationale": c.get("rationale"),
                    "claim": iri("claim", c["claim_id"]) if c.get("claim_id") else None,
                    "firstStatement": first,
                    "secondStatement": second,
                    "directed": c["kind"] in DIRECTED_KINDS,
                }
            ),
            "target": [first, second],
        }
    )


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def collection(
    *,
    label: str,
    total: int,
    statements: Iterable[dict],
    contradictions: Iterable[dict],
    sources: dict[int, dict],
) -> Iterator[bytes]:
    """An AnnotationCollection with one page holding every annotation, written as it goes."""
    head = {
        "@context": CONTEXT,
        "id": f"{ID}export",
        "type": "AnnotationCollection",
        "label": label,
        "total": total,
    }
    opening = json.dumps(head, ensure_ascii=False)[:-1]
    yield (opening + ', "first": {"type": "AnnotationPage", "startIndex": 0, "items": [\n').encode()
    sep = ""
    batch: list[str] = []
    for st in statements:
        ann = statement_annotation(st, sources.get(st["source_id"]))
        batch.append(sep + _ENCODER.encode(ann))
        sep = ",\n"
        if len(batch) >= 200:
            yield "".join(batch).encode("utf-8")
            batch = []
    for c in contradictions:
        batch.append(sep + _ENCODER.encode(contradiction_annotation(c)))
        sep = ",\n"
        if len(batch) >= 200:
            yield "".join(batch).encode("utf-8")
            batch = []
    batch.append("\n]}}\n")
    yield "".join(batch).encode("utf-8")


# --- import -------------------------------------------------------------------------


@dataclass
class QuoteTarget:
    """What an imported annotation says about a span: where to find it and what it is."""

    ref: str  # the annotation's id, or its position in the file
    source_ids: list[str]  # target source IRIs (a URL, or our urn)
    text_sha256: str
    exact: str
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None
    body: dict = field(default_factory=dict)  # compacted body terms (ours) or {}


@dataclass
class Link:
    ref: str
    first: str
    second: str
    kind: str
    status: str
    rationale: str


@dataclass
class Parsed:
    quotes: list[QuoteTarget]
    links: list[Link]
    problems: list[tuple[str, str]]


def parse(data: bytes, name: str) -> Parsed:
    """Read annotations from a JSON-LD document (one Annotation, a list, an
    AnnotationCollection or AnnotationPage) or from JSON Lines of annotations.

    The document must expand with pyld (else InterchangeError for the whole file);
    annotations without a TextQuoteSelector are listed as problems.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InterchangeError(f"{name}: not UTF-8 text.") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        try:
            doc = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise InterchangeError(
                f"{name}: not valid JSON ({exc.msg}, line {exc.lineno})."
            ) from None
    if not isinstance(doc, dict | list):
        raise InterchangeError(f"{name}: expected a JSON object or array of annotations.")
    expand(doc)  # validity as JSON-LD: raises for the whole file
    items = _annotations(doc)
    if not items:
        raise InterchangeError(f"{name}: no Annotation found.")
    parsed = Parsed([], [], [])
    for i, ann in enumerate(items, start=1):
        ref = str(ann.get("id") or f"{name} annotation {i}")
        try:
            _read(ann, ref, parsed)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            parsed.problems.append((ref, f"not a usable annotation ({exc})."))
    return parsed


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _annotations(doc) -> list[dict]:
    if isinstance(doc, list):
        return [a for d in doc for a in _annotations(d)]
    if not isinstance(doc, dict):
        return []  # a number or a string among the annotations: not one
    kind = set(_as_list(doc.get("type") or doc.get("@type")))
    if kind & {"AnnotationCollection", "as:OrderedCollection"}:
        first = doc.get("first") or {}
        return _annotations(first) if isinstance(first, dict) else []
    if kind & {"AnnotationPage", "as:OrderedCollectionPage"}:
        return [a for a in _as_list(doc.get("items")) if isinstance(a, dict)]
    if "Annotation" in kind or "oa:Annotation" in kind:
        return [doc]
    if "@graph" in doc:
        return _annotations(doc["@graph"])
    return []


def _read(ann: dict, ref: str, parsed: Parsed) -> None:
    motivations = set(_as_list(ann.get("motivation")))
    body = next((b for b in _as_list(ann.get("body")) if isinstance(b, dict)), {})
    if "linking" in motivations and body.get("type") == "Contradiction":
        parsed.links.append(
            Link(
                ref=ref,
                first=body["firstStatement"],
                second=body["secondStatement"],
                kind=body.get("kind", ""),
                status=body.get("status", "proposed"),
                rationale=body.get("rationale", ""),
            )
        )
        return
    found = False
    for target in _as_list(ann.get("target")):
        if not isinstance(target, dict):
            continue
        source = target.get("source")
        if isinstance(source, dict):
            source_ids, sha = [source.get("id", "")], source.get("textSha256", "")
        else:
            source_ids, sha = [str(source or "")], ""
        quote = position = None
        for sel in _selectors(target.get("selector")):
            if sel.get("type") == "TextQuoteSelector" and quote is None:
                quote = sel
            elif sel.get("type") == "TextPositionSelector" and position is None:
                position = sel
        if quote is None or not quote.get("exact"):
            continue
        if not all(isinstance(quote.get(k, ""), str) for k in ("exact", "prefix", "suffix")):
            raise ValueError("the TextQuoteSelector's exact, prefix and suffix must be text")
        found = True
        parsed.quotes.append(
            QuoteTarget(
                ref=ref,
                source_ids=[s for s in source_ids if s],
                text_sha256=sha,
                exact=quote["exact"],
                prefix=quote.get("prefix") or "",
                suffix=quote.get("suffix") or "",
                start=int(position["start"]) if position else None,
                end=int(position["end"]) if position else None,
                body=body if body.get("type") == "Attribution" else {},
            )
        )
        break
    if not found:
        parsed.problems.append((ref, "no TextQuoteSelector on a text target: nothing to anchor."))


def _selectors(value) -> Iterator[dict]:
    for sel in _as_list(value):
        if isinstance(sel, dict):
            yield sel
            yield from _selectors(sel.get("refinedBy"))
