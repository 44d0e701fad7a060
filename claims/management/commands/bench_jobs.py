"""`python manage.py bench_jobs`: background jobs end to end, with a real db_worker process.

Fills an empty database with `synth --statements N` (or reuses one that has enough), starts
one `manage.py db_worker` beside this process, then for each export format starts a job the
way the Data page does (job_start_export) and watches its row as the job page would:
how long until a worker took it, how long it ran, how many distinct progress figures the
page could have shown, the file size, and the worker's peak memory (VmHWM) so far. With
--import DIR it also zips DIR and imports it as a job (job_start_import).

Give it a database of its own:
    SQLITE_PATH=/tmp/bench_jobs.sqlite3 python manage.py bench_jobs
"""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.benchmarking import current_database_env
from claims.models import Job, Statement
from claims.services import jobs
from claims.services.exports import EXPORT_FORMATS
from claims.serving import worker_argv

POLL = 0.05


class Command(BaseCommand):
    help = "Time export (and optionally import) jobs run by a real db_worker process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--statements", type=int, default=100_000)
        parser.add_argument(
            "--formats",
            default="w3c,claimreview,aif,csv-zip,jsonl",
            help="Comma-separated export formats (default: the five whole-data formats).",
        )
        parser.add_argument("--import", dest="import_dir", default="", help="A folder to import.")
        parser.add_argument(
            "--import-format", default="brat", help="Its import format (brat by default)."
        )
        parser.add_argument("--timeout", type=float, default=600, help="Seconds per job (600).")

    def handle(self, *args, **options) -> None:
        formats = [f for f in options["formats"].split(",") if f]
        unknown = [f for f in formats if f not in EXPORT_FORMATS]
        if unknown:
            raise CommandError(f"Unknown export formats: {', '.join(unknown)}.")
        call_command("migrate", interactive=False, verbosity=0)
        have = Statement.objects.count()
        if have < options["statements"]:
            if have:
                raise CommandError(
                    f"The database holds {have:,} statements, fewer than --statements; "
                    "give the benchmark an empty database of its own (SQLITE_PATH=...)."
                )
            self.stdout.write(f"Filling the database: synth --statements {options['statements']}")
            call_command("synth", statements=options["statements"], stdout=io.StringIO())
        user = self._user()
        self.stdout.write(f"{Statement.objects.count():,} statements in the database.")

        with tempfile.TemporaryDirectory(prefix="bench-jobs-") as root:
            env = {**os.environ, **current_database_env(), "DJANGO_JOBS_ROOT": root}
            from django.conf import settings

            settings.JOBS_ROOT = Path(root)
            worker = subprocess.Popen(
                [*worker_argv(interval=0.1), "--verbosity", "0"], env=env, cwd=settings.BASE_DIR
            )
            try:
                time.sleep(1.5)  # the worker boots Django once, before the first job
                self.stdout.write(
                    f"{'job':<24} {'queued':>8} {'ran':>9} {'progress':>9} {'size':>14} "
                    f"{'worker peak RSS':>16}"
                )
                for fmt in formats:
                    job = jobs.job_start_export(user=user, fmt=fmt)
                    self._watch(job, f"export {fmt}", worker, options["timeout"])
                if options["import_dir"]:
                    upload = _zip_folder(Path(options["import_dir"]))
                    job = jobs.job_start_import(
                        user=user, fmt=options["import_format"], files=[upload]
                    )
                    self._watch(
                        job, f"import {options['import_format']}", worker, options["timeout"]
                    )
            finally:
                worker.terminate()
                worker.wait(timeout=30)

    def _user(self) -> User:
        user, _ = User.objects.get_or_create(username="bench_jobs")
        user.groups.add(Group.objects.get(name="Researchers"))
        return user

    def _watch(self, job: Job, label: str, worker: subprocess.Popen, timeout: float) -> None:
        start = time.monotonic()
        picked = None
        figures: set[tuple[int, int | None]] = set()
        while True:
            row = Job.objects.values("status", "done", "total", "message", "result_name").get(
                pk=job.pk
            )
            if picked is None and row["status"] != Job.Status.QUEUED:
                picked = time.monotonic()
            if row["status"] == Job.Status.RUNNING:
                figures.add((row["done"], row["total"]))
            if row["status"] in (Job.Status.DONE, Job.Status.FAILED):
                break
            if worker.poll() is not None:
                raise CommandError(f"The worker exited (code {worker.returncode}).")
            if time.monotonic() - start > timeout:
                raise CommandError(f"{label}: not finished after {timeout:.0f} s.")
            time.sleep(POLL)
        end = time.monotonic()
        picked = picked or end
        job.refresh_from_db()
        if job.status == Job.Status.FAILED:
            self.stdout.write(f"{label:<24} FAILED: {job.message}")
            return
        size = job.result_path.stat().st_size if job.result_path else 0
        self.stdout.write(
            f"{label:<24} {picked - start:>7.2f}s {end - picked:>8.2f}s {len(figures):>9} "
            f"{f'{size:,} B' if size else '-':>14} {_peak_rss_mb(worker.pid):>13.0f} MB"
        )
        if job.kind == Job.Kind.IMPORT:
            self.stdout.write(f"{'':<24} {job.message}")


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _zip_folder(folder: Path) -> SimpleUploadedFile:
    if not folder.is_dir():
        raise CommandError(f"{folder} is not a folder.")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            zf.write(path, path.relative_to(folder).as_posix())
    return SimpleUploadedFile(f"{folder.name}.zip", buf.getvalue(), "application/zip")
