"""Who is calling: a personal token (`Authorization: Bearer ctk_...`, no CSRF) or the
browser's session (CSRF checked on writes, as on the pages). Either way the user needs a
role (Researchers or Editors), as everywhere in the app.

A request that names a token is decided by the token alone: an unknown, malformed or
revoked one answers 401 even when a session cookie came along.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from claims.access import is_member
from claims.services.tokens import api_token_user

NO_ROLE = "Your account has no role in the claims tracker yet."


def _member(user):
    # a token's query already found the role (services.tokens): no permission queries
    if getattr(user, "role_checked", False):
        return user
    if not is_member(user):
        raise HttpError(403, NO_ROLE)
    return user


class TokenAuth(HttpBearer):
    """Personal API tokens, made on /account/tokens/."""

    def __call__(self, request: HttpRequest):
        header = request.headers.get("Authorization")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError(message="Send the token as `Authorization: Bearer <token>`.")
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_user(secret=token)
        if user is None:
            raise AuthenticationError(message="This API token is unknown or has been revoked.")
        request.user = user  # services and history see who acts
        return _member(user)


class SessionAuth(APIKeyCookie):
    """The signed-in browser: the session cookie, with Django's CSRF check on writes."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise HttpError(
                403,
                "CSRF check failed: a signed-in browser sends the X-CSRFToken header; "
                "scripts use a personal token instead.",
            )
        return _member(user)

    def authenticate(self, request: HttpRequest, key: str | None):  # pragma: no cover
        return None  # __call__ decides


def docs_access(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The OpenAPI document and the docs page: a member's session or a valid token;
    anonymous browsers go to the login page, like every other page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.headers.get("Authorization"):
            try:
                TokenAuth()(request)
            except (AuthenticationError, HttpError) as exc:
                return JsonResponse({"detail": str(exc)}, status=exc.status_code)
        elif not request.user.is_authenticated:
            if request.path.endswith(".json"):
                return JsonResponse({"detail": "Sign in or send a token."}, status=401)
            return redirect_to_login(request.get_full_path())
        if not is_member(request.user):
            raise PermissionDenied(NO_ROLE)
        return view(request, *args, **kwargs)

    return wrapper


def require_perm(request: HttpRequest, perm: str, message: str = "") -> None:
    """403 unless the user's role grants `perm` (claims.add_source, ...)."""
    if not request.user.has_perm(perm):
        raise PermissionDenied(message or "Your role does not allow this.")
