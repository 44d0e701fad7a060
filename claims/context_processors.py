from functools import cache

from django.http import HttpRequest

from .access import is_editor, is_member


def navigation(request: HttpRequest) -> dict:
    """Role flags for the navigation bar; the review count is computed lazily, once per
    response (one query, only when a template shows it)."""
    user = getattr(request, "user", None)
    if user is None or not is_member(user):
        return {}

    @cache
    def review_waiting() -> int:
        from .services.review import waiting_count

        return waiting_count()

    return {"is_member": True, "is_editor": is_editor(user), "review_waiting": review_waiting}
