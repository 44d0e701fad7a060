"""`{% export_links source=... %}` / `{% export_links claim=... %}`: the download links of
one source or one claim in every export format (they stream; see claims/views/data.py)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("claims/export_links.html")
def export_links(*, source=None, claim=None) -> dict:
    from claims.services.exports import EXPORT_FORMATS

    if source is not None:
        scope, noun = f"source={source.pk}", "this source"
    elif claim is not None:
        scope, noun = f"claim={claim.pk}", "this claim's dispute"
    else:
        raise template.TemplateSyntaxError("export_links needs source= or claim=")
    return {"formats": list(EXPORT_FORMATS.values()), "scope": scope, "noun": noun}
