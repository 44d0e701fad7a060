"""`python manage.py import FORMAT PATH [PATH ...] --user USERNAME [--json]`

Imports files (claims.services.bulk_imports.IMPORT_FORMATS: files, brat, w3c, jsonl, csv)
as USERNAME and prints what was created, skipped and refused (and why). Each file is all
or nothing; running the same import twice changes nothing.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.services.bulk_imports import IMPORT_FORMATS, import_paths


class Command(BaseCommand):
    help = "Import articles, brat standoff, W3C annotations or this tracker's own tables."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", help=f"One of: {', '.join(IMPORT_FORMATS)}.")
        parser.add_argument("paths", nargs="+", help="Files, zips or folders.")
        parser.add_argument("--user", required=True, help="Who the records are made by.")
        parser.add_argument("--json", action="store_true", help="Print the full report as JSON.")

    def handle(self, *args, **options) -> None:
        fmt = options["format"]
        if fmt not in IMPORT_FORMATS:
            raise CommandError(
                f"Unknown format “{fmt}”; choose one of {', '.join(IMPORT_FORMATS)}."
            )
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"There is no user “{options['user']}”.")
        paths = [Path(p) for p in options["paths"]]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"Not found: {', '.join(missing)}.")
        started = time.perf_counter()
        report = import_paths(fmt, paths, user=user)
        elapsed = time.perf_counter() - started
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
            return
        created = ", ".join(f"{n} {what}" for what, n in report.created.items()) or "nothing"
        self.stdout.write(f"Created {created} in {elapsed:.1f} s.")
        for title, rows in [("Skipped", report.skipped), ("Refused", report.refused)]:
            if rows:
                self.stdout.write(f"{title} ({len(rows)}):")
                for item, reason in rows[:50]:
                    self.stdout.write(f"  {item}: {reason}")
                if len(rows) > 50:
                    self.stdout.write(f"  ... and {len(rows) - 50} more (--json lists all)")
        if report.notes:
            self.stdout.write(f"Notes: {len(report.notes)} (--json lists them).")
