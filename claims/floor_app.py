"""The floor: a one-view Django app that `bench_pages` serves beside ours with the same
gunicorn command line, to compare resident memory per worker (and throughput) with the
least a Django process needs. It has its own settings and touches nothing of the project:

    python -m gunicorn claims.floor_app:application
"""

from __future__ import annotations

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="floor-app-has-no-secrets-and-no-sessions",  # noqa: S106
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[],
        MIDDLEWARE=[],
        DATABASES={},
        USE_TZ=True,
    )


def index(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok\n", content_type="text/plain")


urlpatterns = [path("", index), path("healthz", index)]

django.setup()
application = get_wsgi_application()
