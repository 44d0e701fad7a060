"""Writes on sources that span models."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from claims import anchoring
from claims.compiled import locked_value
from claims.models import Source, Statement

ANCHOR_FIELDS = ["start", "end", "exact", "prefix", "suffix", "anchor_status"]


@transaction.atomic
def source_update_text(*, source: Source, text: str, user) -> anchoring.Reanchored:
    """Replace a source's text and re-anchor its statements, in one transaction.

    The text is normalised (NFC, LF); NUL is refused with a ValidationError.
    Statements whose quote is re-found in the new text move to it; the ones
    that cannot be re-found keep their old span and get anchor_status "lost"
    for an editor to repair: they are never moved to a guess. The source is
    saved with every field it carries (the admin passes the edited instance).
    Returns what reanchor found: placed {statement id: Anchor} and lost [ids].
    """
    try:
        text = anchoring.normalize_text(text)
    except anchoring.TextError as exc:
        raise ValidationError({"text": str(exc)}) from None
    if not text:
        raise ValidationError({"text": "The text cannot be empty."})

    # The source's row first (statement_create verifies spans under the same lock, so a
    # statement saved meanwhile is checked against the new text), then its statements.
    old_text = locked_value(Source, source.pk, "text")
    statements = list(
        Statement.objects.select_for_update().filter(source_id=source.pk).order_by("pk")
    )
    result = anchoring.reanchor(text, [(st.pk, st.anchor) for st in statements], old_text=old_text)

    source.text = text
    source._history_user = user
    source.save()

    now = timezone.now()
    changed = []
    for st in statements:
        if st.pk in result.placed:
            a = result.placed[st.pk]
            new = (a.start, a.end, a.exact, a.prefix, a.suffix, Statement.AnchorStatus.OK)
        else:
            new = (st.start, st.end, st.exact, st.prefix, st.suffix, Statement.AnchorStatus.LOST)
        if new == tuple(getattr(st, f) for f in ANCHOR_FIELDS):
            continue
        for field, value in zip(ANCHOR_FIELDS, new, strict=True):
            setattr(st, field, value)
        st.version += 1
        st.updated_at = now
        changed.append(st)
    if changed:
        bulk_update_with_history(
            changed,
            Statement,
            [*ANCHOR_FIELDS, "version", "updated_at"],
            batch_size=500,
            default_user=user,
            default_change_reason="re-anchored after the source text changed",
        )
    return result
