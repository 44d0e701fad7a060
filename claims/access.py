"""Who may see and change what.

Every signed-in member of the Researchers or Editors group (or a superuser)
sees everything; a signed-in user with no role sees nothing (403). Researchers
change their own statements; editors change any and review. Helpers raise
Http404 for what a user cannot see and PermissionDenied (403) for what they
cannot change.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

RESEARCHERS = "Researchers"
EDITORS = "Editors"

User = AbstractBaseUser | AnonymousUser


def is_member(user: User) -> bool:
    return user.is_authenticated and user.has_perm("claims.view_statement")


def is_editor(user: User) -> bool:
    return user.is_authenticated and user.has_perm("claims.review_contradiction")


def can_change_statement(user: User, statement) -> bool:
    return changeable_by(user)(statement.created_by_id)


def changeable_by(user: User) -> Callable[[int | None], bool]:
    """Whether `user` may change a statement recorded by the user with this id: the rule
    of can_change_statement with the permissions read once, for a page of statements."""
    if is_editor(user):
        return lambda created_by_id: True
    if user.is_authenticated and user.has_perm("claims.change_statement"):
        return lambda created_by_id: created_by_id == user.pk
    return lambda created_by_id: False


def require_statement_change(user: User, statement) -> None:
    if not can_change_statement(user, statement):
        raise PermissionDenied(
            "Only the researcher who recorded this statement, or an editor, may change it."
        )


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in users with a role; the login redirect comes from LoginRequiredMiddleware."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_member(request.user):
            raise PermissionDenied("Your account has no role in the claims tracker yet.")
        return view(request, *args, **kwargs)

    return wrapper


def editor_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_editor(request.user):
            raise PermissionDenied("Only editors may do this.")
        return view(request, *args, **kwargs)

    return wrapper


def mark_changeable(user, statements) -> None:
    """Set `can_change` on each statement for the templates' edit controls."""
    may_change = changeable_by(user)
    for statement in statements:
        statement.can_change = may_change(statement.created_by_id)
