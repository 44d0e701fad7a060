"""The project's URLs under /prefixed/: a second URLconf for tests/test_request_overhead.py."""

from django.urls import include, path

urlpatterns = [path("prefixed/", include("config.urls"))]
