"""The reading page's text: the canonical source text split into highlighted runs.

The HTML is built here rather than in a template loop because a source may
carry thousands of statements: every character is escaped, nothing is added
between runs, so the DOM text of the container equals Source.text exactly.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from claims import anchoring

TIP_STATEMENTS = 2


@dataclass(frozen=True, slots=True)
class Highlight:
    statement_id: int
    start: int
    end: int
    label: str  # "Nuri al-Maliki denies: The Iraqi government sent envoys…"
    stance: str = ""


HIGHLIGHT_FIELDS = ("id", "start", "end", "stance", "speaker__name", "via__name", "claim__text")


def highlights_for(rows: Iterable[tuple]) -> list[Highlight]:
    """Highlights from value rows in HIGHLIGHT_FIELDS order (no model instances: fast).

    The label is what hover and focus show: speaker (via whom), stance and claim.
    """
    out = []
    for pk, start, end, stance, speaker, via, claim in rows:
        who = f"{speaker} via {via}" if via else speaker
        label = f"{who} {stance}: {anchoring._short(claim, 80)}" if claim else f"{who} (no claim)"
        out.append(Highlight(pk, start, end, label, stance or ""))
    return out


def highlighted_text(text: str, highlights: list[Highlight]) -> SafeString:
    """Escaped HTML of `text` with one <mark> per run covered by statements.

    Overlaps split into adjacent runs; each mark lists every statement covering
    it (data-statements, innermost last), is focusable, and describes its
    statements in `title` (shown on hover, and on focus by annotate.css):
    the innermost few, so that deep overlaps do not bloat the page.
    """
    by_id = {h.statement_id: h for h in highlights}
    spans = [(h.start, h.end, h.statement_id) for h in highlights]
    opening: dict[tuple, str] = {}  # the <mark ...> tag per set of statements
    parts: list[str] = []
    for seg in anchoring.segments(text, spans):
        body = html.escape(seg.text)
        if not seg.keys:
            parts.append(body)
            continue
        tag = opening.get(seg.keys)
        if tag is None:
            tag = opening[seg.keys] = _mark_tag(seg.keys, by_id)
        parts.append(f"{tag}{body}</mark>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped (html.escape)


def _mark_tag(keys: tuple, by_id: dict) -> str:
    ids = " ".join(str(k) for k in keys)
    shown = keys[-TIP_STATEMENTS:][::-1]
    tip = "\n".join(by_id[k].label for k in shown)
    if len(keys) > len(shown):
        tip += f"\n… and {len(keys) - len(shown)} more"
    depth = min(len(keys), 3)
    stance = by_id[keys[-1]].stance or "none"
    return (
        f'<mark class="hl hl-{depth} hl-{stance}" data-statements="{ids}" tabindex="0" '
        f'title="{html.escape(tip)}">'
    )
