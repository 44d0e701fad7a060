"""Exports: everything, one source or one claim's dispute, streamed in a standard format.

`export_stream(fmt, source_id=..., claim_id=...)` yields bytes; nothing builds the whole
output: rows are read with `.iterator(chunk_size=...)` as plain values and mapped by the
pure code in claims.interchange. `progress(done, total)` is called as records go out.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet

from claims.interchange import aif, claimreview, tables, w3c
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

CHUNK = 2000
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportFormat:
    key: str
    label: str
    filename: str
    content_type: str


EXPORT_FORMATS: dict[str, ExportFormat] = {
    f.key: f
    for f in [
        ExportFormat(
            "w3c", "W3C Web Annotation (JSON-LD)", "annotations.jsonld", "application/ld+json"
        ),
        ExportFormat(
            "claimreview",
            "schema.org ClaimReview (JSON-LD), claims with a verdict",
            "claimreviews.jsonld",
            "application/ld+json",
        ),
        ExportFormat("aif", "AIF (AIFdb JSON)", "aif.json", "application/json"),
        ExportFormat(
            "csv-zip",
            "Tables: CSV files and a data dictionary in a zip",
            "tables.zip",
            "application/zip",
        ),
        ExportFormat(
            "jsonl",
            "JSON Lines: every table in one file (imports back)",
            "claims.jsonl",
            "application/x-ndjson",
        ),
        *[
            ExportFormat(f"csv-{t}", f"Table: {t} (CSV)", f"{t}.csv", "text/csv; charset=utf-8")
            for t in tables.ORDER
        ],
    ]
}


# --- what is exported ------------------------------------------------------------


@dataclass
class Scope:
    label: str
    sources: QuerySet
    actors: QuerySet
    affiliations: QuerySet
    claims: QuerySet
    statements: QuerySet
    contradictions: QuerySet
    notes: QuerySet


def export_scope(*, source_id: int | None = None, claim_id: int | None = None) -> Scope:
    """The records of everything, of one source, or of one claim's dispute.

    A source brings its statements, their speakers, relays and claims, and the
    contradictions that touch them; a claim brings its statements, the contradictions at
    issue on it or touching them (with the statement at the other end), and their sources.
    """
    if source_id is not None and claim_id is not None:
        raise ValueError("Export one source or one claim, not both.")
    if source_id is not None:
        if not Source.objects.filter(pk=source_id).exists():
            raise ValueError(f"There is no source #{source_id}.")
        own = Q(source_id=source_id)
        contradictions = Contradiction.objects.filter(
            Q(first__source_id=source_id) | Q(second__source_id=source_id)
        )
        label = f"source #{source_id}"
    elif claim_id is not None:
        if not Claim.objects.filter(pk=claim_id).exists():
            raise ValueError(f"There is no claim #{claim_id}.")
        own = Q(claim_id=claim_id)
        contradictions = Contradiction.objects.filter(
            Q(claim_id=claim_id) | Q(first__claim_id=claim_id) | Q(second__claim_id=claim_id)
        )
        label = f"claim #{claim_id}"
    else:
        return Scope(
            label="everything",
            sources=Source.objects.all(),
            actors=Actor.objects.all(),
            affiliations=Affiliation.objects.all(),
            claims=Claim.objects.all(),
            statements=Statement.objects.all(),
            contradictions=Contradiction.objects.all(),
            notes=Note.objects.all(),
        )
    # the statement at the other end of each contradiction comes along, so that every
    # link in the export joins two statements that are in it
    statements = Statement.objects.filter(
        own
        | Q(pk__in=contradictions.values("first_id"))
        | Q(pk__in=contradictions.values("second_id"))
    )
    actors = Actor.objects.filter(
        Q(pk__in=statements.values("speaker_id")) | Q(pk__in=statements.values("via_id"))
    )
    claims = Claim.objects.filter(
        Q(pk__in=statements.values("claim_id")) | Q(pk__in=contradictions.values("claim_id"))
    )
    return Scope(
        label=label,
        sources=Source.objects.filter(
            Q(pk__in=statements.values("source_id")) | Q(pk=source_id or 0)
        ),
        actors=actors,
        affiliations=Affiliation.objects.filter(actor__in=actors, target__in=actors),
        claims=claims,
        statements=statements,
        contradictions=contradictions,
        notes=Note.objects.filter(Q(claim__in=claims) | Q(contradiction__in=contradictions)),
    )


# --- records as plain dicts (the shape claims.interchange maps) ----------------------


def _values(qs: QuerySet, fields: dict[str, str]) -> Iterator[dict]:
    """Rows of `qs` as dicts {output key: value}, `fields` mapping output key -> lookup."""
    keys, lookups = list(fields), list(fields.values())
    for row in qs.order_by("pk").values_list(*lookups).iterator(chunk_size=CHUNK):
        yield dict(zip(keys, row, strict=True))


def source_records(scope: Scope) -> Iterator[dict]:
    fields = {c: c for c in tables.columns("sources")}
    fields["created_by"] = "created_by__username"
    return _values(scope.sources, fields)


def actor_records(scope: Scope) -> Iterator[dict]:
    fields = {c: c for c in tables.columns("actors") if c != "aliases"}
    aliases: dict[int, list[str]] = {}
    for actor_id, name in (
        ActorAlias.objects.filter(actor__in=scope.actors)
        .order_by("actor_id", "name")
        .values_list("actor_id", "name")
        .iterator(chunk_size=CHUNK)
    ):
        aliases.setdefault(actor_id, []).append(name)
    for record in _values(scope.actors, fields):
        record["aliases"] = aliases.get(record["id"], [])
        yield record


def affiliation_records(scope: Scope) -> Iterator[dict]:
    fields = {c: c for c in tables.columns("affiliations")}
    fields |= {"actor_name": "actor__name", "target_name": "target__name"}
    return _values(scope.affiliations, fields)


def claim_records(scope: Scope) -> Iterator[dict]:
    fields = {c: c for c in tables.columns("claims")}
    fields |= {"reviewed_by": "reviewed_by__username", "created_by": "created_by__username"}
    return _values(scope.claims, fields)


def statement_records(scope: Scope) -> Iterator[dict]:
    fields = {c: c for c in tables.columns("statements")}
    fields |= {
        "speaker_name": "speaker__name",
        "via_name": "via__name",
        "claim_text": "claim__text",
        "created_by": "created_by__username",
    }
    return _values(scope.statements, fields)


def contradiction_records(scope: Scope) -> Iterator[dict]:
    fields = {c: c for c in tables.columns("contradictions")}
    fields |= {"proposed_by": "proposed_by__username", "reviewed_by": "reviewed_by__username"}
    return _values(scope.contradictions, fields)


def note_records(scope: Scope) -> Iterator[dict]:
    fields = {c: c for c in tables.columns("notes")}
    fields["author"] = "author__username"
    return _values(scope.notes, fields)


READERS: dict[str, Callable[[Scope], Iterator[dict]]] = {
    "sources": source_records,
    "actors": actor_records,
    "affiliations": affiliation_records,
    "claims": claim_records,
    "statements": statement_records,
    "contradictions": contradiction_records,
    "notes": note_records,
}


# --- progress --------------------------------------------------------------------


class _Counter:
    """Counts records and reports every `every` of them (and at the end)."""

    def __init__(self, total: int, progress: Progress | None, every: int = 1000):
        self.total, self.progress, self.every, self.done = total, progress, every, 0
        if progress:
            progress(0, total)

    def counted(self, records: Iterable) -> Iterator:
        for record in records:
            yield record
            self.done += 1
            if self.progress and self.done % self.every == 0:
                self.progress(min(self.done, self.total), self.total)

    def finish(self) -> None:
        if self.progress:
            self.progress(self.total, self.total)


def _count(scope: Scope, names: Iterable[str]) -> int:
    return sum(getattr(scope, name).count() for name in names)


# --- formats ---------------------------------------------------------------------


def _jsonl(scope: Scope, progress: Progress | None) -> Iterator[bytes]:
    counter = _Counter(_count(scope, tables.ORDER), progress)
    for table in tables.ORDER:
        batch: list[bytes] = []
        size = 0
        for record in counter.counted(READERS[table](scope)):
            line = tables.jsonl_line(table, record)
            batch.append(line)
            size += len(line)
            if len(batch) >= 500 or size > tables.FLUSH_CHARS:
                yield b"".join(batch)
                batch, size = [], 0
        if batch:
            yield b"".join(batch)
    counter.finish()


def _csv_table(table: str, scope: Scope, progress: Progress | None) -> Iterator[bytes]:
    counter = _Counter(_count(scope, [table]), progress)
    yield from tables.csv_rows(table, counter.counted(READERS[table](scope)))
    counter.finish()


class _Sink:
    """A write-only stream zipfile writes into; `take()` hands over what was written."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.gmtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.compress_level = 1  # fast: the CSV still shrinks about 4 times
    return info


