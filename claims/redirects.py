"""Where a form sends the user after a plain POST: a `next` value, if it is a local path."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def next_path(request: HttpRequest, default: str) -> str:
    """The POSTed (or queried) `next` when it is a path on this site ("/..."), else
    `default`. Anything else (`foo`, `//evil.example`, `https://...`, `javascript:`) is
    ignored rather than followed or resolved as a view name."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default
