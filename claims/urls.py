"""URLs of the claims app. Each area keeps its routes beside its views, in
claims/views/<area>.py as `urlpatterns`; they share the "claims" namespace."""

from django.urls import include, path
from django.views.generic import RedirectView

app_name = "claims"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="claims:source_list"), name="home"),
    path("", include("claims.views.sources")),
    path("", include("claims.views.statements")),
    path("", include("claims.views.suggestions")),
    path("", include("claims.views.actors")),
    path("", include("claims.views.claims")),
    path("", include("claims.views.review")),
    path("", include("claims.views.history")),
    path("", include("claims.views.merges")),
    path("", include("claims.views.search")),
    path("", include("claims.views.tokens")),
    path("", include("claims.views.data")),
]