def _csv_zip(scope: Scope, progress: Progress | None) -> Iterator[bytes]:
    counter = _Counter(_count(scope, tables.ORDER), progress)
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open(_member("DATA_DICTIONARY.md"), "w") as f:
            f.write(tables.data_dictionary().encode("utf-8"))
        yield sink.take()
        for table in tables.ORDER:
            with zf.open(_member(f"{table}.csv"), "w", force_zip64=True) as f:
                for chunk in tables.csv_rows(table, counter.counted(READERS[table](scope))):
                    f.write(chunk)
                    data = sink.take()
                    if data:
                        yield data
            yield sink.take()
    yield sink.take()
    counter.finish()


def _w3c(scope: Scope, progress: Progress | None) -> Iterator[bytes]:
    counter = _Counter(_count(scope, ["statements", "contradictions"]), progress)
    sources = {r["id"]: r for r in _source_heads(scope)}
    yield from w3c.collection(
        label=f"Claims tracker: {scope.label}",
        total=counter.total,
        statements=counter.counted(statement_records(scope)),
        contradictions=counter.counted(contradiction_records(scope)),
        sources=sources,
    )
    counter.finish()


def _source_heads(scope: Scope) -> Iterator[dict]:
    """Sources without their text (what annotations and reviews name)."""
    fields = {
        c: c for c in ["id", "title", "url", "publisher", "published_on", "language", "text_sha256"]
    }
    return _values(scope.sources, fields)


