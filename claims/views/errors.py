"""The 500 handler. Database trouble (a full disk, a read-only database file, a lock held
too long, a server that went away) is not a bug in the request: it answers 503 with what
happened and that nothing was saved (each write runs in one transaction, so a failure rolls
it back), as a page, a line of text for htmx, or JSON for the API. Anything else is the
plain 500 page.

Rendered without the request's context processors (they query the database, which is the
thing that failed) from a template that needs nothing but static files.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, InternalError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token

UNAVAILABLE = (OperationalError, InterfaceError, InternalError)
NOTHING_SAVED = "Nothing was saved. Try again in a moment; if it keeps happening, tell an admin."
RETRY_AFTER_SECONDS = 30


def what_happened(exc: BaseException) -> str:
    """One sentence a user can act on, from the database's own error message."""
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text or "read only" in text:
        return "The database cannot be written to right now (it is read-only)."
    if "disk" in text and "full" in text or "no space" in text or "disk i/o" in text:
        return "The database's disk is full or failing."
    if "locked" in text or "lock timeout" in text or "lock_timeout" in text or "deadlock" in text:
        return "The database was busy with other changes for too long."
    if "connect" in text or "closed" in text or "terminat" in text or "shutdown" in text:
        return "The database cannot be reached."
    return "The database could not complete the request."


def database_unavailable(request: HttpRequest, exc: BaseException) -> HttpResponse:
    message = f"{what_happened(exc)} {NOTHING_SAVED}"
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "database_unavailable"}, status=503)
    elif request.headers.get("HX-Request") == "true":
        response = HttpResponse(message, content_type="text/plain; charset=utf-8", status=503)
    else:
        html = render_to_string("503.html", {"message": message})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    exc = sys.exception()
    if isinstance(exc, UNAVAILABLE):
        return database_unavailable(request, exc)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "The server failed to do this; the error is logged."}, status=500
        )
    return HttpResponse(render_to_string("500.html"), status=500)
