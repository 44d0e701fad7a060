"""Whole pages cached per viewer until anything in the database changes.

The reading page, the claim page, the lists, the queue and the search are pure functions
of the database, the viewer and the request. A signed-in GET of one of them (views marked
with `@per_viewer`), asked for a second time with nothing changed, is kept, body and
headers, under a key made of:

- the *generation*: a random token that changes after every write to the database,
- the viewer's session key and CSRF cookie (the page embeds a token for that cookie),
- the host, scheme, path with its query string and htmx's request headers.

A repeated request is then answered by PageCacheMiddleware straight after the session is
read: no user, permission or data query, no template. Any change anywhere (a statement
saved, a claim renamed, a permission granted, a user deactivated) gives a new generation,
so the next request of every viewer is rendered afresh; nothing is invalidated by hand.

How every write is seen: an execute wrapper on each database connection (installed by
`watch`, from ClaimsConfig.ready) notices every statement that writes (INSERT, UPDATE,
DELETE, DDL; not SELECT, savepoints or sessions) from any path: pages, admin, API,
merges, imports, management commands, migrations. After a write outside a transaction it
draws a new generation; inside one it draws one when the transaction commits (other
connections cannot see the rows before), and also at once if this connection read the
generation since its last write (a page of the same thread or test must not be served
from before its own write). A token drawn at random, not a counter, so two servers
bumping at the same time can never leave it where a reader saw it. Writes made beside
Django (claims.backups.restore's file copy) call `bump()` themselves.

The generation lives where every worker reads it (a file beside the sessions' files on one
machine: the "generation" cache; Redis with REDIS_URL); the pages in the "pages" cache
(each worker's memory, a few hundred pages at most) or Redis. Pages with messages, pages
that set a cookie or change the session, and responses other than 200 are never kept. A
page lives at most PAGE_TIMEOUT seconds, so even a worker killed between its commit and
its bump leaves nothing stale for long.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import secrets
import zlib
from collections.abc import Callable
from functools import wraps
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.exceptions import MiddlewareNotUsed
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import re_accepts_gzip

logger = logging.getLogger(__name__)

GENERATION_KEY = "claims:pages:generation"
PAGE_TIMEOUT = 10 * 60
MARK = "claims_per_viewer"
HTMX_HEADERS = (
    "HX-Request",
    "HX-Target",
    "HX-Trigger",
    "HX-Trigger-Name",
    "HX-Boosted",
    "HX-History-Restore-Request",
)
_READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "PRAGMA", "SET ")
_READS += ("SHOW", "EXPLAIN", "VACUUM", "ANALYZE", "VALUES")
_WRITE_WORDS = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|CREATE|ALTER|DROP|TRUNCATE)\b", re.I)
_NOT_CONTENT = ('"django_session"', "django_session ")


class GenerationFileCache(FileBasedCache):
    """The "generation" cache without Redis: Django's file cache, except that a value is
    written over its file in place (one write) instead of to a new file renamed over it.

    Every write to the database renews the generation, so this write is on every save's
    path: the temporary file, its rename and the folder listing of FileBasedCache.set
    took 0.3 ms, the in-place write takes 0.01. A missing file is made by
    FileBasedCache.set, so a reader never finds it empty (an empty file counts as expired
    and is deleted). A reader that meets a write half done gets the old value, the new
    one, or (zlib's checksum fails) nothing, which _generation treats as no generation:
    never a value that was not written."""

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        expiry = pickle.dumps(self.get_backend_timeout(timeout), self.pickle_protocol)
        data = expiry + zlib.compress(pickle.dumps(value, self.pickle_protocol))
        try:
            fd = os.open(self._key_to_file(key, version), os.O_WRONLY)
        except FileNotFoundError:
            super().set(key, value, timeout, version)
            return
        try:
            os.pwrite(fd, data, 0)
            os.ftruncate(fd, len(data))
        finally:
            os.close(fd)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except (zlib.error, pickle.UnpicklingError, EOFError, ValueError):
            return default


def _shared():
    """The generation's cache: a file every worker of the machine reads, or Redis."""
    return caches["generation" if "generation" in settings.CACHES else "default"]


def _pages():
    """The pages' cache: each worker's memory, at most a few hundred pages, or Redis."""
    return caches["pages" if "pages" in settings.CACHES else "default"]


# --- the generation ----------------------------------------------------------------


def bump() -> None:
    """Draw a new generation: every page cached so far is never read again."""
    try:
        _shared().set(GENERATION_KEY, secrets.token_hex(8), None)
    except Exception:  # a cache that is down serves no page either (see _generation)
        logger.exception("Could not renew the page cache generation")


def _bump_after_commit() -> None:
    bump()


def _generation() -> str | None:
    """The current generation, read before any of the page's data (see _key)."""
    try:
        token = _shared().get(GENERATION_KEY)
        if token is None:
            bump()
            token = _shared().get(GENERATION_KEY)
    except Exception:
        logger.exception("Could not read the page cache generation")
        return None
    connection.claims_generation_read = True
    return token


def writes(sql: str) -> bool:
    """Whether this statement may change what a page shows."""
    head = sql.lstrip(" \t\r\n(")[:10].upper()
    if head.startswith("WITH"):
        return bool(_WRITE_WORDS.search(sql))
    if head.startswith(_READS):
        return False
    return not any(table in sql[:40] for table in _NOT_CONTENT)


def _changed(conn) -> None:
    if not conn.in_atomic_block:
        bump()  # autocommit: the row is already visible to every reader
        return
    if getattr(conn, "claims_generation_read", True):
        bump()  # this connection may have cached a page from before this write
        conn.claims_generation_read = False
    if not any(entry[1] is _bump_after_commit for entry in conn.run_on_commit):
        conn.on_commit(_bump_after_commit, robust=True)


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and writes(sql):
        _changed(context["connection"])
    return result


def watch(sender=None, connection=None, **kwargs) -> None:
    """connection_created receiver: watch this connection's statements for writes."""
    if connection is not None and _watch not in connection.execute_wrappers:
        # first in the list: Django's execute_wrapper() context manager pops the last one
        connection.execute_wrappers.insert(0, _watch)


# --- the views' mark and the middleware --------------------------------------------


def per_viewer(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a GET view whose page depends only on the database, the viewer and the
    request's URL and htmx headers: PageCacheMiddleware may keep it (see the module)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        setattr(response, MARK, True)
        return response

    return wrapper


class PageCacheMiddleware:
    """Just outside the compression and session middleware: answers a repeated signed-in
    GET of a page marked `@per_viewer`, as it was sent (compressed, with its headers but
    no cookie), while the database has not changed."""

    def __init__(self, get_response):
        if not settings.CLAIMS_PAGE_CACHE:
            raise MiddlewareNotUsed("DJANGO_PAGE_CACHE=0")
        self.get_response = get_response
        self.sessions = import_module(settings.SESSION_ENGINE).SessionStore

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = self._key(request)
        if key is None:
            return self.get_response(request)
        kept = _pages().get(key)
        if kept is not None:
            status, headers, content = kept
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response.headers[name] = value
            return response
        response = self.get_response(request)
        # kept the second time it is asked for in one generation: a page viewed once
        # between two writes (busy annotation) is never stored only to be dropped
        if _keepable(request, response) and not _pages().add(f"{key}:seen", 1, PAGE_TIMEOUT):
            kept = (response.status_code, list(response.items()), response.content)
            _pages().set(key, kept, PAGE_TIMEOUT)
        return response

    def _key(self, request: HttpRequest) -> str | None:
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if request.method != "GET" or not session_key:
            return None
        if CookieStorage.cookie_name in request.COOKIES:
            return None  # messages waiting: shown once, never kept
        session = self.sessions(session_key)
        if session.get(SESSION_KEY) is None or "_messages" in session:
            return None
        generation = _generation()
        if generation is None:
            return None
        parts = [
            generation,
            session_key,
            request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
            request.scheme,
            request.get_host(),
            request.get_full_path(),
            "gzip" if re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")) else "",
            *(request.headers.get(name, "") for name in HTMX_HEADERS),
        ]
        digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
        return f"claims:page:{digest}"


def _keepable(request: HttpRequest, response: HttpResponse) -> bool:
    if not getattr(response, MARK, False) or response.status_code != 200:
        return False
    if response.streaming or request.session.modified:
        return False
    # the CSRF cookie is set again on every page that holds a token (to renew its expiry):
    # the same value as the request's (part of the key) is no reason not to keep the page
    csrf = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
    for name, morsel in response.cookies.items():
        if name != settings.CSRF_COOKIE_NAME or morsel.value != csrf:
            return False
    if "no-store" in response.get("Cache-Control", ""):
        return False
    messages = getattr(request, "_messages", None)
    return not (messages is not None and getattr(messages, "_queued_messages", None))
