"""Render once per version: a source's highlighted text and each statement card are built
once for each version of the data they show and kept in Django's cache (local memory per
process by default, Redis when REDIS_URL is set: config/settings.py).

Keys are derived from the data, not invalidated by hand. Every row carries a `version`
that goes up on each save (and on the bulk UPDATEs of merges and re-anchoring) and an
`updated_at`; a key is built from the versions of every row the fragment shows, read
with one cheap query (an aggregate for the text, value rows for a page of cards). So any
write path (pages, admin, API, merges, imports, text edits) that changes what a fragment
shows changes its key, and the old entry is simply never read again (it expires).

- Text: the source's version and text hash, and over its anchored statements the count,
  the sums of ids and versions and the latest `updated_at`, with the same for their
  speakers, via actors and claims (the highlight labels name them).
- Card: the statement's, speaker's, via's, claim's versions, the recorder's username,
  and for each contradiction touching it, its version and the other statement's, that
  statement's speaker's and source's versions. Cards differ by viewer only in the
  controls: the key holds the viewer's permission set and whether they may change it.

GENERATION (a hash of the code and templates that render these fragments) is part of
every key, so a deploy that changes them never serves HTML rendered by the old code
from a shared cache.
"""

from __future__ import annotations

import functools
import hashlib
import operator
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.context_processors import PermWrapper
from django.core.cache import cache
from django.core.paginator import Page
from django.db import connection
from django.db.models import QuerySet
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from claims.access import can_change_statement, changeable_by
from claims.highlighting import highlighted_text, highlights_for
from claims.models import Actor, Claim, Contradiction, Source, Statement
from claims.selectors import Pager

CARD_TEMPLATE = "claims/source_detail.html#card"
TIMEOUT = 60 * 60 * 24


# the files that define the routes every fragment links to (each view module holds its own)
_ROUTES = (
    "config/urls.py",
    "claims/urls.py",
    *sorted(
        f"claims/views/{p.name}" for p in (Path(settings.BASE_DIR) / "claims/views").glob("*.py")
    ),
)


def _code_hash(*paths: str) -> str:
    """A short hash of these files (relative to BASE_DIR) and of the routes' files: part of
    a fragment's key, so that HTML rendered by other code or templates, or linking to
    routes since moved, is never read from a shared cache."""
    digest = hashlib.blake2b(digest_size=6)
    base = Path(settings.BASE_DIR)
    for name in (*paths, *_ROUTES):
        path = base / name
        digest.update(path.read_bytes() if path.exists() else name.encode())
    return digest.hexdigest()


GENERATION = _code_hash(
    "templates/claims/source_detail.html",
    "claims/highlighting.py",
    "claims/caching.py",
    "claims/anchoring.py",
    "templates/claims/statement_form.html",
    "claims/forms/statements.py",
)


