"""Health checks for load balancers and orchestrators.

/healthz  liveness: the process answers. No login, no database, no session, no cache.
/readyz   readiness: the database (and the cache, when it is shared) answers; 503 if not.

Both are exempt from the login middleware (login_not_required) and from the HTTPS
redirect (SECURE_REDIRECT_EXEMPT in settings), and are never cached by a proxy.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@require_safe
@login_not_required
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok\n", content_type="text/plain")


@require_safe
@login_not_required
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    problems = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("readyz: the database does not answer")
        problems.append("database")
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        try:
            cache.get("readyz-probe")
        except Exception:  # noqa: BLE001 - any failure of the shared cache means not ready
            logger.exception("readyz: the shared cache does not answer")
            problems.append("cache")
    if problems:
        return HttpResponse(
            f"not ready: {', '.join(problems)} unavailable\n".encode(),
            content_type="text/plain",
            status=503,
        )
    return HttpResponse(b"ready\n", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]
