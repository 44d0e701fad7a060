"""Quotation marks, paragraphs and sentence units, all as code-point offsets of the text.

Quotes are found per paragraph: curly marks have a direction, a straight mark opens or closes
depending on the state. A quote left open at the end of a paragraph continues when the next
paragraph opens with a quotation mark again (the newspaper convention for a quote running over
several paragraphs); otherwise it ends with its paragraph. Sentence units never split inside a
quote, so ``"A. B," he said.`` is one unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicon import words

OPENING = "“„«"
CLOSING = "”»"
STRAIGHT = '"'
DOUBLED = "''"
QUOTE_CHARS = OPENING + CLOSING + STRAIGHT
# A transcript turn: 'WALLACE: ...' or '"PENCE: ...' at the start of a paragraph.
TURN_RE = re.compile(r"[\"“]?([A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+){0,3}):[ \t]")

ABBREVIATIONS = words(
    """mr mrs ms dr gov sen rep reps sens st jr sr gen lt col sgt capt prof rev inc co corp ltd vs
    etc no nos u.s u.n u.k e.g i.e jan feb mar apr aug sept sep oct nov dec a.m p.m ft mt gov.
    adm cmdr maj pres sup supt dept est approx fig hon messrs mssrs"""
)


@dataclass(frozen=True)
class Quote:
    start: int  # the opening mark
    end: int  # just after the closing mark (or the end of the paragraph if never closed)
    closed: bool

    @property
    def inner(self) -> tuple[int, int]:
        return self.start + 1, self.end - 1 if self.closed else self.end


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Non-blank lines, stripped of surrounding spaces (offsets into the text)."""
    out = []
    for m in re.finditer(r"[^\n]+", text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def has_mark(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` holds a quotation mark."""
    return any(ch in QUOTE_CHARS for ch in text[start:end]) or DOUBLED in text[start:end]


def is_turn(text: str, start: int) -> re.Match[str] | None:
    return TURN_RE.match(text, start)


def _opens(text: str, i: int) -> bool:
    """Whether a straight mark at ``i`` looks like an opening mark (space or start before it)."""
    before = text[i - 1] if i > 0 else " "
    width = 2 if text.startswith(DOUBLED, i) else 1
    after = text[i + width] if i + width < len(text) else " "
    if before.isspace() or before in "([{—–-/" or i == 0:
        return not after.isspace()
    return False


def _closes(text: str, i: int) -> bool:
    """Whether a mark at ``i`` looks like a closing one (end of a word or sentence before it)."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not before.isspace() and (after.isspace() or after in ".,;:!?)—–-")


def find_quotes(text: str, paras: list[tuple[int, int]]) -> list[Quote]:
    """Quotation spans in text order; a quote may run over several paragraphs."""
    quotes: list[Quote] = []
    open_at: int | None = None
    for idx, (ps, pe) in enumerate(paras):
        if open_at is not None:
            # the quote left open in the previous paragraph continues only if this one reopens it
            first = text[ps]
            if (first in OPENING + STRAIGHT or text.startswith(DOUBLED, ps)) and not is_turn(
                text, ps
            ):
                pass  # continuation: skip this paragraph's opening mark below
            else:
                quotes.append(Quote(open_at, paras[idx - 1][1], False))
                open_at = None
        i = ps
        continuing = open_at is not None
        while i < pe:
            ch = text[i]
            width = 1
            if text.startswith(DOUBLED, i):
                ch, width = STRAIGHT, 2  # '' used as a double quotation mark
            if ch in QUOTE_CHARS:
                if continuing and i == ps:
                    continuing = False
                elif open_at is None:
                    if (
                        ch in OPENING
                        or (ch == STRAIGHT and _opens(text, i))
                        or ch == STRAIGHT
                        and not text[i - 1 : i].isalnum()
                        # a closing mark typed where an opening one belongs
                        or ch in CLOSING
                        and _opens(text, i)
                    ):
                        open_at = i
                elif ch in CLOSING or ch == STRAIGHT or (ch in OPENING and _closes(text, i)):
                    if i > open_at + 1:
                        quotes.append(Quote(open_at, i + width, True))
                    open_at = None
                # an opening curly mark while open is ignored (a typo or a nested quote)
            i += width
    if open_at is not None and paras:
        quotes.append(Quote(open_at, paras[-1][1], False))
    return quotes


def blocks(text: str, paras: list[tuple[int, int]], quotes: list[Quote]) -> list[tuple[int, int]]:
    """Paragraphs, with the ones joined by a quote running over them merged into one block."""
    out: list[tuple[int, int]] = []
    qi = 0
    for ps, pe in paras:
        while qi < len(quotes) and quotes[qi].end <= ps:
            qi += 1
        if out and any(
            q.start < out[-1][1] and q.end > ps for q in quotes[max(0, qi - 2) : qi + 2]
        ):
            out[-1] = (out[-1][0], pe)
        else:
            out.append((ps, pe))
    return out


_SPLIT_RE = re.compile(r"[.!?…]+(?:''|[\"”’)\]])*(?=\s+(?:''|[\"“‘(\[])?[A-Z0-9])")


def inside_quote(pos: int, quotes: list[Quote]) -> bool:
    """Whether ``pos`` lies strictly inside a quote (between its marks)."""
    for q in quotes:
        if q.start < pos < q.end - (1 if q.closed else 0):
            return True
        if q.start > pos:
            break
    return False


def units(text: str, block: tuple[int, int], quotes: list[Quote]) -> list[tuple[int, int]]:
    """Sentence units of a block: split at sentence ends that are not inside a quote."""
    bs, be = block
    out = []
    start = bs
    local = [q for q in quotes if q.end > bs and q.start < be]
    for m in _SPLIT_RE.finditer(text, bs, be):
        stop = m.end()
        if inside_quote(m.end() - 1, local):
            continue
        word = re.search(r"([A-Za-z.]+)\.$", text[max(bs, m.start() - 12) : m.start() + 1])
        if word:
            w = word.group(1).lower().rstrip(".")
            if w in ABBREVIATIONS or "." in w or (len(w) == 1 and text[m.start() - 1].isupper()):
                continue  # "Mr.", "U.S.", "G.K. Butterfield", "John F. Kennedy"
        out.append((start, stop))
        start = stop
        while start < be and text[start].isspace():
            start += 1
    if start < be:
        out.append((start, be))
    return out
