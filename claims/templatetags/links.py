"""Links without a reverse() per row: `{{ pk|pk_url:"claims:actor_detail" }}`.

A page of cards links each card to its speaker, claim, history, edit and delete pages;
`{% url %}` resolves the pattern again for every one of them. Here each URL name is
reversed once per process (and script prefix) with a placeholder, and the page only
puts the id in.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse

register = template.Library()

_PLACEHOLDER = 987654321987


@lru_cache(maxsize=256)
def _halves(name: str, prefix: str) -> tuple[str, str]:
    url = reverse(name, args=[_PLACEHOLDER])
    head, _, tail = url.partition(str(_PLACEHOLDER))
    return head, tail


def pk_url(pk: int | str, name: str) -> str:
    """The URL of the view `name` whose only argument is the integer `pk`."""
    head, tail = _halves(name, get_script_prefix())
    return f"{head}{int(pk)}{tail}"


register.filter("pk_url", pk_url)
