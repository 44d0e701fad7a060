"""The reading page's text: the canonical source text split into highlighted runs.

The HTML is built here rather than in a template loop because a source may
carry thousands of statements: every character is escaped, nothing is added
between runs, so the DOM text of the container equals Source.text exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from claims import anchoring


@dataclass(frozen=True, slots=True)
class Highlight:
    statement_id: int
    start: int
    end: int
    label: str  # "Nuri al-Maliki denies: The Iraqi government sent envoys…"
    stance: str = ""


def statement_label(statement) -> str:
    """Speaker (via whom), stance and claim, as shown on hover or focus."""
    who = statement.speaker.name
    if statement.via_id:
        who += f" via {statement.via.name}"
    if statement.claim_id:
        return f"{who} {statement.stance}: {statement.claim.text}"
    return f"{who} (no claim)"


def highlights_for(statements: Iterable) -> list[Highlight]:
    return [Highlight(s.pk, s.start, s.end, statement_label(s), s.stance or "") for s in statements]


def highlighted_text(text: str, highlights: list[Highlight]) -> SafeString:
    """Escaped HTML of `text` with one <mark> per run covered by statements.

    Overlaps split into adjacent runs; each mark lists every statement covering
    it (data-statements, innermost last), is focusable, and describes its
    statements in `title` and `data-tip` (shown on hover and focus).
    """
    by_id = {h.statement_id: h for h in highlights}
    spans = [(h.start, h.end, h.statement_id) for h in highlights]
    parts: list[str] = []
    for seg in anchoring.segments(text, spans):
        body = escape(seg.text)
        if not seg.keys:
            parts.append(body)
            continue
        ids = " ".join(str(k) for k in seg.keys)
        tip = escape("\n".join(by_id[k].label for k in seg.keys))
        depth = min(len(seg.keys), 3)
        stance = by_id[seg.keys[-1]].stance or "none"
        parts.append(
            f'<mark class="hl hl-{depth} hl-{stance}" data-statements="{ids}" tabindex="0" '
            f'title="{tip}" data-tip="{tip}">{body}</mark>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped
