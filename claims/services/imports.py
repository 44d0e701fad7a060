"""Bringing sources in: uploaded or pasted text becomes a Source's canonical text."""

from __future__ import annotations

import logging
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction

from claims import anchoring
from claims.models import Source

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
HTML_SUFFIXES = {".html", ".htm"}
UPLOAD_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES


def extract_html_text(html: str) -> str:
    """The article text of an HTML page: scripts, styles and page chrome dropped."""
    # Imported here: trafilatura and lxml cost every web worker ~12 MiB, and only an HTML
    # upload (a rare request, or a background job) needs them.
    import trafilatura

    text = trafilatura.extract(
        html,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        favor_precision=True,
    )
    if not text or not text.strip():
        raise ValidationError("No article text could be found in this HTML file.")
    return text


def text_from_upload(*, name: str, data: bytes, max_bytes: int) -> str:
    """Decode an uploaded .txt/.md/.html file into normalised text, or refuse it."""
    suffix = PurePath(name or "").suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ValidationError("Upload a .txt, .md or .html file.")
    if len(data) > max_bytes:
        raise ValidationError(f"The file is {len(data):,} bytes; the limit is {max_bytes:,} bytes.")
    if not data.strip():
        raise ValidationError("The file is empty.")
    try:
        text = anchoring.decode_text(data)
    except anchoring.TextError as exc:
        raise ValidationError(str(exc)) from None
    if suffix in HTML_SUFFIXES:
        text = extract_html_text(text)
    return normalized(text)


def normalized(text: str) -> str:
    try:
        text = anchoring.normalize_text(text)
    except anchoring.TextError as exc:
        raise ValidationError(str(exc)) from None
    if not text.strip():
        raise ValidationError("The text is empty.")
    return text


@transaction.atomic
def source_create(*, user, text: str, **fields) -> Source:
    """Create a source from already-checked metadata and text (normalised here)."""
    source = Source(text=normalized(text), created_by=user, **fields)
    source.full_clean()
    source.save()
    find_suggestions(source)
    return source


def find_suggestions(source: Source) -> None:
    """Suggested statements for a new source (claims.services.suggestions). The engine is
    advice: if it fails on some text, the import still stands and the failure is logged."""
    from claims.services.suggestions import suggestions_refresh

    try:
        with transaction.atomic():
            suggestions_refresh(source=source)
    except Exception:
        logger.exception("Finding suggested statements failed for source %s", source.pk)
