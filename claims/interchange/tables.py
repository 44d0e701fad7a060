"""The tracker's own tables: CSV and JSON Lines, and the data dictionary that explains them.

A record is a dict whose keys are a table's columns (`TABLES`). JSON Lines writes one
object per line with a "table" key (so one file holds every table and imports back);
CSV writes one file per table, the header being the columns. Dates are ISO 8601, empty
values are "" in CSV and null in JSON. Offsets are Unicode code points of the source text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from claims.interchange import InterchangeError


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    type: str = "text"  # text, int, date, datetime, list


def _cols(*specs: tuple) -> tuple[Column, ...]:
    return tuple(Column(*spec) for spec in specs)


TABLES: dict[str, tuple[Column, ...]] = {
    "sources": _cols(
        ("id", "Id of the source in this export (other tables refer to it).", "int"),
        ("title", "Title."),
        ("kind", "article, transcript, press_release, report or other."),
        ("publisher", "Publisher or outlet."),
        ("url", "Web address (http or https)."),
        ("published_on", "Date published (YYYY-MM-DD).", "date"),
        ("dateline", "Dateline."),
        ("byline", "Byline."),
        ("language", "Language code (e.g. en)."),
        ("notes", "Notes on the source."),
        ("text_sha256", "SHA-256 of the UTF-8 text: the same text has the same hash."),
        ("text", "The canonical text (NFC, LF line ends); statement offsets index into it."),
        ("created_by", "Username of who added it."),
        ("created_at", "When it was added (UTC, ISO 8601).", "datetime"),
    ),
    "actors": _cols(
        ("id", "Id of the actor in this export.", "int"),
        ("name", "Name."),
        (
            "kind",
            "person, organisation, government, party, armed_group, media, anonymous or collective.",
        ),
        ("description", "Description."),
        ("wikidata_id", "Wikidata id (Q...)."),
        ("aliases", "Other names, separated by ' | ' in CSV (a list in JSON Lines).", "list"),
    ),
    "affiliations": _cols(
        ("id", "Id of the affiliation.", "int"),
        ("actor_id", "The actor (actors.id).", "int"),
        ("actor_name", "The actor's name (for reading)."),
        ("role", "leader_of, member_of, spokesperson_for or part_of."),
        ("target_id", "The actor it is affiliated with (actors.id).", "int"),
        ("target_name", "That actor's name (for reading)."),
        ("start_date", "From (YYYY-MM-DD).", "date"),
        ("end_date", "Until (YYYY-MM-DD).", "date"),
    ),
    "claims": _cols(
        ("id", "Id of the claim in this export.", "int"),
        ("text", "The proposition, stated neutrally."),
        ("status", "open, disputed or resolved."),
        ("verdict", "unrated, true, mostly_true, misleading, false or unverifiable."),
        ("rationale", "Why the verdict."),
        ("reviewed_by", "Username of the editor who gave the verdict."),
        ("reviewed_at", "When (UTC, ISO 8601).", "datetime"),
        ("created_by", "Username of who stated the claim."),
        ("created_at", "When (UTC, ISO 8601).", "datetime"),
    ),
    "statements": _cols(
        ("id", "Id of the statement in this export.", "int"),
        ("source_id", "The source it is found in (sources.id).", "int"),
        ("start", "Start offset in code points of the source text.", "int"),
        ("end", "End offset (exclusive) in code points.", "int"),
        ("exact", "The quoted span: text[start:end]."),
        ("prefix", "Up to 32 characters before the span."),
        ("suffix", "Up to 32 characters after the span."),
        ("anchor_status", "ok, or lost (quote not found after a text change)."),
        ("speaker_id", "Who said it (actors.id).", "int"),
        ("speaker_name", "The speaker's name (for reading)."),
        ("via_id", "The spokesperson or reader who delivered it (actors.id), if any.", "int"),
        ("via_name", "Their name (for reading)."),
        ("reporting", "direct_quote, partial_quote, paraphrase, reported, anonymous or narration."),
        ("claim_id", "The claim it asserts, denies or questions (claims.id), if any.", "int"),
        ("claim_text", "The claim (for reading)."),
        ("stance", "asserts, denies or questions (empty without a claim)."),
        ("said_on", "Date said (YYYY-MM-DD).", "date"),
        ("summary", "The researcher's summary."),
        ("cue", "Reporting words kept from an import (said, according to)."),
        ("speaker_mention", "How the text names the speaker, kept from an import."),
        ("created_by", "Username of who recorded it."),
        ("created_at", "When (UTC, ISO 8601).", "datetime"),
    ),
    "contradictions": _cols(
        ("id", "Id of the contradiction.", "int"),
        (
            "first_id",
            "The first statement (statements.id); in a rebuttal or denial, the one "
            "that answers the other.",
            "int",
        ),
        ("second_id", "The second statement (statements.id).", "int"),
        ("kind", "denial, rebuttal, conflicting_facts, self_contradiction or tension."),
        ("status", "proposed, confirmed or rejected."),
        ("rationale", "Why they cannot both stand."),
        ("claim_id", "The claim at issue (claims.id), if any.", "int"),
        ("proposed_by", "Username of who proposed it."),
        ("reviewed_by", "Username of the editor who reviewed it."),
        ("reviewed_at", "When (UTC, ISO 8601).", "datetime"),
        ("review_note", "The reviewer's note."),
        ("created_at", "When proposed (UTC, ISO 8601).", "datetime"),
    ),
    "notes": _cols(
        ("id", "Id of the note.", "int"),
        ("claim_id", "The claim discussed (claims.id), or empty.", "int"),
        ("contradiction_id", "The contradiction discussed (contradictions.id), or empty.", "int"),
        ("author", "Username of the author."),
        ("body", "The note."),
        ("created_at", "When (UTC, ISO 8601).", "datetime"),
    ),
}

# The order in which tables are written and must be read (references point backwards).
ORDER = ["sources", "actors", "affiliations", "claims", "statements", "contradictions", "notes"]
# Columns an import cannot do without; the others default to empty.
REQUIRED = {
    "sources": ["id", "title", "text"],
    "actors": ["id", "name"],
    "affiliations": ["actor_id", "role", "target_id"],
    "claims": ["id", "text"],
    "statements": ["id", "source_id", "start", "end", "exact", "speaker_id"],
    "contradictions": ["first_id", "second_id", "kind"],
    "notes": ["body"],
}
ALIAS_SEPARATOR = " | "
FLUSH_CHARS = 1 << 20  # hand over what is written every MB (sources carry their texts)


def columns(table: str) -> list[str]:
    return [c.name for c in TABLES[table]]


# --- writing -------------------------------------------------------------------


def _json_default(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_ENCODER = json.JSONEncoder(ensure_ascii=False, default=_json_default)
_NAMES = {table: [c.name for c in cols] for table, cols in TABLES.items()}


def jsonl_line(table: str, record: dict) -> bytes:
    """One JSON Lines row: {"table": ..., column: value, ...}."""
    row = {"table": table}
    get = record.get
    for name in _NAMES[table]:
        row[name] = get(name)
    return (_ENCODER.encode(row) + "\n").encode("utf-8")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return ALIAS_SEPARATOR.join(value)
    if isinstance(value, dt.date):  # and datetime
        return value.isoformat()
    return str(value)


def csv_rows(table: str, records: Iterable[dict], *, header: bool = True) -> Iterator[bytes]:
    """CSV bytes (UTF-8, header row first), a chunk every few hundred rows."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    names = _NAMES[table]
    if header:
        writer.writerow(names)
    for n, record in enumerate(records, start=1):
        writer.writerow([_csv_cell(record.get(name)) for name in names])
        if n % 500 == 0 or buf.tell() > FLUSH_CHARS:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    if buf.tell():
        yield buf.getvalue().encode("utf-8")


