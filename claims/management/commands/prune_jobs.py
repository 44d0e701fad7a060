"""`python manage.py prune_jobs [--days 7]`: delete finished jobs older than that, with their
files under JOBS_ROOT, and any job folder whose row is gone. Queued and running jobs stay."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from claims.models import Job


class Command(BaseCommand):
    help = "Delete finished jobs older than --days (7) and their files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=float, default=7, help="Keep jobs this recent (7).")

    def handle(self, *args, **options) -> None:
        cutoff = timezone.now() - datetime.timedelta(days=options["days"])
        old = Job.objects.filter(
            status__in=[Job.Status.DONE, Job.Status.FAILED], created_at__lt=cutoff
        )
        ids = list(old.values_list("pk", flat=True))
        old.delete()
        root = Path(settings.JOBS_ROOT)
        removed = 0
        if root.is_dir():
            keep = {str(pk) for pk in Job.objects.values_list("pk", flat=True)}
            for folder in root.iterdir():
                if folder.is_dir() and folder.name.isdigit() and folder.name not in keep:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed += 1
        self.stdout.write(f"Deleted {len(ids)} jobs and {removed} job folders.")
