"""What a locked-out login sees (django-axes): when to try again, as a page or as JSON."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone


def lockout_response(request: HttpRequest, original_response, credentials) -> HttpResponse:
    """429 with the time the next attempt is accepted; nothing about whether the user
    exists. Each failed attempt while locked restarts the cool-off, as axes counts it."""
    cooloff = settings.AXES_COOLOFF_TIME
    retry_at = timezone.now() + cooloff
    minutes = max(1, round(cooloff.total_seconds() / 60))
    message = (
        f"Too many failed logins. Try again in {minutes} minutes "
        f"(after {timezone.localtime(retry_at):%H:%M %Z})."
    )
    if request.accepts("application/json") and not request.accepts("text/html"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(
            request,
            "registration/locked_out.html",
            {"message": message, "retry_at": retry_at, "minutes": minutes},
            status=429,
        )
    response["Retry-After"] = str(int(cooloff.total_seconds()))
    return response
