"""Background jobs: starting an import or an export, recording its progress and its end.

A job is a row (claims.models.Job) plus a folder, settings.JOBS_ROOT/<id>/: uploads go to
`in/<n>/<name>` before the task is enqueued; an export writes `<name>.part` and renames it
when complete. The tasks in claims/tasks.py do the work through the interchange services.
"""

from __future__ import annotations

import shutil
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from claims.models import Claim, Job, Source

PROGRESS_EVERY = 0.5  # seconds between progress writes

# Failures whose message is meant for the user (bad data, not a bug): shown as they are.
USER_ERRORS: tuple[type[BaseException], ...] = (
    ValidationError,
    ValueError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    UnicodeError,
)


def _export_formats() -> dict:
    from claims.services.exports import EXPORT_FORMATS

    return EXPORT_FORMATS


def _import_formats() -> dict:
    from claims.services.bulk_imports import IMPORT_FORMATS

    return IMPORT_FORMATS


def _enqueue(task, job: Job) -> None:
    result = task.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])


def job_start_import(*, user, fmt: str, files: Iterable[UploadedFile]) -> Job:
    """Save the uploads under the job's folder, then enqueue run_import. All or nothing:
    a refused upload leaves neither a row nor a file behind."""
    from claims.tasks import run_import

    if fmt not in _import_formats():
        raise ValidationError(f"Unknown import format “{fmt}”.")
    files = list(files)
    if not files:
        raise ValidationError("Choose at least one file (several files, or one .zip).")
    most = settings.DATA_UPLOAD_MAX_NUMBER_FILES
    if most is not None and len(files) > most:
        raise ValidationError(
            f"{len(files):,} files is too many at once (at most {most}); put them in a .zip."
        )
    size = sum(f.size or 0 for f in files)
    limit = settings.JOBS_UPLOAD_MAX_BYTES
    if size > limit:
        raise ValidationError(f"The files come to {size:,} bytes; the limit is {limit:,} bytes.")
    empty = [f.name for f in files if not f.size]
    if empty:
        raise ValidationError(f"Empty file: {', '.join(empty)}.")

    job = None
    try:
        with transaction.atomic():
            job = Job.objects.create(kind=Job.Kind.IMPORT, format=fmt, created_by=user)
            names = []
            for n, upload in enumerate(files):
                name = _safe_name(upload.name, fallback=f"file-{n + 1}")
                target = job.folder / "in" / str(n) / name
                target.parent.mkdir(parents=True, exist_ok=True)
                with target.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                names.append(name)
            job.inputs = names
            job.save(update_fields=["inputs"])
            _enqueue(run_import, job)
    except BaseException:
        if job is not None and job.pk:
            shutil.rmtree(job.folder, ignore_errors=True)
        raise
    job.refresh_from_db()
    return job


def job_start_export(
    *, user, fmt: str, source: Source | None = None, claim: Claim | None = None
) -> Job:
    from claims.tasks import run_export

    if fmt not in _export_formats():
        raise ValidationError(f"Unknown export format “{fmt}”.")
    if source is not None and claim is not None:
        raise ValidationError("Export one source or one claim, not both.")
    with transaction.atomic():
        job = Job.objects.create(
            kind=Job.Kind.EXPORT, format=fmt, source=source, claim=claim, created_by=user
        )
        _enqueue(run_export, job)
    job.refresh_from_db()
    return job


def job_input_paths(job: Job) -> list[Path]:
    """The uploaded files of an import job, in the order they were chosen."""
    return [job.folder / "in" / str(n) / name for n, name in enumerate(job.inputs)]


def export_filename(filename: str, *, source_id=None, claim_id=None) -> str:
    """The format's file name with the scope before the extension: claims-source-12.csv.zip."""
    scope = f"source-{source_id}" if source_id else ""
    scope = f"claim-{claim_id}" if claim_id else scope
    if not scope:
        return filename
    stem, dot, ext = filename.partition(".")
    return f"{stem}-{scope}{dot}{ext}"


def _safe_name(name: str, *, fallback: str) -> str:
    base = Path((name or "").replace("\\", "/")).name
    try:
        return get_valid_filename(base)[:150]
    except Exception:  # noqa: BLE001 (SuspiciousFileOperation for names like "..")
        return fallback


# --- what the worker records ----------------------------------------------------


class JobProgress:
    """The `progress(done, total)` callback handed to the interchange code: writes the
    figures to the job row at most every PROGRESS_EVERY seconds (and always the last)."""

    def __init__(self, job: Job, *, every: float = PROGRESS_EVERY) -> None:
        self.job_id = job.pk
        self.every = every
        self.last = 0.0
        self.writes = 0

    def __call__(self, done: int, total: int | None = None) -> None:
        now = time.monotonic()
        final = total is not None and done >= total
        if not final and now - self.last < self.every:
            return
        self.last = now
        done = max(0, int(done))
        if total is not None:
            total = max(0, int(total))
            done = min(done, total)
        self.writes += 1
        Job.objects.filter(pk=self.job_id).update(done=done, total=total)


def job_mark_running(*, job_id: int) -> Job:
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.RUNNING, started_at=timezone.now(), message=""
    )
    return Job.objects.select_related("created_by", "source", "claim").get(pk=job_id)


def job_mark_done(*, job: Job, message: str, report: dict | None = None, result_name: str = ""):
    fields = {"status": Job.Status.DONE, "finished_at": timezone.now(), "message": message}
    if report is not None:
        fields["report"] = report
    if result_name:
        fields["result_name"] = result_name
    Job.objects.filter(pk=job.pk).update(**fields)
    # a bar that reached its end: done == total (or 1/1 when nothing reported a total)
    current = Job.objects.values("done", "total").get(pk=job.pk)
    total = current["total"] if current["total"] is not None else max(current["done"], 1)
    Job.objects.filter(pk=job.pk).update(done=total, total=total)


def job_mark_failed(*, job_id: int, error: BaseException) -> None:
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.FAILED, finished_at=timezone.now(), message=failure_message(error)
    )


def failure_message(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        text = "; ".join(error.messages)
    elif isinstance(error, USER_ERRORS):
        text = str(error)
    else:
        return (
            f"An unexpected error stopped the job ({type(error).__name__}); "
            "the details are in the worker's log."
        )
    return text.strip() or type(error).__name__
