"""brat standoff: attributions (Source, Cue, Content joined by `E` lines) to statements.

`parse(ann, text)` checks every `T` line against the text (offsets inside it, the span's
text equal to what the line says; a discontinuous span `a b;c d` reads its fragments
joined by a space, as brat writes them) and refuses the file with a message per bad line.
`attributions(doc)` plans one statement per `E` line: its Content span (a discontinuous
Content is reported, never guessed), its speaker from the Source span (a pronoun is
resolved to the nearest preceding named Source, else left unknown), its cue words and how
it was reported (quoted or not).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from claims.interchange import InterchangeError

PRONOUNS = {
    "i", "me", "we", "us", "you", "he", "him", "she", "her", "it", "they", "them",
    "his", "hers", "its", "their", "theirs", "our", "ours", "my", "mine",
    "who", "whom", "which", "that", "this", "these", "those", "one", "himself", "herself",
    "themselves", "itself",
}  # fmt: skip
OPEN_QUOTES = "\"“‘'«„"
CLOSE_QUOTES = "\"”’'»“"


@dataclass(frozen=True)
class Span:
    id: str
    label: str
    fragments: tuple[tuple[int, int], ...]
    text: str

    @property
    def start(self) -> int:
        return self.fragments[0][0]

    @property
    def end(self) -> int:
        return self.fragments[-1][1]

    @property
    def continuous(self) -> bool:
        return len(self.fragments) == 1


@dataclass(frozen=True)
class Event:
    id: str
    trigger: str
    args: dict[str, str]  # role -> span id (Source, Cue, Content)


@dataclass
class Doc:
    spans: dict[str, Span] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)


@dataclass(frozen=True)
class Planned:
    """One attribution as a statement to make, or `problem` saying why it cannot be."""

    ref: str  # "E3"
    start: int = 0
    end: int = 0
    speaker: str | None = None  # the name to match or create; None: unknown
    mention: str = ""  # the Source span as written
    resolved_from: str = ""  # a pronoun that was resolved to `speaker`
    cue: str = ""
    reporting: str = "reported"
    problem: str = ""


_T = re.compile(r"^(T\d+)\t(\S+) ([\d ;]+)\t(.*)$")
_E = re.compile(r"^(E\d+)\t(\S+)(.*)$")


def parse(ann: str, text: str, name: str = "") -> Doc:
    """The spans and events of an .ann file, checked against its text.

    Raises InterchangeError listing every bad line (offsets outside the text, span text
    that does not match): the file is taken whole or not at all.
    """
    doc = Doc()
    errors: list[str] = []
    prefix = f"{name}: " if name else ""
    for lineno, line in enumerate(ann.splitlines(), start=1):
        if not line.strip() or line[0] in "#ARMN*":
            continue  # notes, attributes, relations, normalisations: not used here
        if line[0] == "T":
            m = _T.match(line)
            if not m:
                errors.append(f"line {lineno}: not a brat span line: “{line[:60]}”")
                continue
            tid, label, offsets, span_text = m.groups()
            try:
                fragments = tuple(
                    (int(a), int(b)) for a, b in (part.split() for part in offsets.split(";"))
                )
            except ValueError:
                errors.append(f"line {lineno} ({tid}): offsets “{offsets}” are not pairs.")
                continue
            bad = [(a, b) for a, b in fragments if not 0 <= a < b <= len(text)]
            if bad:
                a, b = bad[0]
                errors.append(
                    f"line {lineno} ({tid}): span {a}-{b} is outside the text "
                    f"(0 to {len(text)}) or empty."
                )
                continue
            found = " ".join(text[a:b] for a, b in fragments)
            if found != span_text and found.replace("\n", " ") != span_text:
                errors.append(
                    f"line {lineno} ({tid}): the text at {offsets} reads “{_short(found)}”, "
                    f"the annotation says “{_short(span_text)}”."
                )
                continue
            doc.spans[tid] = Span(tid, label, fragments, found)
        elif line[0] == "E":
            m = _E.match(line)
            if not m:
                errors.append(f"line {lineno}: not a brat event line.")
                continue
            eid, trigger, rest = m.groups()
            args = {}
            for part in rest.split():
                role, _, ref = part.partition(":")
                args[role] = ref
            doc.events.append(Event(eid, trigger, args))
    for event in doc.events:
        for role, ref in event.args.items():
            if ref not in doc.spans:
                errors.append(f"{event.id}: its {role} {ref} is not a span in the file.")
    if errors:
        raise InterchangeError(
            prefix
            + "; ".join(errors[:20])
            + (f"; and {len(errors) - 20} more" if len(errors) > 20 else "")
        )
    return doc


class OffsetMap:
    """Offsets of a raw text in its canonical form (NFC, LF line ends), as
    claims.anchoring.normalize_text makes it: brat offsets index the raw file, statements
    the canonical text. An offset inside a composed character or a CRLF has no image."""

    def __init__(self, raw: str):
        if "\x00" in raw:
            raise InterchangeError("The text contains NUL characters.")
        self.raw = raw
        parts: list[str] = []
        self._map: dict[int, int] = {0: 0}
        i, out = 0, 0
        n = len(raw)
        while i < n:
            j = i + 1
            if raw[i] == "\r" and j < n and raw[j] == "\n":
                j += 1
            while j < n and unicodedata.combining(raw[j]):
                j += 1
            piece = raw[i:j].replace("\r\n", "\n").replace("\r", "\n")
            piece = unicodedata.normalize("NFC", piece)
            parts.append(piece)
            out += len(piece)
            self._map[j] = out
            i = j
        self.text = "".join(parts)
        if self.text != unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n")):
            raise InterchangeError(
                "The text composes across characters in a way offsets cannot follow; "
                "save it as NFC with LF line ends and annotate that."
            )

    @property
    def identity(self) -> bool:
        return self.text == self.raw

    def __call__(self, offset: int) -> int | None:
        return self._map.get(offset)


def is_pronoun(name: str) -> bool:
    words = name.lower().split()
    return bool(words) and all(w.strip(".,") in PRONOUNS for w in words)


def reporting(content: str) -> str:
    """direct_quote when the content is one quotation, partial_quote when it holds one,
    reported otherwise."""
    s = content.strip().rstrip(".,;:")
    if len(s) > 1 and s[0] in OPEN_QUOTES and s[-1] in CLOSE_QUOTES and s.count("“") <= 1:
        return "direct_quote"
    if any(q in content for q in '"“”'):
        return "partial_quote"
    return "reported"


def attributions(doc: Doc) -> list[Planned]:
    """One Planned per `E` line that names an Attribution, in file order."""
    named = sorted(
        (s for s in doc.spans.values() if s.label == "Source" and not is_pronoun(s.text)),
        key=lambda s: s.start,
    )
    out: list[Planned] = []
    for event in doc.events:
        content_id = event.args.get("Content")
        if content_id is None:
            out.append(Planned(event.id, problem="no Content span: nothing was said."))
            continue
        content = doc.spans[content_id]
        if not content.continuous:
            pieces = ";".join(f"{a}-{b}" for a, b in content.fragments)
            out.append(
                Planned(
                    event.id,
                    problem=f"discontinuous Content span ({pieces}): reported, not imported "
                    "(a statement covers one span; choose it in the app).",
                )
            )
            continue
        cue = doc.spans.get(event.args.get("Cue", ""))
        source = doc.spans.get(event.args.get("Source", ""))
        speaker, mention, resolved_from = None, "", ""
        if source is not None:
            mention = " ".join(source.text.split())
            if is_pronoun(mention):
                before = [s for s in named if s.start < source.start]
                if before:
                    speaker, resolved_from = " ".join(before[-1].text.split()), mention
            else:
                speaker = mention
        out.append(
            Planned(
                event.id,
                start=content.start,
                end=content.end,
                speaker=speaker,
                mention=mention,
                resolved_from=resolved_from,
                cue=" ".join(cue.text.split())[:200] if cue else "",
                reporting=reporting(content.text),
            )
        )
    return out


def _short(s: str, n: int = 50) -> str:
    s = s.replace("\n", "⏎")
    return s if len(s) <= n else s[: n - 1] + "…"