def data_dictionary() -> str:
    """A Markdown description of every table and column (shipped in the tables zip)."""
    out = [
        "# Data dictionary",
        "",
        "Tables exported by the claims tracker. One CSV file per table (UTF-8, header row, "
        "RFC 4180 quoting); the same records as JSON Lines have a `table` key. Ids are those "
        "of this export; `*_id` columns refer to the `id` of another table. Offsets are "
        "Unicode code points of `sources.text` (Python string indexes; in JavaScript, "
        "convert from UTF-16). Empty cells mean no value.",
        "",
    ]
    for table in ORDER:
        out += [f"## {table}.csv", "", "| column | type | meaning |", "|---|---|---|"]
        for col in TABLES[table]:
            out.append(f"| `{col.name}` | {col.type} | {col.description} |")
        out.append("")
    return "\n".join(out)


# --- reading -------------------------------------------------------------------


def _parse(col: Column, raw, where: str):
    if raw is None or raw == "":
        return [] if col.type == "list" else None
    try:
        if col.type == "int":
            return int(raw)
        if col.type == "date":
            return dt.date.fromisoformat(str(raw))
        if col.type == "datetime":
            return dt.datetime.fromisoformat(str(raw))
        if col.type == "list":
            if isinstance(raw, list):
                return [str(x) for x in raw]
            return [x.strip() for x in str(raw).split(ALIAS_SEPARATOR.strip()) if x.strip()]
    except (TypeError, ValueError):
        raise InterchangeError(f"{where}: {col.name} “{raw}” is not a valid {col.type}.") from None
    if isinstance(raw, dict | list):
        raise InterchangeError(
            f"{where}: {col.name} must be {col.type}, not a JSON {type(raw).__name__}."
        )
    return raw if isinstance(raw, str) else str(raw)


