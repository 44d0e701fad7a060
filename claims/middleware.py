"""Login required everywhere, htmx-aware.

Django's LoginRequiredMiddleware answers an anonymous request with a redirect to the login
page. An htmx request follows that redirect itself and swaps the login page into whatever
region asked (a card, a row): after a session expired, a login form appeared inside a
statement card and could not log in. For htmx requests the whole page is sent to the login
page instead (HX-Redirect), with `next` the page the user was on, not the fragment's URL.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.auth.middleware import LoginRequiredMiddleware as BaseLoginRequired
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect


class LoginRequiredMiddleware(BaseLoginRequired):
    def handle_no_permission(self, request: HttpRequest, view_func) -> HttpResponse:
        if request.headers.get("HX-Request") != "true":
            return super().handle_no_permission(request, view_func)
        current = request.headers.get("HX-Current-URL", "")
        next_path = "/"
        if current and url_has_allowed_host_and_scheme(
            current, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            parts = urlsplit(current)
            next_path = parts.path + (f"?{parts.query}" if parts.query else "")
        login = redirect_to_login(
            next_path,
            resolve_url(self.get_login_url(view_func)),
            self.get_redirect_field_name(view_func),
        )
        return HttpResponseClientRedirect(login["Location"])
