"""Imports at volume: many articles, brat standoff, W3C Web Annotation, our own tables.

`import_paths(fmt, paths, user=...)` reads files from disk (uploads, a zip, a folder) and
returns an ImportReport: what was created, skipped (already there) and refused (and why).
Each file (article) is all-or-nothing in its own transaction; a source whose text hash is
already known is never duplicated, so running the same import twice changes nothing.
Spans are verified against the text (claims.anchoring); nothing is placed by a guess.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from simple_history.utils import bulk_create_with_history

from claims import anchoring
from claims.interchange import InterchangeError, brat, files, tables, w3c
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
from claims.services.imports import source_create, text_from_upload
from claims.services.statements import claim_create

Progress = Callable[[int, int], None]
UNKNOWN_SPEAKER = "Unknown speaker"

IMPORT_FORMATS: dict[str, str] = {
    "files": "Articles: a zip or .txt / .md / .html files, one source each",
    "brat": "brat standoff: NAME.txt with NAME.ann (attributions become statements)",
    "w3c": "W3C Web Annotation (JSON-LD), anchored by quote in known sources",
    "jsonl": "JSON Lines export of this tracker",
    "csv": "CSV tables export of this tracker (the zip, or its .csv files)",
}


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # done, but worth a look

    def count(self, what: str, n: int = 1) -> None:
        if n:
            self.created[what] = self.created.get(what, 0) + n

    def merge(self, other: ImportReport) -> None:
        for k, v in other.created.items():
            self.count(k, v)
        self.skipped += other.skipped
        self.refused += other.refused
        self.notes += other.notes

    def as_dict(self) -> dict:
        return {
            "created": dict(self.created),
            "skipped": [list(x) for x in self.skipped],
            "refused": [list(x) for x in self.refused],
            "notes": [list(x) for x in self.notes],
        }


def limits() -> files.Limits:
    return files.Limits(
        max_files=settings.IMPORT_MAX_FILES,
        max_file_bytes=settings.IMPORT_MAX_FILE_BYTES,
        max_total_bytes=settings.IMPORT_MAX_TOTAL_BYTES,
    )


def import_paths(
    fmt: str, paths: list[Path], *, user, progress: Progress | None = None
) -> ImportReport:
    """Import the files at `paths` in format `fmt` (a key of IMPORT_FORMATS)."""
    if fmt not in IMPORT_FORMATS:
        raise ValueError(
            f"Unknown import format “{fmt}”; choose one of {', '.join(IMPORT_FORMATS)}."
        )
    report = ImportReport()
    items: list[files.Member] = []
    for item in files.members([Path(p) for p in paths], limits()):
        if isinstance(item, files.Refusal):
            report.refused.append((item.name, item.reason))
        else:
            items.append(item)
    run = {"files": _files, "brat": _brat, "w3c": _w3c, "jsonl": _jsonl, "csv": _csv}[fmt]
    run(items, user, report, progress or (lambda done, total: None))
    return report


def _each(items: list, progress: Progress) -> Iterable[tuple[int, object]]:
    total = len(items)
    progress(0, total)
    for i, item in enumerate(items, start=1):
        yield i, item
        progress(i, total)


def _lock_text(sha: str) -> None:
    """Serialise imports of the same text (PostgreSQL; SQLite writes one at a time)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [int(sha[:15], 16)])


def _known_source(text: str) -> Source | None:
    sha = anchoring.text_hash(text)
    _lock_text(sha)
    return Source.objects.filter(text_sha256=sha).order_by("pk").first()


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


FAILURES = (ValidationError, InterchangeError, anchoring.AnchorError, IntegrityError, ValueError)


# --- articles --------------------------------------------------------------------


def _title(text: str, name: str) -> str:
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            return line if len(line) <= 200 else line[:199] + "…"
    return PurePosixPath(name).stem


def _files(items, user, report: ImportReport, progress: Progress) -> None:
    for _, m in _each(items, progress):
        suffix = PurePosixPath(m.name).suffix.lower()
        if suffix not in {".txt", ".md", ".markdown", ".text", ".html", ".htm"}:
            report.refused.append((m.name, "not a .txt, .md or .html file."))
            continue
        try:
            with transaction.atomic():
                text = text_from_upload(
                    name=m.name, data=m.data, max_bytes=settings.IMPORT_MAX_FILE_BYTES
                )
                known = _known_source(text)
                if known is not None:
                    report.skipped.append((m.name, f"same text as source #{known.pk}"))
                    continue
                source_create(user=user, text=text, title=_title(text, m.name))
                report.count("sources")
        except FAILURES as exc:
            report.refused.append((m.name, _message(exc)))


