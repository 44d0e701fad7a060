"""Reads that several views (and the API and exports) share: querysets, counts,
pagination, the claim page's context and readable history changes. Views call these and
never each other."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connections, models
from django.db.models import (
    Count,
    F,
    ForeignKey,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import cached_property

from claims import search
from claims.access import is_editor
from claims.forms.review import NoteForm
from claims.highlighting import HIGHLIGHT_FIELDS
from claims.models import Actor, Claim, Contradiction, Source, Statement
from claims.services.review import editors

STATEMENTS_PER_PAGE = 50
CONTRADICTIONS_PER_PAGE = 50
NOTES_PER_PAGE = 50
VALUE_CHARS = 400
TYPES = {"+": "created", "~": "changed", "-": "deleted"}


class Pager(Paginator):
    """Django's Paginator, except that the first page is read with one row more before
    anything is counted: when that holds every row (a claim's statements, notes and
    contradictions, a source's cards, most short lists) its length is the count and no
    COUNT query runs. A fuller first page is counted as before, once; `count_from` counts
    another queryset with the same rows (one without the page's joins)."""

    def __init__(self, object_list, per_page: int, *, count_from: QuerySet | None = None):
        super().__init__(object_list, per_page)
        self.count_from = count_from

    @cached_property
    def count(self) -> int:
        if self.count_from is not None:
            return self.count_from.count()
        return Paginator.count.func(self)

    def get_page(self, number) -> Page:
        if number not in (None, "", 1, "1") or "count" in self.__dict__:
            return super().get_page(number)
        rows = list(self.object_list[: self.per_page + 1])
        if len(rows) <= self.per_page:
            self.count = len(rows)  # every row is on this page
        return self._get_page(rows[: self.per_page], 1, self)


def paginate(
    request: HttpRequest, qs: QuerySet, per_page: int, param: str = "page", *, count: bool = True
) -> Page | search.Slice:
    """Page `param` of `qs`. With count=False (a search, on every keystroke) only that page
    and one row more are read, to know whether there is a next page: no count. Counted,
    a first page that holds every row is its own count (Pager)."""
    if not count:
        return search.slice_page(qs, search.page_number(request.GET.get(param)), per_page)
    return Pager(qs, per_page).get_page(request.GET.get(param))


class UnionPages:
    """The rows of a UNION ALL of querysets (the same columns, one order), read a page at a
    time: for rows [start:stop] each part is read ordered and limited to its first `stop`
    rows (through its own index), and only those, at most stop rows per part, are ordered
    again and sliced. The first `stop` rows of the union are among the first `stop` of
    each part, so a page is exactly the page of ``queryset()``, the whole union ordered,
    which a page of 25 made the database sort entirely (75,000 proposed contradictions at
    1,000,000 statements). A part is a subquery, ``SELECT * FROM (... ORDER BY ... LIMIT
    n) AS part0 UNION ALL ...``: SQLite refuses LIMIT on a compound query's own parts,
    PostgreSQL and SQLite both take it there. For Paginator (count()) and
    search.slice_page (slices)."""

    ordered = True

    def __init__(self, *parts: QuerySet, order_by: tuple[str, ...]):
        self.parts = parts
        self.order_by = order_by

    def queryset(self) -> QuerySet:
        """The plain ordered union, the same rows in the same order (read all at once)."""
        first, *rest = self.parts
        return first.union(*rest, all=True).order_by(*self.order_by)

    def count(self) -> int:
        """The parts counted apart and added up, in one query: a UNION ALL has exactly
        that many rows, and each count reads its own index where counting the union made
        the database build it first (at 1,000,000 statements on PostgreSQL, 28 ms of the
        queue's 48 before)."""
        counts, params, using = [], [], self.parts[0].db
        for n, part in enumerate(self.parts):
            try:
                sql, part_params = part.order_by().query.get_compiler(using=using).as_sql()
            except EmptyResultSet:  # a .none() part
                continue
            counts.append(f"(SELECT COUNT(*) FROM ({sql}) AS count{n})")  # noqa: S608
            params.extend(part_params)
        if not counts:
            return 0
        with connections[using].cursor() as cursor:
            cursor.execute(f"SELECT {' + '.join(counts)}", params)  # noqa: S608 - compiled above
            return cursor.fetchone()[0]

    def __iter__(self):
        return iter(self.queryset())

    def __getitem__(self, key: slice) -> list:
        if not isinstance(key, slice) or key.step is not None:
            raise TypeError("UnionPages reads slices (a page) only.")
        start, stop = key.start or 0, key.stop
        if stop is None or start < 0 or stop < 0:
            raise ValueError("UnionPages reads slices with a start and a stop, not negative.")
        if stop <= start:
            return []
        sqls, params, compiler = [], [], None
        for n, part in enumerate(self.parts):
            limited = part.order_by(*self.order_by)[:stop]
            part_compiler = limited.query.get_compiler(using=limited.db)
            try:
                sql, part_params = part_compiler.as_sql()
            except EmptyResultSet:  # a .none() part
                continue
            sqls.append(f"SELECT * FROM ({sql}) AS part{n}")  # noqa: S608 - compiled by Django
            params.extend(part_params)
            compiler = compiler or part_compiler
        if compiler is None:
            return []
        connection = connections[compiler.using]
        quote = connection.ops.quote_name
        order = ", ".join(
            f"{quote(name[1:])} DESC" if name.startswith("-") else f"{quote(name)} ASC"
            for name in self.order_by
        )
        sql = (
            f"{' UNION ALL '.join(sqls)} ORDER BY {order} "
            f"{connection.ops.limit_offset_sql(start, stop)}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        # the column values as the queryset would give them (e.g. dates from SQLite's text)
        return list(compiler.results_iter([rows], tuple_expected=True))


def statement_count(field: str) -> Coalesce:
    """Statements per row as a correlated subquery: no GROUP BY, so counting pages stays cheap."""
    counted = (
        Statement.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def marked_statements(source: Source) -> QuerySet:
    """What the highlights need, for every statement in the source: one query, value rows."""
    return (
        Statement.objects.filter(source=source, anchor_status=Statement.AnchorStatus.OK)
        .order_by("start", "-end", "id")
        .values_list(*HIGHLIGHT_FIELDS)
    )


def card_statements() -> QuerySet:
    """Statements with what a card shows: speaker, via, claim, creator, links both ways."""
    link_other = ("speaker", "source")
    return Statement.objects.select_related(
        "speaker", "via", "claim", "created_by"
    ).prefetch_related(
        Prefetch(
            "contradictions_as_first",
            queryset=Contradiction.objects.select_related(
                *(f"second__{f}" for f in link_other)
            ).order_by("id"),
        ),
        Prefetch(
            "contradictions_as_second",
            queryset=Contradiction.objects.select_related(
                *(f"first__{f}" for f in link_other)
            ).order_by("id"),
        ),
    )


def claim_statement_count(stance: str | None = None) -> Subquery:
    qs = Statement.objects.filter(claim=OuterRef("pk"))
    if stance:
        qs = qs.filter(stance=stance)
    return Subquery(
        qs.order_by().values("claim").annotate(n=Count("pk")).values("n"),
        output_field=IntegerField(),
    )


CONTRADICTION_RELATED = (
    "first__speaker",
    "first__via",
    "first__source",
    "second__speaker",
    "second__via",
    "second__source",
    "claim",
    "reviewed_by",
    "assigned_to",
    "proposed_by",
)


def contradictions_full() -> QuerySet:
    """Contradictions with everything a queue row shows (one query)."""
    return Contradiction.objects.select_related(*CONTRADICTION_RELATED).defer(
        "first__source__text",
        "first__source__notes",
        "second__source__text",
        "second__source__notes",
    )


def claims_full() -> QuerySet:
    """Claims with what a queue row shows: assignee, reviewer, statement counts."""
    return Claim.objects.select_related("assigned_to", "reviewed_by").annotate(
        n_statements=claim_statement_count(),
        n_asserts=claim_statement_count("asserts"),
        n_denies=claim_statement_count("denies"),
    )


def contradictions_on(claim: Claim) -> QuerySet:
    """Ids of the contradictions at issue on the claim or between statements about it,
    oldest first. Three indexed lookups (by claim, by first and by second statement) in a
    UNION: an OR of them made PostgreSQL scan every contradiction (40 ms at 1,000,000
    statements, twice per page with the count; 0.5 ms this way)."""
    on_claim = Statement.objects.filter(claim=claim).order_by().values("pk")
    ids = (
        Contradiction.objects.filter(claim=claim)
        .order_by()
        .values("pk")
        .union(
            Contradiction.objects.filter(first_id__in=on_claim).order_by().values("pk"),
            Contradiction.objects.filter(second_id__in=on_claim).order_by().values("pk"),
        )
    )
    return (
        Contradiction.objects.filter(pk__in=ids)
        .order_by("created_at", "id")
        .values_list("id", flat=True)
    )


def with_rows(request: HttpRequest, page: Page, editor_list: list) -> Page:
    """Replace a page of contradiction ids by their rows' HTML, cached per version of
    what each row shows (claims.caching.review_rows_html: one query on a warm cache)."""
    from claims.caching import review_rows_html

    page.object_list = review_rows_html(
        request,
        [("c", pk) for pk in page.object_list],
        editor=is_editor(request.user),
        editor_list=editor_list,
        here=request.get_full_path(),
    )
    return page


def claim_page_statements() -> QuerySet:
    """Statements as the claim page shows them: speaker, via and source loaded."""
    return Statement.objects.select_related("speaker", "via", "source").defer(
        "source__text", "source__notes"
    )


def claim_context(request: HttpRequest, claim: Claim, *, full: bool = True) -> dict:
    """What the claim page shows; with full=False only what the verdict panel and the
    notes thread need (the fragments htmx swaps)."""
    ctx = {
        "nav": "claims",
        "claim": claim,
        "notes": paginate(request, claim.notes.select_related("author"), NOTES_PER_PAGE, "npage"),
        "note_form": NoteForm(),
        "editor_list": list(editors()) if is_editor(request.user) else [],
        "verdicts": Claim.Verdict.choices,
        "here": request.get_full_path(),
    }
    if not full:
        return ctx
    from claims.caching import CLAIM_STATEMENT_FIELDS, claim_body_html

    statements = claim.statements.order_by(F("said_on").asc(nulls_last=True), "id")
    page = paginate(request, statements.values_list(*CLAIM_STATEMENT_FIELDS), STATEMENTS_PER_PAGE)
    ids = [row[0] for row in page.object_list]
    drawn = list(
        Contradiction.objects.filter(first_id__in=ids, second_id__in=ids).only(
            "id", "version", "first_id", "second_id", "kind", "status"
        )
    )
    ctx.update(
        {
            "statements": page,
            "claim_body": claim_body_html(claim, page, drawn),
            "contradictions": with_rows(
                request,
                paginate(request, contradictions_on(claim), CONTRADICTIONS_PER_PAGE, "cpage"),
                ctx["editor_list"],
            ),
        }
    )
    return ctx


# --- history: readable changes -------------------------------------------------


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    record: object
    action: str
    changes: list[FieldChange]


def fk_names(model: type[models.Model], pairs: list[tuple[str, set]]) -> dict:
    """{(field, pk): label} for the foreign keys that appear in the diffs: one query per
    related model that appears."""
    names: dict = {}
    by_model: dict[type, set] = {}
    fields: dict[str, type] = {}
    for name, ids in pairs:
        related = model._meta.get_field(name).related_model
        fields[name] = related
        by_model.setdefault(related, set()).update(i for i in ids if i is not None)
    found = {}
    for related, ids in by_model.items():
        if not ids:
            continue
        qs = related._default_manager.filter(pk__in=ids)
        if related is Source:
            qs = qs.only("pk", "title")
        elif related is Statement:
            qs = qs.select_related("speaker").only("pk", "exact", "speaker__name")
        found[related] = {obj.pk: obj for obj in qs}
    for name, related in fields.items():
        for pk, obj in found.get(related, {}).items():
            names[(name, pk)] = obj.get_username() if hasattr(obj, "get_username") else str(obj)
    return names


def _value(model, field_name: str, value, names: dict) -> str:
    if value is None or value == "":
        return "—"
    field = model._meta.get_field(field_name)
    if isinstance(field, ForeignKey):
        return f"{names.get((field_name, value), 'deleted')} (#{value})"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z")
    text = str(value)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def history_entries(model: type[models.Model], records: list, older) -> list[Entry]:
    """Entries for `records` (newest first); `older` is the record before the last one."""
    chain = [*records, older] if older is not None else list(records)
    deltas = []
    for i, record in enumerate(records):
        previous = chain[i + 1] if i + 1 < len(chain) else None
        if previous is not None and record.history_type != "+":
            deltas.append([(c.field, c.old, c.new) for c in record.diff_against(previous).changes])
        else:
            fields = [
                f.name
                for f in model._meta.fields
                if f.editable and not f.primary_key and f.name != "history"
            ]
            initial = [
                (name, None, getattr(record, model._meta.get_field(name).attname))
                for name in fields
            ]
            deltas.append([(n, o, v) for n, o, v in initial if v not in (None, "")])
    fk_ids: dict[str, set] = {}
    for delta in deltas:
        for name, old, new in delta:
            if isinstance(model._meta.get_field(name), ForeignKey):
                fk_ids.setdefault(name, set()).update({old, new})
    names = fk_names(model, list(fk_ids.items()))
    return [
        Entry(
            record,
            TYPES.get(record.history_type, record.history_type),
            _format(model, delta, names),
        )
        for record, delta in zip(records, deltas, strict=True)
    ]


def _format(model, delta: list[tuple[str, object, object]], names: dict) -> list[FieldChange]:
    return [
        FieldChange(
            str(model._meta.get_field(name).verbose_name),
            _value(model, name, old, names),
            _value(model, name, new, names),
        )
        for name, old, new in delta
    ]


def format_changes(model, delta: list[tuple[str, object, object]]) -> list[FieldChange]:
    """Readable field changes: choice labels, names for foreign keys (one query per
    related model)."""
    fk_ids: dict[str, set] = {}
    for name, old, new in delta:
        if isinstance(model._meta.get_field(name), ForeignKey):
            fk_ids.setdefault(name, set()).update({old, new})
    return _format(model, delta, fk_names(model, list(fk_ids.items())))


# --- suggested statements (the reading page's "Suggested" list) ---------------------

SUGGESTIONS_PER_PAGE = 30


def pending_suggestions(source: Source) -> QuerySet:
    from claims.models import SuggestedStatement

    return (
        SuggestedStatement.objects.filter(source=source, status=SuggestedStatement.Status.PENDING)
        .select_related("speaker", "via")
        .order_by("start", "end", "id")
    )


def suggestions_context(request: HttpRequest, source: Source) -> dict:
    """One page of the source's pending suggestions in text order, each with its UTF-16
    offsets (for the page's underlines) and its candidate claims (one query for the page)."""
    from claims import anchoring

    page = paginate(request, pending_suggestions(source), SUGGESTIONS_PER_PAGE, "spage")
    # none pending (the usual case): no empty page query to compile
    rows = list(page.object_list) if page.paginator.count else []
    wanted = {
        int(item["id"])
        for s in rows
        for item in s.candidate_claims or []
        if str(item.get("id", "")).isdigit()
    }
    texts = dict(Claim.objects.filter(pk__in=wanted).values_list("id", "text")) if wanted else {}
    for s in rows:
        s.start16 = anchoring.cp_to_utf16(source.text, s.start)
        s.end16 = anchoring.cp_to_utf16(source.text, s.end)
        s.field_prefix = f"sug{s.pk}_"
        s.candidates = [
            {"id": int(item["id"]), "text": texts[int(item["id"])], "score": item.get("score")}
            for item in s.candidate_claims or []
            if str(item.get("id", "")).isdigit() and int(item["id"]) in texts
        ]
    page.object_list = rows
    stance_choices = [("", "none"), *Statement.Stance.choices]
    return {"source": source, "suggestions": page, "stance_choices": stance_choices}


# --- search (claims/search.py holds the indexes' queries) ----------------------------------


@dataclass
class SearchGroup:
    kind: str
    label: str
    page: search.Slice


def _statement_rows(query: search.Query) -> QuerySet:
    return search.search_statements(
        Statement.objects.select_related("speaker", "via", "claim", "source").only(
            "id", "exact", "summary", "start", "source_id", "source__title",
            "speaker__name", "via__name", "claim__text", "claim_id", "stance",
        ),
        query,
    )  # fmt: skip


SEARCH_KINDS = {
    "sources": (
        "Sources",
        lambda q: search.search_sources(
            Source.objects.only("id", "title", "publisher", "published_on", "text"), q
        ),
    ),
    "statements": ("Statements", _statement_rows),
    "actors": (
        "Actors",
        lambda q: search.search_actors(
            Actor.objects.only("id", "name", "kind").prefetch_related("aliases"), q
        ),
    ),
    "claims": ("Claims", lambda q: search.search_claims(Claim.objects.all(), q)),
}


def search_groups(
    query: search.Query, *, kind: str = "", number: int = 1, per_group: int, per_page: int
) -> list[SearchGroup]:
    """The search page's groups: every kind (per_group rows each, one query per kind) or,
    with `kind`, that kind's page `number`. No count: each reads one row more than it shows.
    Matched words come highlighted (escaped) as `hl_*` attributes."""
    if not query:
        return []
    kinds = [kind] if kind in SEARCH_KINDS else list(SEARCH_KINDS)
    groups = []
    for name in kinds:
        label, rows = SEARCH_KINDS[name]
        if len(kinds) == 1:
            page = search.slice_page(rows(query), number, per_page)
        else:
            page = search.slice_page(rows(query), 1, per_group)
        _highlight(name, page.object_list, query.terms)
        groups.append(SearchGroup(name, label, page))
    return groups


def _highlight(kind: str, rows: list, terms) -> None:
    hl = search.highlight
    for row in rows:
        if kind == "sources":
            row.hl_title = hl(row.title, terms)
            row.hl_snippet = hl(row.text, terms, context=90)
        elif kind == "statements":
            row.hl_exact = hl(row.exact, terms, context=160)
            row.hl_summary = hl(row.summary, terms) if row.summary else ""
        elif kind == "actors":
            row.hl_name = hl(row.name, terms)
            row.hl_aliases = [hl(a.name, terms) for a in row.aliases.all()]
        else:
            row.hl_text = hl(row.text, terms)
