"""Files handed to an import: plain files, folders and zips, read safely.

`members(paths, limits)` yields (name, bytes) for every file inside, in a stable order,
and (name, reason) refusals for what cannot be taken: zip members with absolute paths,
`..`, links or encryption, nested archives, files over the size limit, and whole zips
whose declared uncompressed size or file count is too large (checked before anything is
extracted; each member is also read with a cap, so a lying header cannot blow up memory).
"""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from claims.interchange import InterchangeError


@dataclass(frozen=True)
class Limits:
    max_files: int = 5000
    max_file_bytes: int = 20 * 1024 * 1024
    max_total_bytes: int = 500 * 1024 * 1024


@dataclass(frozen=True)
class Member:
    name: str  # path inside the zip or folder, with "/" separators
    data: bytes


@dataclass(frozen=True)
class Refusal:
    name: str
    reason: str


def _skip_name(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def unsafe_member_name(name: str) -> str | None:
    """Why a zip member's name is unsafe to use, or None."""
    if "\\" in name:
        return "a backslash in the name (Windows path tricks are refused)"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if ".." in PurePosixPath(name).parts:
        return "a “..” in the path"
    if "\x00" in name:
        return "a NUL in the name"
    return None


def read_zip(path: Path, limits: Limits, label: str | None = None) -> Iterator[Member | Refusal]:
    label = label or path.name
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield Refusal(label, f"not a readable zip file ({exc}).")
        return
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > limits.max_files:
            yield Refusal(
                label,
                f"the zip holds {len(infos):,} files; the limit is {limits.max_files:,}.",
            )
            return
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_total_bytes:
            yield Refusal(
                label,
                f"the zip unpacks to {declared:,} bytes; the limit is {limits.max_total_bytes:,}.",
            )
            return
        total = 0
        for info in sorted(infos, key=lambda i: i.filename):
            name = info.filename
            where = f"{label}: {name}"
            reason = unsafe_member_name(name)
            if reason:
                yield Refusal(where, f"refused: {reason}.")
                continue
            if _skip_name(name):
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                yield Refusal(where, "refused: a symbolic link.")
                continue
            if info.flag_bits & 0x1:
                yield Refusal(where, "refused: the member is encrypted.")
                continue
            if name.lower().endswith(".zip"):
                yield Refusal(where, "refused: a zip inside the zip (unpack it first).")
                continue
            if info.file_size > limits.max_file_bytes:
                yield Refusal(
                    where,
                    f"{info.file_size:,} bytes; the limit per file is {limits.max_file_bytes:,}.",
                )
                continue
            try:
                with zf.open(info) as f:
                    data = f.read(limits.max_file_bytes + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
                yield Refusal(where, f"cannot be unpacked ({exc}).")
                continue
            if len(data) > limits.max_file_bytes:
                yield Refusal(where, "larger than its header says; refused.")
                continue
            total += len(data)
            if total > limits.max_total_bytes:
                yield Refusal(label, "the zip unpacks to more than its header says; stopped.")
                return
            yield Member(name, data)


def members(paths: list[Path], limits: Limits) -> Iterator[Member | Refusal]:
    """Every file of `paths` (files, zips, folders) as Member, or a Refusal saying why not.

    A folder's files are named relative to it; a zip's by their path inside it.
    """
    count = 0
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink())
            for p in files:
                rel = p.relative_to(path).as_posix()
                if _skip_name(rel):
                    continue
                count += 1
                if count > limits.max_files:
                    yield Refusal(str(path), f"more than {limits.max_files:,} files; stopped.")
                    return
                if p.stat().st_size > limits.max_file_bytes:
                    yield Refusal(rel, f"larger than {limits.max_file_bytes:,} bytes.")
                    continue
                yield Member(rel, p.read_bytes())
        elif path.suffix.lower() == ".zip":
            yield from read_zip(path, limits)
        elif path.is_file():
            count += 1
            if path.stat().st_size > limits.max_file_bytes:
                yield Refusal(path.name, f"larger than {limits.max_file_bytes:,} bytes.")
                continue
            yield Member(path.name, path.read_bytes())
        else:
            yield Refusal(str(path), "no such file or folder.")


def pair_brat(items: list[Member]) -> tuple[list[tuple[str, Member, Member]], list[Refusal]]:
    """(stem, text, ann) pairs from NAME.txt + NAME.ann, side by side or in polnear's
    layout (text/NAME.txt with ann/NAME.ann); a file without its partner is refused."""
    texts: dict[str, Member] = {}
    anns: dict[str, Member] = {}
    for m in items:
        p = PurePosixPath(m.name)
        parent = p.parent
        if parent.name in {"text", "ann", "txt"}:
            parent = parent.parent
        key = str(parent / p.stem)
        if p.suffix == ".txt":
            texts[key] = m
        elif p.suffix == ".ann":
            anns[key] = m
    pairs = [(k, texts[k], anns[k]) for k in sorted(texts.keys() & anns.keys())]
    refused = [
        Refusal(texts[k].name, "no .ann file beside it.") for k in texts.keys() - anns.keys()
    ]
    refused += [
        Refusal(anns[k].name, "no .txt file beside it.") for k in anns.keys() - texts.keys()
    ]
    return pairs, sorted(refused, key=lambda r: r.name)


def require(condition: bool, message: str) -> None:
    if not condition:
        raise InterchangeError(message)