# --- speakers and claims -----------------------------------------------------------


class Register:
    """Actors by name or alias (case-insensitive) and claims by proposition, made when new.

    The names of the register are read once per import; new actors wait in `pending`
    until `flush()` writes them in one bulk insert (with history) before the statements
    that name them. After a file is refused, `forget()` drops what it added."""

    def __init__(self, user, report: ImportReport):
        self.user, self.report = user, report
        self.index: dict[str, Actor] | None = None
        self.pending: list[Actor] = []
        self.claims: dict[str, Claim] = {}

    def _load(self) -> dict[str, Actor]:
        index: dict[str, Actor] = {}
        for pk, name in Actor.objects.order_by("pk").values_list("pk", "name").iterator(5000):
            index.setdefault(name.lower(), Actor(pk=pk, name=name))
        aliases = ActorAlias.objects.order_by("actor_id").values_list("actor_id", "name")
        for pk, name in aliases.iterator(5000):
            index.setdefault(name.lower(), Actor(pk=pk, name=name))
        return index

    def actor(self, name: str | None, kind: str = Actor.Kind.PERSON, **fields) -> Actor:
        name = " ".join((name or "").split())[:200] or UNKNOWN_SPEAKER
        if self.index is None:
            self.index = self._load()
        key = name.lower()
        if key not in self.index:
            if name == UNKNOWN_SPEAKER:
                kind = Actor.Kind.ANONYMOUS
            actor = Actor(name=name, kind=kind, created_by=self.user, **fields)
            actor.full_clean(
                exclude=["created_by"], validate_unique=False, validate_constraints=False
            )
            self.index[key] = actor
            self.pending.append(actor)
        return self.index[key]

    def flush(self) -> None:
        if self.pending:
            bulk_create_with_history(self.pending, Actor, batch_size=500, default_user=self.user)
            self.report.count("actors", len(self.pending))
            self.pending = []

    def forget(self) -> None:
        self.index, self.pending = None, []
        self.claims.clear()

    def claim(self, text: str) -> Claim:
        key = " ".join(text.split()).lower()
        if key not in self.claims:
            found, created = claim_create(user=self.user, text=text)
            self.report.count("claims", int(created))
            self.claims[key] = found
        return self.claims[key]


def _existing_keys(source: Source) -> set[tuple]:
    return set(
        Statement.objects.filter(source=source).values_list(
            "start", "end", "speaker_id", "via_id", "claim_id", "stance"
        )
    )


def _key(st: Statement) -> tuple:
    return (st.start, st.end, st.speaker_id, st.via_id, st.claim_id, st.stance)


def _save_statements(statements: list[Statement], user, report: ImportReport) -> None:
    if statements:
        for st in statements:
            st.full_clean(
                exclude=["source", "speaker", "via", "claim", "created_by"],
                validate_unique=False,
                validate_constraints=False,
            )
        bulk_create_with_history(statements, Statement, batch_size=500, default_user=user)
        report.count("statements", len(statements))


# --- brat ----------------------------------------------------------------------------


def _metadata(items: list[files.Member]) -> dict[str, dict]:
    """polnear's metadata.tsv (filename, publisher, publication_date, author, title)."""
    out: dict[str, dict] = {}
    for m in items:
        if PurePosixPath(m.name).name == "metadata.tsv":
            rows = csv.DictReader(io.StringIO(m.data.decode("utf-8", "replace")), delimiter="\t")
            for row in rows:
                if row.get("filename"):
                    out[row["filename"]] = row
    return out


def _source_fields(stem: str, meta: dict | None) -> dict:
    fields = {"title": PurePosixPath(stem).name}
    if meta:
        fields["title"] = (meta.get("title") or fields["title"])[:300]
        fields["publisher"] = (meta.get("publisher") or "")[:200]
        fields["byline"] = (meta.get("author") or "")[:300]
        with contextlib.suppress(ValueError):
            fields["published_on"] = dt.date.fromisoformat(meta.get("publication_date") or "")
    return fields


def _source_for(text: str, fields: dict, user, report: ImportReport) -> tuple[Source, bool]:
    known = _known_source(text)
    if known is not None:
        return known, False
    source = Source(text=text, created_by=user, **fields)
    source.full_clean()
    source._history_user = user
    source.save()
    report.count("sources")
    return source, True


