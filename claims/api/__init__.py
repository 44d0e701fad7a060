"""The HTTP API: django-ninja, mounted at /api/ (config/urls.py).

OpenAPI 3 at /api/openapi.json, interactive docs at /api/docs (Swagger UI served from
ninja's package by the app itself, under the project's CSP). Authentication: a personal
token or the browser session (claims.api.auth). Every endpoint calls the selectors and
services the pages use, so permissions, version checks and validation are the same.

Errors are JSON `{"detail": ..., "errors": {field: [messages]}}`: 401 no or bad token,
403 not allowed, 404 unknown id, 409 a stale version or a duplicate (with the current
record as `current`), 422 bad input.
"""

from __future__ import annotations

import re

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import DocsBase

from claims import anchoring
from claims.api import actors, claims, contradictions, notes, review, sources, statements
from claims.api.auth import SessionAuth, TokenAuth, docs_access
from claims.services import records
from claims.services.review import EditConflict
from claims.services.statements import StatementConflict

# the parameter names endpoints give their body and query schemas: not part of a field's name
PARAM_NAMES = {"payload", "filters"}
LOCATIONS = {"body", "query", "path", "header", "cookie", "form"}
# pydantic names the member of a union that failed after the field ("stance.literal[...]",
# "aliases.list[str]", "when.function-after[...]"): not part of the field's name
UNION_TAG = re.compile(
    r"^[a-z][a-z0-9_-]*\[.*\]$|^(?:str|int|float|bool|date|datetime|none|dict|list)$"
)


class Docs(DocsBase):
    """Swagger UI from ninja's static files (no CDN), its settings in a JSON data block
    and started by ninja's own swagger-ui-init.js: no inline script or style."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs) -> HttpResponse:
        settings = {
            "url": self.get_openapi_url(api, kwargs),
            "layout": "BaseLayout",
            "deepLinking": False,  # its links inside buttons are nested interactive elements
            "persistAuthorization": False,
        }
        return render(request, "claims/api_docs.html", {"api": api, "swagger_settings": settings})


api = NinjaAPI(
    title="Claims tracker API",
    version="1",
    description=(
        "Sources, actors, claims, statements, contradictions, notes and review decisions. "
        "Authenticate with a personal token (`Authorization: Bearer ctk_...`, made on "
        "/account/tokens/) or, in the browser, the signed-in session (writes then need the "
        "X-CSRFToken header). Offsets of statements are code points (`start`, `end`) and "
        "UTF-16 code units (`start_utf16`, `end_utf16`); a new statement says which it sends."
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    docs=Docs(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=docs_access,
)

api.add_router("/sources/", sources.router, tags=["sources"])
api.add_router("/actors/", actors.router, tags=["actors"])
api.add_router("/claims/", claims.router, tags=["claims"])
api.add_router("/statements/", statements.router, tags=["statements"])
api.add_router("/contradictions/", contradictions.router, tags=["contradictions"])
api.add_router("/notes/", notes.router, tags=["notes"])
api.add_router("/review/", review.router, tags=["review decisions"])

# How a conflict shows the record as it is now: {model: function(pk) -> dict}
CURRENT = {
    **sources.CURRENT,
    **actors.CURRENT,
    **claims.CURRENT,
    **statements.CURRENT,
    **contradictions.CURRENT,
}


def _error(request, status: int, detail: str, errors: dict | None = None, **extra):
    return api.create_response(
        request, {"detail": detail, "errors": errors or {}, **extra}, status=status
    )


def _field(loc) -> str:
    parts = [str(p) for p in loc]
    while parts and parts[0] in LOCATIONS:
        parts.pop(0)
    if len(parts) > 1 and parts[0] in PARAM_NAMES:
        parts.pop(0)
    if parts and parts[0] in PARAM_NAMES:
        return "__all__"
    parts = parts[:1] + [p for p in parts[1:] if not UNION_TAG.match(p)]
    return ".".join(parts) or "__all__"


@api.exception_handler(NinjaValidationError)
def on_bad_input(request, exc: NinjaValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        message = str(error.get("msg", "Invalid value."))
        messages = errors.setdefault(_field(error.get("loc", ())), [])
        if message not in messages:
            messages.append(message)
    return _error(request, 422, "The request has invalid fields.", errors)


@api.exception_handler(ValidationError)
def on_invalid(request, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        errors = {field: list(messages) for field, messages in exc.message_dict.items()}
    else:
        errors = {"__all__": list(exc.messages)}
    first = next(iter(errors.values()))[0]
    return _error(request, 422, first, errors)


@api.exception_handler(anchoring.AnchorError)
def on_bad_anchor(request, exc: anchoring.AnchorError):
    message = f"The span cannot be placed in the text: {exc}"
    return _error(request, 422, message, {"exact": [message]})


def _current(obj) -> dict | None:
    serialize = CURRENT.get(type(obj))
    return serialize(obj.pk) if serialize is not None else None


@api.exception_handler(EditConflict)
@api.exception_handler(StatementConflict)
def on_conflict(request, exc):
    current = exc.current
    submitted = exc.submitted_version
    detail = (
        f"This {current._meta.verbose_name} changed since version {submitted}: it is now at "
        f"version {current.version}. Read `current`, then send your change again with its "
        "version."
        if submitted is not None
        else "Send the `version` of the record you read."
    )
    return _error(request, 409, detail, current=_current(current))


@api.exception_handler(records.Duplicate)
def on_duplicate(request, exc: records.Duplicate):
    return _error(request, 409, str(exc), current=_current(exc.current))


@api.exception_handler(records.InUse)
def on_in_use(request, exc: records.InUse):
    return _error(request, 409, str(exc))


@api.exception_handler(IntegrityError)
def on_integrity(request, exc: IntegrityError):
    return _error(request, 409, "The change conflicts with data recorded meanwhile; try again.")


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc: PermissionDenied):
    return _error(request, 403, str(exc) or "You may not do this.")


@api.exception_handler(Http404)
@api.exception_handler(ObjectDoesNotExist)
def on_not_found(request, exc):
    detail = str(exc) if isinstance(exc, Http404) and str(exc) else "Not found."
    return _error(request, 404, detail)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    detail = str(exc)
    if exc.status_code == 400 and detail.startswith("Cannot parse request body"):
        detail = "The request body is not valid JSON."
    return _error(request, exc.status_code, detail)


def _open_to_token_clients(patterns) -> None:
    """API views answer for themselves (401/403 JSON, the docs redirect to the login page):
    Django's LoginRequiredMiddleware must not send token clients to the login form."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _open_to_token_clients(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name != "api-root":
            pattern.callback.login_required = False


@csrf_exempt  # it writes nothing; a token client sends no CSRF token
def unknown_address(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /api/ (an id that is not a whole number, a typo) answers as
    the API does, with JSON, not with the HTML 404 page."""
    return JsonResponse(
        {
            "detail": f"There is no API operation at {request.path} (ids are whole numbers; "
            "the operations are listed at /api/docs).",
            "errors": {},
        },
        status=404,
    )


urls = api.urls
urls[0].append(re_path(r"^(?P<rest>.*)$", unknown_address, name="api-unknown"))
_open_to_token_clients(urls[0])
