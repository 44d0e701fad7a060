"""`{% export_links source=... %}` / `{% export_links claim=... %}`: the download links of
one source or one claim in every export format (they stream; see claims/views/data.py)."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def export_links(*, source=None, claim=None) -> SafeString:
    if source is not None:
        return _links(f"source={source.pk}", "this source", get_script_prefix())
    if claim is not None:
        return _links(f"claim={claim.pk}", "this claim's dispute", get_script_prefix())
    raise template.TemplateSyntaxError("export_links needs source= or claim=")


@lru_cache(maxsize=1024)
def _links(scope: str, noun: str, prefix: str) -> SafeString:
    """Rendered once per process for each source or claim: nothing in it changes."""
    from claims.services.exports import EXPORT_FORMATS

    html = render_to_string(
        "claims/export_links.html",
        {"formats": list(EXPORT_FORMATS.values()), "scope": scope, "noun": noun},
    )
    return mark_safe(html)  # noqa: S308 - a template's output