def _brat(items, user, report: ImportReport, progress: Progress) -> None:
    meta = _metadata(items)
    pairs, refused = files.pair_brat(items)
    report.refused += [(r.name, r.reason) for r in refused]
    register = Register(user, report)
    for _, (stem, txt, ann) in _each(pairs, progress):
        name = PurePosixPath(ann.name).name
        try:
            with transaction.atomic():
                file_report = ImportReport()
                register.report = file_report
                _brat_one(stem, txt, ann, meta, user, register, file_report)
            report.merge(file_report)
        except FAILURES as exc:
            register.forget()  # rolled back with the file
            report.refused.append((name, _message(exc)))


def _brat_one(stem, txt, ann, meta, user, register: Register, report: ImportReport) -> None:
    name = PurePosixPath(ann.name).name
    offsets = brat.OffsetMap(anchoring.decode_text(txt.data))
    text = offsets.text
    doc = brat.parse(anchoring.decode_text(ann.data), offsets.raw, name)
    source, created = _source_for(
        text, _source_fields(stem, meta.get(PurePosixPath(stem).name)), user, report
    )
    if not created:
        report.notes.append((name, f"same text as source #{source.pk}: annotations added there"))
    seen = _existing_keys(source)
    new: list[Statement] = []
    already = 0
    for plan in brat.attributions(doc):
        ref = f"{name} {plan.ref}"
        if plan.problem:
            report.refused.append((ref, plan.problem))
            continue
        start, end = offsets(plan.start), offsets(plan.end)
        if start is None or end is None:
            report.refused.append(
                (ref, f"span {plan.start}-{plan.end} starts or ends inside a character.")
            )
            continue
        anchor = anchoring.make_anchor(text, start, end)
        speaker = register.actor(plan.speaker)
        st = Statement(
            source=source,
            speaker=speaker,
            reporting=plan.reporting,
            start=anchor.start,
            end=anchor.end,
            exact=anchor.exact,
            prefix=anchor.prefix,
            suffix=anchor.suffix,
            cue=plan.cue,
            speaker_mention=plan.mention[:200],
            created_by=user,
        )
        if _key(st) in seen:
            already += 1
            continue
        seen.add(_key(st))
        if plan.resolved_from:
            report.notes.append((ref, f"“{plan.resolved_from}” taken as {plan.speaker}"))
        elif plan.speaker is None:
            report.notes.append(
                (
                    ref,
                    f"speaker {'“' + plan.mention + '” ' if plan.mention else ''}left to "
                    f"the researcher ({UNKNOWN_SPEAKER})",
                )
            )
        new.append(st)
    if already:
        report.skipped.append((name, f"{already} attributions already recorded"))
    register.flush()
    _save_statements(new, user, report)


# --- W3C Web Annotation --------------------------------------------------------------


def _w3c(items, user, report: ImportReport, progress: Progress) -> None:
    register = Register(user, report)
    for _, m in _each(items, progress):
        try:
            with transaction.atomic():
                file_report = ImportReport()
                register.report = file_report
                _w3c_one(m, user, register, file_report)
            report.merge(file_report)
        except FAILURES as exc:
            register.forget()
            report.refused.append((m.name, _message(exc)))


def _find_source(q: w3c.QuoteTarget, cache: dict) -> Source | None:
    key = (q.text_sha256, tuple(q.source_ids))
    if key not in cache:
        found = None
        if q.text_sha256:
            found = Source.objects.filter(text_sha256=q.text_sha256).order_by("pk").first()
        if found is None:
            urls = [s for s in q.source_ids if s.startswith(("http://", "https://"))]
            if urls:
                found = Source.objects.filter(url__in=urls).order_by("pk").first()
        cache[key] = found
    return cache[key]


def _choice(value, choices, default: str) -> str:
    return value if value in choices.values else default