def _digest(parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


# --- the highlighted text ------------------------------------------------------------


# Hand-written SQL for the two key queries read on every reading page: building them with
# the ORM (ten aggregates over three joins; a UNION over eight joins) cost more CPU than
# running them. Table names come from the models; values are parameters.
#
# Both keep their joins few. PostgreSQL plans a query anew on every run, and a join of many
# tables costs more to plan than to run (the links query, as a UNION of two seven-table
# joins: 5 ms to plan, 0.5 ms to run at 1,000,000 statements); with the actors', sources'
# and claims' versions read by the statements' ids (an index lookup each) it plans in 1 ms.
# And the text key aggregates the speakers, vias and claims as sets, each read by its ids:
# joined to every statement, PostgreSQL hashed whole tables (40,000 claims read for a
# source of 2,000 statements: 80 ms).
_S, _A, _C = Statement._meta.db_table, Actor._meta.db_table, Claim._meta.db_table
_L, _SRC = Contradiction._meta.db_table, Source._meta.db_table


@functools.cache
def _text_key_sql(vendor: str) -> str:
    """One row per part (0: the anchored statements, 1: their speakers and vias, 2: their
    claims): count, sum of ids, sum of versions, last change. Any change to a statement
    (its speaker, via or claim included: each bumps its version) or to one of those actors
    or claims changes a row."""

    def among(column_sql: str) -> str:  # the ids as an array PostgreSQL looks up by index
        if vendor == "postgresql":
            return f"= ANY(ARRAY({column_sql}))"
        return f"IN ({column_sql})"

    aggregates = "COUNT(*), SUM(id), SUM(version), MAX(updated_at)"
    return f"""
WITH s AS (
    SELECT id, version, updated_at, speaker_id, via_id, claim_id FROM {_S}
    WHERE source_id = %s AND anchor_status = %s
)
SELECT 0 AS part, {aggregates} FROM s
UNION ALL
SELECT 1, {aggregates} FROM {_A}
WHERE id {among("SELECT speaker_id FROM s UNION SELECT via_id FROM s")}
UNION ALL
SELECT 2, {aggregates} FROM {_C} WHERE id {among("SELECT claim_id FROM s")}
ORDER BY part
"""  # noqa: S608 - table names from the models


def text_key(source: Source) -> str:
    """The cache key of the source's highlighted text: one aggregate query over its
    anchored statements and their speakers, vias and claims (see the module's doc)."""
    with connection.cursor() as cursor:
        cursor.execute(_text_key_sql(connection.vendor), [source.pk, Statement.AnchorStatus.OK])
        rows = cursor.fetchall()
    parts = (source.version, source.text_sha256, *(str(x) for row in rows for x in row))
    return f"claims:{GENERATION}:text:{source.pk}:{_digest(parts)}"


def text_slot(source_pk: int) -> str:
    """The one cache entry that holds a source's highlighted text: (text_key, html)."""
    return f"claims:{GENERATION}:text:{source_pk}"


def source_text_html(source: Source) -> SafeString:
    """The source's text with its highlights (claims.highlighting), cached per version.

    One entry per source, holding the key of the version it was built for: a new version
    replaces the old one. Kept under each version's own key, every save left the old text
    behind until it expired a day later (600 KB a version for a source of 2,000
    statements, in each worker's memory with the default local-memory cache)."""
    key = text_key(source)
    held = cache.get(text_slot(source.pk))
    if held is not None and held[0] == key:
        html = held[1]
    else:
        from claims.selectors import marked_statements

        html = str(highlighted_text(source.text, highlights_for(marked_statements(source))))
        cache.set(text_slot(source.pk), (key, html), TIMEOUT)
    return mark_safe(html)  # noqa: S308 - built by highlighted_text, which escapes everything


# --- statement cards -----------------------------------------------------------------

CARD_VERSION_FIELDS = (
    "id",
    "version",
    "updated_at",
    "created_by_id",
    "created_by__username",
    "speaker__version",
    "speaker__updated_at",
    "via__version",
    "via__updated_at",
    "claim__version",
    "claim__updated_at",
)


def card_versions() -> QuerySet:
    """Statements as the value rows their card keys are built from (CARD_VERSION_FIELDS)."""
    return Statement.objects.values_list(*CARD_VERSION_FIELDS)


def card_page(user, statements: QuerySet, per_page: int, number) -> Page:
    """Page `number` of `statements` (an ordered Statement queryset) as cached card HTML.
    Counted on `statements` itself (no joins) unless the first page holds them all (Pager),
    the page read as version rows."""
    rows = statements.values_list(*CARD_VERSION_FIELDS)
    page = Pager(rows, per_page, count_from=statements.order_by()).get_page(number)
    page.object_list = cards_html(user, list(page.object_list))
    return page


def _viewer(user) -> str:
    perms = getattr(user, "_claims_perm_digest", None)
    if perms is None:
        perms = _digest((user.is_superuser, sorted(user.get_all_permissions())))
        user._claims_perm_digest = perms
    return perms


_LINK_SELECT = f"""
SELECT l.id, l.first_id, l.second_id, l.version, l.updated_at,
       f.version, f.updated_at,
       (SELECT version FROM {_A} WHERE id = f.speaker_id),
       (SELECT version FROM {_SRC} WHERE id = f.source_id),
       g.version, g.updated_at,
       (SELECT version FROM {_A} WHERE id = g.speaker_id),
       (SELECT version FROM {_SRC} WHERE id = g.source_id)
FROM {_L} l
JOIN {_S} f ON f.id = l.first_id
JOIN {_S} g ON g.id = l.second_id
"""  # noqa: S608 - table names from the models


def _links_sql(n: int) -> str:
    """The links touching n statements, with the versions their cards show: a UNION ALL of the two
    indexed lookups (an OR of them scans the table on SQLite)."""
    marks = ", ".join(["%s"] * n)
    return (
        f"{_LINK_SELECT} WHERE l.first_id IN ({marks}) "
        f"UNION ALL {_LINK_SELECT} WHERE l.second_id IN ({marks})"
    )


def card_keys(user, rows: Sequence[tuple], *, prefix: str = "") -> list[str]:
    """One key per value row of card_versions(), for this viewer: one query (the links)."""
    ids = [row[0] for row in rows]
    links: dict[int, list] = {pk: [] for pk in ids}
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(_links_sql(len(ids)), [*ids, *ids])
            touching = cursor.fetchall()
        for link in sorted(set(touching)):
            for end in (link[1], link[2]):
                if end in links:
                    links[end].append(tuple(str(x) for x in link))
    viewer = _viewer(user)
    may_change = changeable_by(user)
    keys = []
    for row in rows:
        pk, created_by_id = row[0], row[3]
        can_change = may_change(created_by_id)
        parts = (tuple(str(x) for x in row), links[pk], viewer, can_change, prefix)
        keys.append(f"claims:{GENERATION}:card:{pk}:{_digest(parts)}")
    return keys


def cards_html(user, rows: Sequence[tuple], *, prefix: str = "") -> list[SafeString]:
    """The cards of card_versions() rows, in order: from the cache, the missing ones
    rendered (three queries for all of them) and stored."""
    keys = card_keys(user, rows, prefix=prefix)
    found = cache.get_many(keys)
    missing = [row[0] for row, key in zip(rows, keys, strict=True) if key not in found]
    if missing:
        from claims.selectors import card_statements

        statements = card_statements().in_bulk(missing)
        fresh = {}
        for row, key in zip(rows, keys, strict=True):
            if key not in found and row[0] in statements:
                fresh[key] = str(render_card(user, statements[row[0]], prefix=prefix))
        cache.set_many(fresh, TIMEOUT)
        found.update(fresh)
    return [mark_safe(found[key]) for key in keys if key in found]  # noqa: S308 - templates


def card_html(user, statement_id: int, *, prefix: str = "") -> SafeString | None:
    """One card by id (None if the statement is gone)."""
    rows = list(card_versions().filter(pk=statement_id))
    cards = cards_html(user, rows, prefix=prefix)
    return cards[0] if cards else None


def render_card(user, statement: Statement, *, prefix: str = "", saved: bool = False) -> str:
    """Render one card (statement loaded as selectors.card_statements() loads it, or a
    new statement with its speaker, via and claim set). Rendered without the request:
    nothing per request (no CSRF token) may go into a card that is shared."""
    statement.can_change = can_change_statement(user, statement)
    return render_to_string(
        CARD_TEMPLATE,
        {
            "statement": statement,
            "perms": PermWrapper(user),
            "card_id_prefix": prefix,
            "saved": saved,
        },
    )


def new_statement_card(user, statement: Statement, *, prefix: str = "saved-") -> str:
    """The card of a statement just created, from the object the service returned (it has
    no contradictions yet): no query to load it again."""
    # as prefetch_related would leave them, but empty lists: the template's `.all` hands
    # them over as they are, and an empty queryset would still be compiled to be evaluated
    statement._prefetched_objects_cache = {
        "contradictions_as_first": [],
        "contradictions_as_second": [],
    }
    return render_card(user, statement, prefix=prefix, saved=True)


# --- the new-statement form of the reading page ----------------------------------------

CSRF_PLACEHOLDER = "__claims_csrf_token__"


def new_statement_form_html(request, source: Source) -> SafeString:
    """The reading page's (hidden) new-statement form: the same for every viewer of the
    source but for the CSRF token, so it is rendered once per source (and code version)
    with a placeholder that each request replaces with its own token. An unbound form
    shows no data: its pickers start empty."""
    key = f"claims:{GENERATION}:newform:{source.pk}"
    html = cache.get(key)
    if html is None:
        from claims.forms.statements import StatementForm

        form = StatementForm(source=source, auto_id="new_%s")
        html = render_to_string(
            "claims/statement_form.html#form", {"form": form, "csrf_token": CSRF_PLACEHOLDER}
        )
        cache.set(key, html, TIMEOUT)
    token = get_token(request)
    return mark_safe(html.replace(CSRF_PLACEHOLDER, token))  # noqa: S308 - template + token


# --- review rows: the queue's items and the claim page's contradictions -----------------
#
# A row (templates/claims/review_queue.html#contradiction_item or #claim_item) is rendered
# once per version of what it shows and kept in the cache. Its key holds, read with one
# hand-written query per kind of row:
# - a contradiction's version and claim, the versions and ids of both statements, their
#   speakers, vias and sources, and the usernames of its proposer, reviewer and assignee;
# - a claim's version, its statement counts (all, asserting, denying) and the usernames of
#   its reviewer and assignee;
# and, per viewer, whether they are an editor and (for editors) the editor list the
# assignment <select> offers. What differs per request (the CSRF token, the `next` path)
# is rendered as a placeholder that each request replaces; the placeholders are derived
# from SECRET_KEY, so text typed into a quote cannot forge one.

ROW_TEMPLATE = "claims/review_queue.html"


ROW_GENERATION = _code_hash(
    f"templates/{ROW_TEMPLATE}", "claims/caching.py", "claims/models.py", "claims/selectors.py"
)
_SALT = hashlib.blake2b(f"claims-rows:{settings.SECRET_KEY}".encode(), digest_size=8).hexdigest()
ROW_CSRF = f"__claims_row_csrf_{_SALT}__"
ROW_HERE = f"__claims_row_here_{_SALT}__"

_U = get_user_model()._meta.db_table
_UNAME = get_user_model().USERNAME_FIELD


def _by_id(table: str, column: str, *fields: str) -> str:
    """Fields of the row `column` points to, each read by its id (see the key queries'
    note above: lookups by id instead of joins keep PostgreSQL's planning short)."""
    return ", ".join(f"(SELECT {f} FROM {table} WHERE id = {column})" for f in fields)  # noqa: S608


def _side(a: str) -> str:
    return (
        f"{a}.id, {a}.version, {a}.updated_at, "
        f"{a}.speaker_id, {_by_id(_A, f'{a}.speaker_id', 'version', 'updated_at')}, "
        f"{a}.via_id, {_by_id(_A, f'{a}.via_id', 'version', 'updated_at')}, "
        f"{a}.source_id, {_by_id(_SRC, f'{a}.source_id', 'version', 'updated_at')}"
    )


_CONTRADICTION_ROW_SQL = (
    f"SELECT l.id, l.version, l.updated_at, l.claim_id, "  # noqa: S608
    f"{_by_id(_C, 'l.claim_id', 'version', 'updated_at')}, {_side('f')}, {_side('g')}, "
    f"{_by_id(_U, 'l.proposed_by_id', _UNAME)}, {_by_id(_U, 'l.reviewed_by_id', _UNAME)}, "
    f"{_by_id(_U, 'l.assigned_to_id', _UNAME)} "
    f"FROM {_L} l JOIN {_S} f ON f.id = l.first_id JOIN {_S} g ON g.id = l.second_id "
    "WHERE l.id IN ({marks})"
)


def _count(stance: str = "") -> str:
    where = " AND n.stance = %s" if stance else ""
    return f"(SELECT COUNT(*) FROM {_S} n WHERE n.claim_id = k.id{where})"  # noqa: S608


_CLAIM_ROW_SQL = (
    f"SELECT k.id, k.version, k.updated_at, {_count()}, {_count('x')}, {_count('x')}, "  # noqa: S608
    f"rb.{_UNAME}, ab.{_UNAME} FROM {_C} k "
    f"LEFT JOIN {_U} rb ON rb.id = k.reviewed_by_id "
    f"LEFT JOIN {_U} ab ON ab.id = k.assigned_to_id "
    "WHERE k.id IN ({marks})"
)


def _version_rows(sql: str, ids: list[int], before: Sequence = ()) -> dict[int, tuple]:
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(sql.format(marks=", ".join(["%s"] * len(ids))), [*before, *ids])
        return {row[0]: tuple(str(x) for x in row) for row in cursor.fetchall()}


def _rendered_for() -> tuple:
    """What a fragment's HTML depends on besides its data: the time zone (dates), the
    language (labels, date formats) and the script prefix (links)."""
    return (timezone.get_current_timezone_name(), translation.get_language(), get_script_prefix())


def _row_viewer(editor: bool, editor_list: Sequence) -> tuple:
    who = tuple((u.pk, u.get_username()) for u in editor_list) if editor else ()
    return (editor, who, *_rendered_for())


def review_rows_html(
    request,
    rows: Sequence[tuple[str, int]],
    *,
    editor: bool,
    editor_list: Sequence = (),
    here: str = "",
) -> list[SafeString]:
    """The HTML of queue rows, in order: ("c", id) a contradiction, ("k", id) a claim.
    One query per kind for the keys; the missing rows are loaded (one query per kind),
    rendered and stored. Rows that are gone are left out."""
    from django.utils.html import conditional_escape

    from claims.selectors import claims_full, contradictions_full

    c_ids = [pk for tag, pk in rows if tag == "c"]
    k_ids = [pk for tag, pk in rows if tag == "k"]
    versions = {
        "c": _version_rows(_CONTRADICTION_ROW_SQL, c_ids),
        "k": _version_rows(
            _CLAIM_ROW_SQL, k_ids, [Statement.Stance.ASSERTS, Statement.Stance.DENIES]
        )
        if k_ids
        else {},
    }
    viewer = _row_viewer(editor, editor_list)
    keys: dict[tuple[str, int], str] = {}
    for tag, pk in rows:
        row = versions[tag].get(pk)
        if row is not None:
            digest = _digest((row, viewer))
            keys[tag, pk] = f"claims:{ROW_GENERATION}:row:{tag}:{pk}:{digest}"
    found = cache.get_many(list(keys.values()))
    missing = {tag_pk for tag_pk, key in keys.items() if key not in found}
    if missing:
        loaders = {"c": contradictions_full, "k": claims_full}
        names = {"c": ("contradiction_item", "c"), "k": ("claim_item", "cl")}
        fresh = {}
        for tag in ("c", "k"):
            want = [pk for t, pk in missing if t == tag]
            if not want:
                continue
            partial, var = names[tag]
            for obj in loaders[tag]().filter(pk__in=want):
                fresh[keys[tag, obj.pk]] = render_to_string(
                    f"{ROW_TEMPLATE}#{partial}",
                    {
                        var: obj,
                        "is_editor": editor,
                        "editor_list": editor_list,
                        "csrf_token": ROW_CSRF,
                        "here": ROW_HERE,
                    },
                )
        cache.set_many(fresh, TIMEOUT)
        found.update(fresh)
    token = get_token(request) if editor else ""
    where = str(conditional_escape(here))
    out = []
    for tag_pk in rows:
        html = found.get(keys.get(tag_pk, ""))
        if html is not None:
            if editor:
                html = html.replace(ROW_CSRF, token)
            out.append(mark_safe(html.replace(ROW_HERE, where)))  # noqa: S308 - templates
    return out


# --- the claim page's picture, statements and timeline ---------------------------------
#
# Built once per version of the claim and of the page of its statements: the key holds the
# claim's version, the statement count and page number, every statement's version with its
# speaker's, via's and source's (and their ids), and the drawn contradictions' versions,
# kinds and statuses. Nothing in it depends on the viewer.

CLAIM_BODY_TEMPLATE = "claims/claim_detail.html"
CLAIM_STATEMENT_FIELDS = (
    "id",
    "version",
    "updated_at",
    "speaker_id",
    "speaker__version",
    "speaker__updated_at",
    "via_id",
    "via__version",
    "via__updated_at",
    "source_id",
    "source__version",
    "source__updated_at",
)


CLAIM_BODY_GENERATION = _code_hash(
    f"templates/{CLAIM_BODY_TEMPLATE}", "claims/diagram.py", "claims/caching.py", "claims/models.py"
)


def claim_body_html(claim: Claim, page: Page, drawn: Sequence) -> dict[str, SafeString]:
    """The picture and the statements+timeline sections of the claim page. `page` holds
    CLAIM_STATEMENT_FIELDS rows of the claim's statements in page order; `drawn` the
    contradictions among them (id, version, first_id, second_id, kind and status loaded).
    On a miss the statements are loaded (one query) and the fragments rendered."""
    rows = [tuple(str(x) for x in row) for row in page.object_list]
    parts = (
        claim.pk,
        claim.version,
        str(claim.updated_at),
        page.number,
        page.paginator.count,
        rows,
        sorted((c.pk, c.version, c.first_id, c.second_id, c.kind, c.status) for c in drawn),
        *_rendered_for(),
    )
    key = f"claims:{CLAIM_BODY_GENERATION}:claimbody:{claim.pk}:{_digest(parts)}"
    found = cache.get(key)
    if found is None:
        from claims import diagram
        from claims.selectors import claim_page_statements

        ids = [row[0] for row in page.object_list]
        by_id = claim_page_statements().in_bulk(ids)
        on_page = [by_id[i] for i in ids if i in by_id]
        ctx = {
            "claim": claim,
            "statements": page,
            "groups": [
                (value, label, [s for s in on_page if s.stance == value])
                for value, label in Statement.Stance.choices
            ],
            "timeline": on_page,
            "diagram": diagram.build(claim, on_page, drawn) if on_page else None,
        }
        found = {
            name: render_to_string(f"{CLAIM_BODY_TEMPLATE}#{name}", ctx)
            for name in ("picture", "statements")
        }
        cache.set(key, found, TIMEOUT)
    return {name: mark_safe(html) for name, html in found.items()}  # noqa: S308 - templates


# --- list rows (the source and claim lists) ----------------------------------------------
#
# A row shows a few values of one object (a source's title, publisher, dates, count of
# statements). Its HTML is kept under a digest of exactly those values, with the viewer's
# time zone and language: a row is rendered once per set of values it shows, and no write
# path (not even a bulk UPDATE that leaves `version` alone) can leave a stale one. A row
# costs a dictionary lookup instead of about 0.07 ms of template (a URL, two dates).

LIST_ROW_GENERATION = _code_hash(
    "templates/claims/source_list.html",
    "templates/claims/claim_list.html",
    "claims/caching.py",
    "claims/models.py",
)


def list_rows_html(
    template: str, name: str, objects: Sequence, shown: Sequence[str]
) -> list[SafeString]:
    """The HTML of each object's row (the partial `template`, the object as `name`), in
    order, from the cache where the values of the attributes `shown` were rendered before."""
    values = operator.attrgetter(*shown)
    where = (template, *_rendered_for())
    keys = [f"claims:{LIST_ROW_GENERATION}:list:{_digest((values(obj), where))}" for obj in objects]
    found = cache.get_many(keys)
    fresh: dict[str, str] = {}
    out = []
    for key, obj in zip(keys, objects, strict=True):
        html = found.get(key) or fresh.get(key)
        if html is None:
            html = fresh[key] = render_to_string(template, {name: obj})
        out.append(mark_safe(html))  # noqa: S308 - rendered by the template, which escapes
    if fresh:
        cache.set_many(fresh, TIMEOUT)
    return out


# what each list's row shows (the annotations included): its key
SOURCE_ROW = ("pk", "title", "dateline", "publisher", "published_on", "n_statements", "created_at")
CLAIM_ROW = ("pk", "text", "status", "verdict", "n_statements", "n_asserts", "n_denies")


def source_rows_html(sources: Sequence[Source]) -> list[SafeString]:
    """Rows of the source list (sources annotated with n_statements)."""
    return list_rows_html("claims/source_list.html#row", "source", sources, SOURCE_ROW)


def claim_rows_html(claims: Sequence[Claim]) -> list[SafeString]:
    """Rows of the claim list (claims annotated with n_statements, n_asserts, n_denies)."""
    return list_rows_html("claims/claim_list.html#row", "claim", claims, CLAIM_ROW)
