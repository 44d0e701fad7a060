"""Text anchoring: pure Python, no Django.

Offsets are Unicode code points of the canonical source text (Python string
indexes). Browsers measure in UTF-16 code units; the helpers here convert.
An anchor carries both a position (start/end, as a W3C TextPositionSelector)
and a quote (exact/prefix/suffix, as a TextQuoteSelector), so it can be
verified, and re-found after the text changes.
"""

from __future__ import annotations

import bisect
import difflib
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

CONTEXT = 32


class AnchorError(ValueError):
    """A span or quote that cannot be placed in the text; the message is for users."""


class TextError(ValueError):
    """Text that cannot be accepted as a source; the message is for users."""


@dataclass(frozen=True, slots=True)
class Anchor:
    start: int
    end: int
    exact: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text covered by the same set of spans (keys in span order)."""

    start: int
    end: int
    text: str
    keys: tuple = field(default=())


# --- normalising -------------------------------------------------------------


def normalize_text(raw: str) -> str:
    """Canonical form of a source text: NFC, LF line ends, no NUL.

    Nothing is stripped: leading and trailing whitespace stay where they are.
    """
    if "\x00" in raw:
        raise TextError("The text contains NUL characters; it looks like a binary file.")
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def decode_text(data: bytes) -> str:
    """Decode uploaded bytes as UTF-8 (a BOM is dropped) or UTF-16 with a BOM."""
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise TextError(
            f"The file is not valid UTF-8 text (undecodable byte at position {exc.start})."
        ) from None
    if "\x00" in text:
        raise TextError("The file contains NUL bytes; it looks like a binary file.")
    return text


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- offsets -------------------------------------------------------------------


def cp_to_utf16(text: str, offset: int) -> int:
    """Code-point offset -> UTF-16 code-unit offset."""
    if not 0 <= offset <= len(text):
        raise AnchorError(f"Offset {offset} is outside the text (0 to {len(text)}).")
    return len(text[:offset].encode("utf-16-le")) // 2


def utf16_to_cp(text: str, offset: int) -> int:
    """UTF-16 code-unit offset -> code-point offset; refuses the middle of a pair.

    Only the text up to the offset is encoded: a code point is one or two UTF-16 units,
    so the first `offset` code points hold at least `offset` units (a selection near the
    start of a long text does not encode all of it)."""
    head = text[: max(offset, 0)].encode("utf-16-le")[: offset * 2]
    if offset < 0 or len(head) < offset * 2:
        length = len(text.encode("utf-16-le")) // 2
        raise AnchorError(f"Offset {offset} is outside the text (0 to {length}).")
    if head and 0xD8 <= head[-1] <= 0xDB:
        raise AnchorError(f"Offset {offset} falls inside a character (a surrogate pair).")
    return len(head.decode("utf-16-le"))


# --- building and verifying anchors --------------------------------------------


def make_anchor(text: str, start: int, end: int, context: int = CONTEXT) -> Anchor:
    """The anchor of text[start:end], with its prefix and suffix."""
    check_span(text, start, end)
    return Anchor(
        start=start,
        end=end,
        exact=text[start:end],
        prefix=text[max(0, start - context) : start],
        suffix=text[end : end + context],
    )


def check_span(text: str, start: int, end: int) -> None:
    if start < 0 or end < 0:
        raise AnchorError("Offsets cannot be negative.")
    if start >= end:
        raise AnchorError(f"The span is empty or reversed (start {start}, end {end}).")
    if end > len(text):
        raise AnchorError(f"The span ends at {end}, past the end of the text ({len(text)}).")


def _common_suffix_len(a: str, b: str) -> int:
    n = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        n += 1
    return n


def _common_prefix_len(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def occurrences(text: str, exact: str) -> list[int]:
    found = []
    i = text.find(exact)
    while i != -1:
        found.append(i)
        i = text.find(exact, i + 1)
    return found


def find_quote(
    text: str,
    exact: str,
    prefix: str = "",
    suffix: str = "",
    hint: int | None = None,
) -> Anchor:
    """Find the occurrence of `exact` that best fits its prefix, suffix and position.

    The occurrence whose surrounding text shares the most characters with the
    given prefix and suffix wins; a tie goes to the one nearest `hint`. With
    several equally good candidates and no hint, the quote is ambiguous and is
    refused rather than guessed.
    """
    if not exact:
        raise AnchorError("The quote is empty.")
    exact, prefix, suffix = _norm(exact), _norm(prefix), _norm(suffix)
    starts = occurrences(text, exact)
    if not starts:
        raise AnchorError(f"The quote “{_short(exact)}” does not occur in the text.")
    if len(starts) == 1:
        return make_anchor(text, starts[0], starts[0] + len(exact))

    def score(s: int) -> int:
        before = text[max(0, s - len(prefix)) : s] if prefix else ""
        after = text[s + len(exact) : s + len(exact) + len(suffix)] if suffix else ""
        return _common_suffix_len(before, prefix) + _common_prefix_len(after, suffix)

    scored = sorted(starts, key=lambda s: (-score(s), abs(s - hint) if hint is not None else 0))
    best = scored[0]
    if hint is None and score(scored[1]) == score(best):
        raise AnchorError(
            f"The quote “{_short(exact)}” occurs {len(starts)} times; "
            "give more context so the right one can be found."
        )
    return make_anchor(text, best, best + len(exact))


def resolve(
    text: str,
    *,
    exact: str,
    start: int | None = None,
    end: int | None = None,
    prefix: str = "",
    suffix: str = "",
    utf16: bool = False,
) -> Anchor:
    """Turn a selection into a verified anchor, or refuse it.

    Offsets (code points, or UTF-16 units when `utf16`) are tried first: when
    text[start:end] equals the quote they are taken as they are. Otherwise the
    quote is looked up with its prefix and suffix, near the given start.
    """
    exact = _norm(exact or "")
    if not exact:
        raise AnchorError("The quote is empty.")
    hint = None
    if start is not None and end is not None:
        try:
            if utf16:
                start, end = utf16_to_cp(text, start), utf16_to_cp(text, end)
            hint = start
            if 0 <= start < end <= len(text) and text[start:end] == exact:
                return make_anchor(text, start, end)
        except AnchorError:
            hint = None
    return find_quote(text, exact, prefix, suffix, hint=hint)


def verify(text: str, start: int, end: int, exact: str) -> None:
    """Raise AnchorError with what the text says there, unless text[start:end] == exact."""
    check_span(text, start, end)
    found = text[start:end]
    if found != exact:
        raise AnchorError(
            f"The quote does not match the text at {start}–{end}: the text there reads "
            f"“{_short(found)}”, the quote is “{_short(exact)}”."
        )


# --- re-anchoring after a text change ----------------------------------------


@dataclass(frozen=True, slots=True)
class Reanchored:
    placed: dict  # key -> Anchor in the new text
    lost: list  # keys that could not be placed


# A quote's own context agrees with the text around an occurrence when the characters
# right next to it are the same (NEAR on each side) and the rest of the stored prefix and
# suffix is close (difflib's ratio, 1.0 = identical): a typo a few words away passes, a
# different speaker or sentence does not.
CONTEXT_AGREES = 0.9
NEAR = 8

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


class _EditMap:
    """Where each stretch of the old text went in the new one, from a word-level diff.

    Word tokens keep the diff fast on article-sized texts; each "equal" stretch of
    tokens is identical text that the edit carried, possibly shifted.
    """

    def __init__(self, old: str, new: str) -> None:
        old_tokens = [(m.start(), m.group()) for m in _TOKEN.finditer(old)]
        new_tokens = [(m.start(), m.group()) for m in _TOKEN.finditer(new)]
        old_ends = [s + len(tok) for s, tok in old_tokens]
        matcher = difflib.SequenceMatcher(
            None, [tok for _, tok in old_tokens], [tok for _, tok in new_tokens], autojunk=False
        )
        self.old_len, self.new_len = len(old), len(new)
        # (old start, old end, new start) of every stretch of identical text, in order
        self.blocks: list[tuple[int, int, int]] = []
        for i, j, n in matcher.get_matching_blocks():
            if n:
                start = old_tokens[i][0]
                self.blocks.append((start, old_ends[i + n - 1], new_tokens[j][0]))
        self.starts = [b[0] for b in self.blocks]

    def _block_at(self, pos: int) -> tuple[int, int, int] | None:
        i = bisect.bisect_right(self.starts, pos) - 1
        if i >= 0:
            block = self.blocks[i]
            if block[0] <= pos < block[1]:
                return block
        return None

    def carry(self, start: int, end: int) -> tuple[int, int, bool] | None:
        """The new place of old[start:end] when the edit left it whole and unchanged,
        together with NEAR characters on each side (or up to the text's ends); and
        whether the whole CONTEXT on one side came along too."""
        block = self._block_at(start)
        if block is None or end > block[1]:
            return None
        o1, o2, n1 = block
        before, after = start - o1, o2 - end
        if before < min(NEAR, start) or after < min(NEAR, self.old_len - end):
            return None
        whole_side = before >= min(CONTEXT, start) or after >= min(CONTEXT, self.old_len - end)
        shift = n1 - o1
        return start + shift, end + shift, whole_side


def _near_agrees(text: str, pos: int, end: int, anchor: Anchor) -> bool:
    """The NEAR characters on each side of text[pos:end] are the anchor's own."""
    before = text[max(0, pos - len(anchor.prefix)) : pos][-NEAR:]
    return before == anchor.prefix[-NEAR:] and text[end : end + NEAR] == anchor.suffix[:NEAR]


def _context_agrees(text: str, pos: int, end: int, anchor: Anchor) -> float | None:
    """How well the text around text[pos:end] matches the anchor's prefix and suffix
    (higher is better), or None when it does not agree."""
    total = 0.0
    for stored, found, near in (
        (anchor.prefix, text[max(0, pos - len(anchor.prefix)) : pos], slice(-NEAR, None)),
        (anchor.suffix, text[end : end + len(anchor.suffix)], slice(None, NEAR)),
    ):
        if stored[near] != found[near]:
            return None
        if stored:
            ratio = difflib.SequenceMatcher(None, stored, found, autojunk=False).ratio()
            if ratio < CONTEXT_AGREES:
                return None
            total += ratio
        else:
            total += 1.0
    return total


def _by_context(text: str, anchor: Anchor, exact: str) -> Anchor | None:
    """The one occurrence of the quote whose own context agrees, or None: two equally
    good occurrences are ambiguous, and ambiguity is never settled by a guess."""
    scored = []
    for pos in occurrences(text, exact):
        end = pos + len(exact)
        agreement = _context_agrees(text, pos, end, anchor)
        if agreement is not None:
            scored.append((agreement, -abs(pos - anchor.start), pos))
    if not scored:
        return None
    scored.sort(reverse=True)
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None
    pos = scored[0][2]
    return make_anchor(text, pos, pos + len(exact))


def reanchor(
    new_text: str, anchors: Iterable[tuple[object, Anchor]], *, old_text: str | None = None
) -> Reanchored:
    """Re-find each (key, anchor) in `new_text` after an edit; report the rest as lost.

    With `old_text` (what the service always passes) a statement is placed only where
    the edit itself carried its words: a word-level diff of the two texts shows the span
    and a few characters around it unchanged, perhaps shifted, and either its whole
    context on one side came along or the stored context still agrees with its new
    surroundings (a typo or two, not another speaker's name: a diff cannot tell two
    equally short edits apart). Without it, only where
    its own context agrees: the quote still at its position with the same neighbours,
    or the one occurrence whose prefix and suffix match the stored ones on both sides.
    Anything else, such as the same words spoken by someone else elsewhere, is
    reported lost, never a guess.
    """
    edits = _EditMap(old_text, new_text) if old_text is not None else None
    placed: dict = {}
    lost: list = []
    for key, anchor in anchors:
        exact = _norm(anchor.exact)
        found = None
        if edits is not None and old_text[anchor.start : anchor.end] == exact:
            carried = edits.carry(anchor.start, anchor.end)
            if carried is not None:
                pos, end, whole_side = carried
                if whole_side or _context_agrees(new_text, pos, end, anchor) is not None:
                    found = make_anchor(new_text, pos, end)
        elif exact:
            here = (anchor.start, anchor.end)
            if new_text[anchor.start : anchor.end] == exact and _near_agrees(
                new_text, *here, anchor
            ):
                found = make_anchor(new_text, *here)
            else:
                found = _by_context(new_text, anchor, exact)
        if found is None:
            lost.append(key)
        else:
            placed[key] = found
    return Reanchored(placed=placed, lost=lost)


# --- segments for rendering -------------------------------------------------


def segments(text: str, spans: Sequence[tuple[int, int, object]]) -> list[Segment]:
    """Split `text` at every span boundary.

    Each segment lists the keys of the spans that cover it, in the order the
    spans were given; joined, the segments' text is exactly `text`. Spans that
    fall outside the text are clipped; empty ones are ignored.
    """
    n = len(text)
    bounds = {0, n}
    clean = []
    for order, (start, end, key) in enumerate(spans):
        start, end = max(0, start), min(n, end)
        if start < end:
            clean.append((start, end, order, key))
            bounds.add(start)
            bounds.add(end)
    points = sorted(bounds)
    starts_at: dict[int, list] = {}
    ends_at: dict[int, list] = {}
    for start, end, order, key in clean:
        starts_at.setdefault(start, []).append((order, key))
        ends_at.setdefault(end, []).append((order, key))
    active: dict[int, object] = {}
    out: list[Segment] = []
    for a, b in zip(points, points[1:], strict=False):
        for order, _key in ends_at.get(a, ()):
            active.pop(order, None)
        for order, key in starts_at.get(a, ()):
            active[order] = key
        keys = tuple(active[o] for o in sorted(active))
        out.append(Segment(start=a, end=b, text=text[a:b], keys=keys))
    return out


def _norm(s: str) -> str:
    """Line ends and NFC as in normalize_text, for quotes (which never raise)."""
    return unicodedata.normalize("NFC", s.replace("\r\n", "\n").replace("\r", "\n"))


def _short(s: str, limit: int = 60) -> str:
    s = s.replace("\n", "⏎")
    return s if len(s) <= limit else s[: limit - 1] + "…"
