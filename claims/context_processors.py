from functools import cache

from django.http import HttpRequest

from .access import is_editor, is_member

BADGE_CAP = 1000  # the review badge counts up to this many items of each kind, then says 999+


def navigation(request: HttpRequest) -> dict:
    """Role flags for the navigation bar; the review count is computed lazily, once per
    response (one query, only when a template shows it), and capped: the badge says "999+"
    past BADGE_CAP items of one kind, so its cost does not follow a large backlog."""
    user = getattr(request, "user", None)
    if user is None or not is_member(user):
        return {}

    @cache
    def review_waiting() -> str:
        from .services.review import waiting_count

        n = waiting_count(cap=BADGE_CAP)
        if n >= BADGE_CAP:
            return f"{BADGE_CAP - 1}+"
        return str(n) if n else ""

    return {"is_member": True, "is_editor": is_editor(user), "review_waiting": review_waiting}