def _w3c_one(m: files.Member, user, register: Register, report: ImportReport) -> None:
    parsed = w3c.parse(m.data, m.name)
    report.refused += parsed.problems
    sources: dict = {}
    seen: dict[int, set] = {}
    by_ref: dict[str, Statement] = {}
    new: list[Statement] = []
    for q in parsed.quotes:
        source = _find_source(q, sources)
        if source is None:
            report.refused.append(
                (
                    q.ref,
                    f"its source ({', '.join(q.source_ids) or 'none named'}) is not in "
                    "the tracker: import the article first.",
                )
            )
            continue
        try:
            anchor = anchoring.resolve(
                source.text,
                exact=q.exact,
                start=q.start,
                end=q.end,
                prefix=q.prefix,
                suffix=q.suffix,
            )
        except anchoring.AnchorError as exc:
            report.refused.append((q.ref, f"not anchored in source #{source.pk}: {exc}"))
            continue
        body = q.body
        speaker = register.actor((body.get("speaker") or {}).get("name"))
        via = register.actor(body["via"].get("name")) if body.get("via") else None
        claim_text = (body.get("claim") or {}).get("value") if body.get("claim") else None
        claim = register.claim(claim_text) if claim_text else None
        stance = _choice(body.get("stance"), Statement.Stance, "asserts") if claim else ""
        st = Statement(
            source=source,
            speaker=speaker,
            via=via if via is not None and via is not speaker else None,
            reporting=_choice(body.get("reporting"), Statement.Reporting, "reported"),
            start=anchor.start,
            end=anchor.end,
            exact=anchor.exact,
            prefix=anchor.prefix,
            suffix=anchor.suffix,
            claim=claim,
            stance=stance,
            said_on=_date(body.get("saidOn")),
            summary=str(body.get("summary") or ""),
            cue=str(body.get("cue") or "")[:200],
            speaker_mention=str(body.get("speakerMention") or "")[:200],
            created_by=user,
        )
        if source.pk not in seen:
            seen[source.pk] = _existing_keys(source)
        if _key(st) in seen[source.pk]:
            report.skipped.append((q.ref, "already recorded"))
            by_ref[q.ref] = _existing_statement(st)
            continue
        seen[source.pk].add(_key(st))
        new.append(st)
        by_ref[q.ref] = st
    register.flush()
    _save_statements(new, user, report)
    _links(parsed.links, by_ref, user, report)


def _existing_statement(st: Statement) -> Statement | None:
    return (
        Statement.objects.filter(
            source=st.source,
            start=st.start,
            end=st.end,
            speaker=st.speaker,
            via=st.via,
            claim=st.claim,
            stance=st.stance,
        )
        .order_by("pk")
        .first()
    )


def _date(value):
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _links(links: list[w3c.Link], by_ref: dict, user, report: ImportReport) -> None:
    made = []
    for link in links:
        first, second = by_ref.get(link.first), by_ref.get(link.second)
        if first is None or second is None or first.pk is None or second.pk is None:
            report.refused.append((link.ref, "links a statement that was not imported."))
            continue
        if first.pk == second.pk or _linked(first.pk, second.pk):
            report.skipped.append((link.ref, "these two statements are already linked"))
            continue
        made.append(
            Contradiction(
                first=first,
                second=second,
                kind=_choice(link.kind, Contradiction.Kind, Contradiction.Kind.TENSION),
                rationale=link.rationale or "",
                claim_id=first.claim_id if first.claim_id == second.claim_id else None,
                status=Contradiction.Status.PROPOSED,
                proposed_by=user,
            )
        )
    if made:
        bulk_create_with_history(made, Contradiction, batch_size=500, default_user=user)
        report.count("contradictions", len(made))
        if any(link.status not in ("", "proposed") for link in links):
            report.notes.append(("contradictions", "imported as proposed, for an editor here"))


def _linked(a: int, b: int) -> bool:
    return Contradiction.objects.filter(first_id__in=[a, b], second_id__in=[a, b]).exists()


# --- our own tables -------------------------------------------------------------------


def _jsonl(items, user, report: ImportReport, progress: Progress) -> None:
    for _, m in _each(items, progress):
        try:
            with transaction.atomic():
                file_report = ImportReport()
                _dataset(tables.read_jsonl(m.data, m.name), user, file_report, m.name)
            report.merge(file_report)
        except FAILURES as exc:
            report.refused.append((m.name, _message(exc)))


