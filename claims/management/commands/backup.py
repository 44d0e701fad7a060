"""`python manage.py backup OUT [--database default]`: a consistent backup of the database.

SQLite: the online backup API, one snapshot while users keep writing (gzip when OUT ends in
.gz). PostgreSQL: `pg_dump --format=custom`. Written beside OUT and renamed when complete.
See claims/backups.py and the README's "Backups and restore".
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database to OUT: SQLite with the online backup API (OUT.gz compresses), "
        "PostgreSQL with pg_dump --format=custom. Safe while the app is in use."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help="The backup file to write.")
        parser.add_argument(
            "--database", default="default", help="The database alias to back up (default)."
        )

    def handle(self, *args, **options) -> None:
        try:
            result = backup(using=options["database"], out=options["out"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Backed up the {result.engine} database to {result.path} "
            f"({result.bytes / 1e6:.1f} MB in {result.seconds:.1f} s)."
        )
