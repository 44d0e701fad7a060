from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import URLResolver, include, path
from django.urls.resolvers import RoutePattern
from django.views.decorators.http import require_GET


@require_GET
@login_not_required
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's): no 404."""
    return redirect(static("claims/favicon.svg"), permanent=True)


class LazyURLResolver(URLResolver):
    """An include whose URLconf module is imported when a request or a reverse() first
    reaches it, not when the root URLconf loads. The root resolver's populate (run by any
    reverse()) calls each child's _populate: for a namespaced child it needs only the
    app_name and namespace, which this one has without its module. Resolving a path under
    its prefix imports the module (url_patterns); reversing one of its names does too
    (reverse_dict and the rest below)."""

    def _loaded(self) -> bool:
        return "urlconf_module" in self.__dict__  # the cached_property has run

    def _load(self) -> None:
        self.urlconf_module  # noqa: B018 (imports it)

    def _populate(self) -> None:
        if self._loaded():
            super()._populate()

    @property
    def reverse_dict(self):
        self._load()
        return super().reverse_dict

    @property
    def namespace_dict(self):
        self._load()
        return super().namespace_dict

    @property
    def app_dict(self):
        self._load()
        return super().app_dict

    def _is_callback(self, name) -> bool:
        self._load()
        return super()._is_callback(name)

    def _reverse_with_prefix(self, lookup_view, _prefix, *args, **kwargs):
        self._load()
        return super()._reverse_with_prefix(lookup_view, _prefix, *args, **kwargs)


def lazy_include(route: str, urlconf: str, *, app_name: str, namespace: str) -> URLResolver:
    """path(route, include(urlconf)) with the module imported on first use."""
    return LazyURLResolver(
        RoutePattern(route, is_endpoint=False), urlconf, app_name=app_name, namespace=namespace
    )


# Database trouble answers 503 with what happened; anything else the plain 500 page.
handler500 = "claims.views.errors.server_error"

urlpatterns = [
    path("", include("claims.views.health")),
    path("favicon.ico", favicon),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # django-ninja and the API's pydantic schemas load with the first API request (or
    # reverse() of an "api:" name): ninja's urls are (patterns, "ninja", "api")
    lazy_include("api/", "claims.api.urlconf", app_name="ninja", namespace="api"),
    path("", include("claims.urls")),
]