def _csv(items, user, report: ImportReport, progress: Progress) -> None:
    """All the CSV tables given (a zip of them or separate files) are one data set."""
    found: dict[str, list[dict]] = {t: [] for t in tables.ORDER}
    names = []
    progress(0, 1)
    for m in items:
        path = PurePosixPath(m.name)
        if path.suffix.lower() != ".csv":
            if path.suffix.lower() not in {".md", ".txt"}:  # the data dictionary may come along
                report.refused.append((m.name, "not a .csv table."))
            continue
        if path.stem not in tables.TABLES:
            report.refused.append((m.name, f"not one of the tables ({', '.join(tables.ORDER)})."))
            continue
        try:
            found[path.stem] += tables.read_csv(path.stem, m.data, m.name)
        except InterchangeError as exc:
            report.refused.append((m.name, f"{exc} Nothing of these tables was imported."))
            return
        names.append(path.name)
    if not names:
        report.refused.append(("csv", "no table found (sources.csv, statements.csv, ...)."))
        return
    try:
        with transaction.atomic():
            file_report = ImportReport()
            _dataset(found, user, file_report, ", ".join(names))
        report.merge(file_report)
    except FAILURES as exc:
        report.refused.append((", ".join(names), _message(exc)))
    progress(1, 1)


class _Users:
    def __init__(self, fallback):
        self.fallback = fallback
        self.cache: dict[str, object] = {}

    def get(self, username: str | None, *, required: bool = False):
        if not username:
            return self.fallback if required else None
        if username not in self.cache:
            User = get_user_model()
            self.cache[username] = User.objects.filter(username=username).first()
        return self.cache[username] or (self.fallback if required else None)


