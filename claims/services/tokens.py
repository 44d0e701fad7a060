"""Personal API tokens: made by their user (the tokens page) and revoked by the user or
an admin. Only the sha256 of a token is stored; the secret is returned once, at creation.

A token reads `ctk_<prefix>.<secret>`: the prefix (12 hex digits) finds the row, the sha256
of the whole token is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils import timezone

from claims.models import ApiToken

TOKEN_RE = re.compile(r"^ctk_(?P<prefix>[0-9a-f]{12})\.(?P<secret>[A-Za-z0-9_-]{20,100})$")
LAST_USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most once a minute
MAX_ACTIVE = 20
MEMBER_PERMISSION = "claims.view_statement"  # claims.access.is_member


def _has_role():
    """Whether the token's user holds the permission every role has (view_statement),
    directly or through a group: has_perm's answer for an active user, as a subquery."""
    app, codename = MEMBER_PERMISSION.split(".")
    grants = Permission.objects.filter(content_type__app_label=app, codename=codename)
    return Exists(grants.filter(group__user=OuterRef("user_id"))) | Exists(
        grants.filter(user=OuterRef("user_id"))
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns (token row, the secret to show once)."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. the script that will use it."})
    if len(name) > 100:
        raise ValidationError({"name": "Keep the name under 100 characters."})
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE:
        raise ValidationError(
            {"name": f"You have {MAX_ACTIVE} active tokens; revoke one you no longer use."}
        )
    while True:
        prefix = secrets.token_hex(6)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    secret = f"ctk_{prefix}.{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, key_hash=_digest(secret))
    return token, secret


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_user(*, secret: str):
    """The active user the token belongs to, or None (unknown, malformed or revoked)."""
    match = TOKEN_RE.match(secret or "")
    if match is None:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(prefix=match["prefix"], revoked_at__isnull=True)
        .annotate(member=_has_role())
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, _digest(secret)):
        return None
    if not token.user.is_active:
        return None
    # what claims.access.is_member asks of has_perm, read in the same query (True only:
    # a False is checked again the usual way)
    token.user.role_checked = bool(token.member or token.user.is_superuser)
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
