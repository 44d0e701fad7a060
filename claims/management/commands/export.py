"""`python manage.py export FORMAT [--source ID | --claim ID] OUT`

Writes an export (claims.services.exports.EXPORT_FORMATS: w3c, claimreview, aif, csv-zip,
jsonl, csv-<table>) to OUT, or to standard output when OUT is "-". Streamed: the whole
export is never held in memory.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.services.exports import EXPORT_FORMATS, export_stream


class Command(BaseCommand):
    help = "Export everything, one source or one claim's dispute in a standard format."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", help=f"One of: {', '.join(EXPORT_FORMATS)}.")
        parser.add_argument("out", help='The file to write, or "-" for standard output.')
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--source", type=int, help="Only this source (its id).")
        scope.add_argument("--claim", type=int, help="Only this claim's dispute (its id).")

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        try:
            chunks = export_stream(
                options["format"], source_id=options["source"], claim_id=options["claim"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        size = 0
        if options["out"] == "-":
            out = sys.stdout.buffer
            for chunk in chunks:
                out.write(chunk)
                size += len(chunk)
            out.flush()
            return
        path = Path(options["out"])
        part = path.with_name(path.name + ".part")
        try:
            with part.open("wb") as f:
                for chunk in chunks:
                    f.write(chunk)
                    size += len(chunk)
            os.replace(part, path)
        finally:
            part.unlink(missing_ok=True)
        self.stderr.write(
            f"Wrote {path} ({size:,} bytes) in {time.perf_counter() - started:.1f} s."
        )
