from django.http import HttpRequest

from .access import is_editor, is_member


def navigation(request: HttpRequest) -> dict:
    """Role flags for the navigation bar; the review count is computed lazily (one query)."""
    user = getattr(request, "user", None)
    if user is None or not is_member(user):
        return {}

    def review_waiting() -> int:
        from .models import Claim, Contradiction

        return (
            Contradiction.objects.filter(status=Contradiction.Status.PROPOSED)
            .values("pk")
            .union(Claim.objects.filter(status=Claim.Status.DISPUTED).values("pk"), all=True)
            .count()
        )

    return {"is_editor": is_editor(user), "review_waiting": review_waiting}