def typed_record(table: str, raw: dict, where: str) -> dict:
    """A row of strings (CSV) or JSON values, as typed values for `table`'s columns."""
    by_name = {c.name: c for c in TABLES[table]}
    return {name: _parse(col, raw.get(name), where) for name, col in by_name.items()}


def read_csv(table: str, data: bytes, name: str) -> list[dict]:
    """The typed records of one CSV table; refuses a file without the required columns."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InterchangeError(f"{name}: not UTF-8 text.") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED[table] if c not in header]
    if missing:
        raise InterchangeError(
            f"{name}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(a {table} table needs {', '.join(REQUIRED[table])})."
        )
    records = []
    try:
        for i, row in enumerate(reader, start=2):
            where = f"{name} line {i}"
            empty = [c for c in REQUIRED[table] if not (row.get(c) or "").strip()]
            if empty:
                raise InterchangeError(f"{where}: a {table} row needs {', '.join(empty)}.")
            records.append(typed_record(table, row, where))
        return records
    except csv.Error as exc:
        raise InterchangeError(f"{name}: not valid CSV ({exc}).") from None


def read_jsonl(data: bytes, name: str) -> dict[str, list[dict]]:
    """Records by table from a JSON Lines file of our own export."""
    out: dict[str, list[dict]] = {t: [] for t in ORDER}
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InterchangeError(f"{name}: not UTF-8 text.") from None
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{name} line {i}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InterchangeError(f"{where}: not valid JSON ({exc.msg}).") from None
        if not isinstance(row, dict) or row.get("table") not in TABLES:
            raise InterchangeError(
                f'{where}: each line must be an object with a "table" key, one of '
                f"{', '.join(ORDER)}."
            )
        table = row["table"]
        missing = [c for c in REQUIRED[table] if row.get(c) in (None, "")]
        if missing:
            raise InterchangeError(f"{where}: a {table} row needs {', '.join(missing)}.")
        out[table].append(typed_record(table, row, where))
    return out
