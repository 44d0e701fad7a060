"""`python manage.py restore IN [--force] [--database default]`: restore a backup made by
`manage.py backup` into an empty database, then verify it; `restore --verify-only` only
verifies the database as it is.

The verification counts every table's rows and re-checks every statement's anchor against
its source's text, printing "N anchors verified, 0 wrong"; any wrong anchor is an error.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.backups import BackupError, Verification, restore, verify_database

SHOW_WRONG = 10


class Command(BaseCommand):
    help = (
        "Restore a backup (from `manage.py backup`) into the configured database, which must "
        "be empty unless --force; then count every table and re-verify every anchor."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", nargs="?", type=Path, help="The backup file to restore.")
        parser.add_argument(
            "--database", default="default", help="The database alias to restore into (default)."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Restore even though the target database has tables (its contents are replaced).",
        )
        parser.add_argument(
            "--verify-only",
            action="store_true",
            help="Restore nothing: count the tables and verify the anchors of the database.",
        )

    def handle(self, *args, **options) -> None:
        using = options["database"]
        source = options["backup"]
        if options["verify_only"]:
            if source is not None:
                raise CommandError("--verify-only verifies the database; give no backup file.")
        elif source is None:
            raise CommandError("Give the backup file to restore (or --verify-only).")
        try:
            if source is not None:
                result = restore(using=using, source=source, force=options["force"])
                self.stdout.write(
                    f"Restored {result.path} into the {result.engine} database "
                    f"in {result.seconds:.1f} s."
                )
            report = verify_database(using=using)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self._print(report)
        if not report.ok:
            raise CommandError(
                f"{len(report.wrong)} anchors do not match their source's text (listed above)."
            )

    def _print(self, report: Verification) -> None:
        width = max((len(t) for t in report.counts), default=0)
        self.stdout.write(f"Rows per table ({len(report.counts)} tables):")
        for table, rows in report.counts.items():
            self.stdout.write(f"  {table:<{width}} {rows:>9,}")
        self.stdout.write(f"Total {sum(report.counts.values()):,} rows.")
        for line in report.wrong[:SHOW_WRONG]:
            self.stderr.write(f"  wrong: {line}")
        if len(report.wrong) > SHOW_WRONG:
            self.stderr.write(f"  ... and {len(report.wrong) - SHOW_WRONG} more.")
        lost = f" ({report.lost:,} flagged lost by text edits, not checked)" if report.lost else ""
        right = report.anchors - len(report.wrong)
        self.stdout.write(f"{right:,} anchors verified, {len(report.wrong)} wrong{lost}.")
