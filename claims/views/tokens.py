"""Personal API tokens: the user's own list, make one (its secret shown once), revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from claims.access import member_required
from claims.models import ApiToken
from claims.services.tokens import api_token_create, api_token_revoke


def _page(request: HttpRequest, *, secret: str = "", error: str = "", name: str = "", status=200):
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at", "-id")
    ctx = {"tokens": tokens, "secret": secret, "error": error, "name": name, "nav": "tokens"}
    return render(request, "claims/tokens.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@member_required
def token_list(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    name = request.POST.get("name", "")
    try:
        _, secret = api_token_create(user=request.user, name=name)
    except ValidationError as exc:
        return _page(request, error=" ".join(exc.messages), name=name[:100], status=422)
    return _page(request, secret=secret, status=201)


@require_POST
@member_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)  # others' tokens: 404
    api_token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("claims:api_tokens")


urlpatterns = [
    path("account/tokens/", token_list, name="api_tokens"),
    path("account/tokens/<int:pk>/revoke/", token_revoke, name="api_token_revoke"),
]
