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

import hashlib
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth.context_processors import PermWrapper
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, QuerySet, Sum
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from claims.access import can_change_statement
from claims.highlighting import highlighted_text, highlights_for
from claims.models import Contradiction, Source, Statement

CARD_TEMPLATE = "claims/source_detail.html#card"
TIMEOUT = 60 * 60 * 24


def _generation() -> str:
    digest = hashlib.blake2b(digest_size=6)
    base = Path(settings.BASE_DIR)
    for name in (
        "templates/claims/source_detail.html",
        "claims/highlighting.py",
        "claims/caching.py",
        "claims/anchoring.py",
    ):
        path = base / name
        digest.update(path.read_bytes() if path.exists() else name.encode())
    return digest.hexdigest()


GENERATION = _generation()


def _digest(parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


# --- the highlighted text ------------------------------------------------------------


def text_key(source: Source) -> str:
    """The cache key of the source's highlighted text: one aggregate query."""
    agg = Statement.objects.filter(
        source_id=source.pk, anchor_status=Statement.AnchorStatus.OK
    ).aggregate(
        n=Count("id"),
        ids=Sum("id"),
        v=Sum("version"),
        t=Max("updated_at"),
        sv=Sum("speaker__version"),
        st=Max("speaker__updated_at"),
        vv=Sum("via__version"),
        vt=Max("via__updated_at"),
        cv=Sum("claim__version"),
        ct=Max("claim__updated_at"),
    )
    parts = (source.version, source.text_sha256, *(str(agg[k]) for k in sorted(agg)))
    return f"claims:{GENERATION}:text:{source.pk}:{_digest(parts)}"


def source_text_html(source: Source) -> SafeString:
    """The source's text with its highlights (claims.highlighting), cached per version."""
    key = text_key(source)
    html = cache.get(key)
    if html is None:
        from claims.selectors import marked_statements

        html = highlighted_text(source.text, highlights_for(marked_statements(source)))
        cache.set(key, str(html), TIMEOUT)
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
LINK_VERSION_FIELDS = (
    "id",
    "first_id",
    "second_id",
    "version",
    "updated_at",
    *(
        f"{side}__{field}"
        for side in ("first", "second")
        for field in ("version", "updated_at", "speaker__version", "source__version")
    ),
)


def card_versions() -> QuerySet:
    """Statements as the value rows their card keys are built from (CARD_VERSION_FIELDS)."""
    return Statement.objects.values_list(*CARD_VERSION_FIELDS)


def card_page(user, statements: QuerySet, per_page: int, number) -> Page:
    """Page `number` of `statements` (an ordered Statement queryset) as cached card HTML.
    Counted on `statements` itself (no joins), the page read as version rows."""
    paginator = Paginator(statements.values_list(*CARD_VERSION_FIELDS), per_page)
    paginator.count = statements.order_by().count()
    page = paginator.get_page(number)
    page.object_list = cards_html(user, list(page.object_list))
    return page


def _viewer(user) -> str:
    perms = getattr(user, "_claims_perm_digest", None)
    if perms is None:
        perms = _digest((user.is_superuser, sorted(user.get_all_permissions())))
        user._claims_perm_digest = perms
    return perms


def card_keys(user, rows: Sequence[tuple], *, prefix: str = "") -> list[str]:
    """One key per value row of card_versions(), for this viewer: one query (the links)."""
    ids = [row[0] for row in rows]
    links: dict[int, list] = {pk: [] for pk in ids}
    if ids:
        # a UNION of the two indexed lookups: an OR of them scans the table on SQLite
        as_first = Contradiction.objects.filter(first_id__in=ids).order_by()
        as_second = Contradiction.objects.filter(second_id__in=ids).order_by()
        touching = (
            as_first.values_list(*LINK_VERSION_FIELDS)
            .union(as_second.values_list(*LINK_VERSION_FIELDS), all=True)
            .order_by()
        )
        for link in sorted(set(touching)):
            for end in (link[1], link[2]):
                if end in links:
                    links[end].append(tuple(str(x) for x in link))
    viewer = _viewer(user)
    keys = []
    for row in rows:
        pk, created_by_id = row[0], row[3]
        can_change = can_change_statement(user, SimpleNamespace(created_by_id=created_by_id))
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
    statement._prefetched_objects_cache = {
        "contradictions_as_first": Contradiction.objects.none(),
        "contradictions_as_second": Contradiction.objects.none(),
    }
    return render_card(user, statement, prefix=prefix, saved=True)