def _dataset(data: dict[str, list[dict]], user, report: ImportReport, name: str) -> None:
    """Records of our own tables into the database: matched by text hash (sources), name
    (actors), proposition (claims) and span (statements) when already there."""
    users = _Users(user)
    register = Register(user, report)
    aliases: dict[int, list[str]] = {}
    for a in data["actors"]:
        aliases[a["id"]] = a.get("aliases") or []

    sources: dict[int, Source] = {}
    for r in data["sources"]:
        text = anchoring.normalize_text(r["text"] or "")
        if r.get("text_sha256") and anchoring.text_hash(text) != r["text_sha256"]:
            raise InterchangeError(f"{name}: source {r['id']}: the text does not match its hash.")
        known = _known_source(text)
        if known is not None:
            report.skipped.append((f"source {r['id']}", f"same text as source #{known.pk}"))
            sources[r["id"]] = known
            continue
        source = Source(
            text=text,
            created_by=users.get(r.get("created_by"), required=True),
            **{
                k: r.get(k) or ("" if k not in {"published_on"} else None)
                for k in [
                    "title",
                    "kind",
                    "publisher",
                    "url",
                    "published_on",
                    "dateline",
                    "byline",
                    "language",
                    "notes",
                ]
            },
        )
        source.kind = source.kind or Source.Kind.ARTICLE
        source.full_clean()
        source._history_user = user
        source.save()
        report.count("sources")
        sources[r["id"]] = source

    actors: dict[int, Actor] = {}
    for r in data["actors"]:
        actors[r["id"]] = register.actor(
            r["name"],
            r.get("kind") or Actor.Kind.PERSON,
            description=r.get("description") or "",
            wikidata_id=r.get("wikidata_id") or "",
        )
    register.flush()
    for r in data["actors"]:
        actor = actors[r["id"]]
        have = set(actor.aliases.values_list("name", flat=True)) | {actor.name}
        for alias in aliases.get(r["id"], []):
            if alias not in have:
                ActorAlias.objects.create(actor=actor, name=alias)
                report.count("aliases")
                have.add(alias)

    for r in data["affiliations"]:
        actor, target = actors.get(r["actor_id"]), actors.get(r["target_id"])
        if actor is None or target is None or actor.pk == target.pk:
            report.skipped.append((f"affiliation {r.get('id')}", "an actor is not in the file"))
            continue
        _, created = Affiliation.objects.get_or_create(
            actor=actor,
            role=r["role"],
            target=target,
            defaults={"start_date": r.get("start_date"), "end_date": r.get("end_date")},
        )
        report.count("affiliations", int(created))

    claims: dict[int, Claim] = {}
    for r in data["claims"]:
        claim = Claim.objects.filter(text__iexact=" ".join(r["text"].split())).first()
        if claim is None:
            claim = Claim(
                text=" ".join(r["text"].split()),
                status=r.get("status") or Claim.Status.OPEN,
                verdict=r.get("verdict") or Claim.Verdict.UNRATED,
                rationale=r.get("rationale") or "",
                reviewed_by=users.get(r.get("reviewed_by")),
                reviewed_at=r.get("reviewed_at"),
                created_by=users.get(r.get("created_by"), required=True),
            )
            claim.full_clean()
            claim._history_user = user
            claim.save()
            report.count("claims")
        claims[r["id"]] = claim

    statements: dict[int, Statement] = {}
    new: list[Statement] = []
    seen: dict[int, set] = {}
    for r in data["statements"]:
        where = f"{name}: statement {r['id']}"
        source = sources.get(r["source_id"])
        if source is None:
            raise InterchangeError(f"{where}: its source {r['source_id']} is not in the file.")
        try:
            anchoring.verify(source.text, r["start"], r["end"], r["exact"] or "")
        except anchoring.AnchorError as exc:
            raise InterchangeError(f"{where}: {exc}") from None
        anchor = anchoring.make_anchor(source.text, r["start"], r["end"])
        speaker = actors.get(r["speaker_id"])
        if speaker is None:
            raise InterchangeError(f"{where}: its speaker {r['speaker_id']} is not in the file.")
        via = actors.get(r["via_id"]) if r.get("via_id") else None
        claim = claims.get(r["claim_id"]) if r.get("claim_id") else None
        st = Statement(
            source=source,
            speaker=speaker,
            via=via,
            reporting=r.get("reporting") or Statement.Reporting.REPORTED,
            start=anchor.start,
            end=anchor.end,
            exact=anchor.exact,
            prefix=anchor.prefix,
            suffix=anchor.suffix,
            anchor_status=r.get("anchor_status") or Statement.AnchorStatus.OK,
            claim=claim,
            stance=(r.get("stance") or "") if claim else "",
            said_on=r.get("said_on"),
            summary=r.get("summary") or "",
            cue=r.get("cue") or "",
            speaker_mention=r.get("speaker_mention") or "",
            created_by=users.get(r.get("created_by"), required=True),
        )
        if source.pk not in seen:
            seen[source.pk] = _existing_keys(source)
        if _key(st) in seen[source.pk]:
            statements[r["id"]] = _existing_statement(st)
            report.skipped.append((f"statement {r['id']}", "already recorded"))
            continue
        seen[source.pk].add(_key(st))
        statements[r["id"]] = st
        new.append(st)
    try:
        _save_statements(new, user, report)
    except ValidationError as exc:
        raise InterchangeError(f"{name}: a statement is not valid: {_message(exc)}") from None

    made: list[Contradiction] = []
    pairs: set[frozenset] = set()
    for r in data["contradictions"]:
        first, second = statements.get(r["first_id"]), statements.get(r["second_id"])
        ref = f"contradiction {r.get('id')}"
        if first is None or second is None:
            report.skipped.append((ref, "one of its statements is not in the file"))
            continue
        pair = frozenset([first.pk, second.pk])
        if len(pair) < 2 or pair in pairs or _linked(first.pk, second.pk):
            report.skipped.append((ref, "these two statements are already linked"))
            continue
        pairs.add(pair)
        c = Contradiction(
            first=first,
            second=second,
            kind=r["kind"],
            status=r.get("status") or Contradiction.Status.PROPOSED,
            rationale=r.get("rationale") or "",
            claim=claims.get(r["claim_id"]) if r.get("claim_id") else None,
            proposed_by=users.get(r.get("proposed_by")),
            reviewed_by=users.get(r.get("reviewed_by")),
            reviewed_at=r.get("reviewed_at"),
            review_note=r.get("review_note") or "",
        )
        c.full_clean(
            exclude=["first", "second", "claim"], validate_unique=False, validate_constraints=False
        )
        made.append(c)
        r["_obj"] = c
    if made:
        bulk_create_with_history(made, Contradiction, batch_size=500, default_user=user)
        report.count("contradictions", len(made))
    contradictions = {r["id"]: r["_obj"] for r in data["contradictions"] if "_obj" in r}

    notes: list[Note] = []
    for r in data["notes"]:
        claim = claims.get(r["claim_id"]) if r.get("claim_id") else None
        contradiction = (
            contradictions.get(r["contradiction_id"]) if r.get("contradiction_id") else None
        )
        if (claim is None) == (contradiction is None):
            report.skipped.append((f"note {r.get('id')}", "what it discusses is not in the file"))
            continue
        author = users.get(r.get("author"), required=True)
        if Note.objects.filter(
            claim=claim, contradiction=contradiction, author=author, body=r["body"]
        ).exists():
            report.skipped.append((f"note {r.get('id')}", "already there"))
            continue
        notes.append(Note(claim=claim, contradiction=contradiction, author=author, body=r["body"]))
    if notes:
        bulk_create_with_history(notes, Note, batch_size=500, default_user=user)
        report.count("notes", len(notes))
