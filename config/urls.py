from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.http import require_GET

from claims import api as claims_api


@require_GET
@login_not_required
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's): no 404."""
    return redirect(static("claims/favicon.svg"), permanent=True)


# Database trouble answers 503 with what happened; anything else the plain 500 page.
handler500 = "claims.views.errors.server_error"

urlpatterns = [
    path("", include("claims.views.health")),
    path("favicon.ico", favicon),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", claims_api.urls),
    path("", include("claims.urls")),
]