def _claimreview(scope: Scope, progress: Progress | None) -> Iterator[bytes]:
    reviewed = scope.claims.exclude(verdict=Claim.Verdict.UNRATED)
    counter = _Counter(reviewed.count(), progress)
    sources = {r["id"]: r for r in _source_heads(scope)}
    appearances = _appearances(reviewed)
    records = (
        r | {"appearances": appearances.get(r["id"], [])}
        for r in _values(
            reviewed,
            {c: c for c in ["id", "text", "verdict", "rationale", "reviewed_at", "created_at"]}
            | {"reviewed_by": "reviewed_by__username"},
        )
    )
    yield from claimreview.document(
        counter.counted(records),
        publisher=settings.CLAIMREVIEW_PUBLISHER,
        sources=sources,
    )
    counter.finish()


def _appearances(claims: QuerySet) -> dict[int, list[dict]]:
    """For each claim: its sources (id, the speakers found asserting it there with their
    kind, the first date it was said there), oldest first. A source where the claim is
    only denied or questioned is an appearance too, but its speakers are not authors."""
    out: dict[int, dict[int, dict]] = {}
    rows = (
        Statement.objects.filter(claim__in=claims)
        .order_by("claim_id", "source__published_on", "source_id", "start")
        .values_list("claim_id", "source_id", "speaker__name", "speaker__kind", "stance", "said_on")
        .iterator(chunk_size=CHUNK)
    )
    for claim_id, source_id, name, kind, stance, said_on in rows:
        entry = out.setdefault(claim_id, {}).setdefault(
            source_id, {"source_id": source_id, "speakers": [], "said_on": said_on}
        )
        speaker = {"name": name, "kind": kind}
        if stance == Statement.Stance.ASSERTS and speaker not in entry["speakers"]:
            entry["speakers"].append(speaker)
    return {k: list(v.values()) for k, v in out.items()}


def _aif(scope: Scope, progress: Progress | None) -> Iterator[bytes]:
    counter = _Counter(_count(scope, ["claims", "statements", "contradictions"]), progress)

    def first_pass_counted(read: Callable[[Scope], Iterator[dict]]):
        calls = []

        def records() -> Iterable[dict]:
            calls.append(1)
            return counter.counted(read(scope)) if len(calls) == 1 else read(scope)

        return records

    yield from aif.document(
        claims=first_pass_counted(claim_records),
        statements=first_pass_counted(statement_records),
        contradictions=first_pass_counted(contradiction_records),
        actors=lambda: actor_records(scope),
    )
    counter.finish()


WRITERS: dict[str, Callable[[Scope, Progress | None], Iterator[bytes]]] = {
    "w3c": _w3c,
    "claimreview": _claimreview,
    "aif": _aif,
    "csv-zip": _csv_zip,
    "jsonl": _jsonl,
}


def export_stream(
    fmt: str,
    *,
    source_id: int | None = None,
    claim_id: int | None = None,
    progress: Progress | None = None,
) -> Iterator[bytes]:
    """The export in format `fmt` as a stream of bytes chunks.

    Raises ValueError with a message for an unknown format or scope, before the first byte.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(
            f"Unknown export format “{fmt}”; choose one of {', '.join(EXPORT_FORMATS)}."
        )
    scope = export_scope(source_id=source_id, claim_id=claim_id)
    if fmt.startswith("csv-") and fmt != "csv-zip":
        return _csv_table(fmt.removeprefix("csv-"), scope, progress)
    return WRITERS[fmt](scope, progress)
