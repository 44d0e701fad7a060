"""Background jobs through Django's tasks framework (settings.TASKS: django-tasks-db's
database backend; `python manage.py db_worker` runs them).

Each task takes the id of a claims.models.Job row, marks it running, does the work through
the interchange services with a throttled progress callback, and records the result: an
import's report, an export's file. A failure is recorded with a message for the user and
raised again, so the task's own result (and the worker's log) keeps the traceback.
"""

from __future__ import annotations

import os

from django.tasks import task

from claims.services import jobs


@task()
def run_import(job_id: int) -> dict:
    from claims.services.bulk_imports import import_paths

    job = jobs.job_mark_running(job_id=job_id)
    try:
        report = import_paths(
            job.format,
            jobs.job_input_paths(job),
            user=job.created_by,
            progress=jobs.JobProgress(job),
        )
        summary = report.as_dict()
    except BaseException as error:
        jobs.job_mark_failed(job_id=job_id, error=error)
        raise
    jobs.job_mark_done(job=job, message=import_summary(summary), report=summary)
    return {"job": job_id, "created": summary.get("created", {})}


@task()
def run_export(job_id: int) -> dict:
    from claims.services.exports import EXPORT_FORMATS, export_stream

    job = jobs.job_mark_running(job_id=job_id)
    fmt = EXPORT_FORMATS[job.format]
    name = jobs.export_filename(fmt.filename, source_id=job.source_id, claim_id=job.claim_id)
    target = job.folder / name
    partial = target.with_name(target.name + ".part")
    try:
        job.folder.mkdir(parents=True, exist_ok=True)
        size = 0
        with partial.open("wb") as out:
            for chunk in export_stream(
                job.format,
                source_id=job.source_id,
                claim_id=job.claim_id,
                progress=jobs.JobProgress(job),
            ):
                out.write(chunk)
                size += len(chunk)
        os.replace(partial, target)
    except BaseException as error:
        partial.unlink(missing_ok=True)
        jobs.job_mark_failed(job_id=job_id, error=error)
        raise
    jobs.job_mark_done(job=job, message=f"{size:,} bytes", result_name=name)
    return {"job": job_id, "bytes": size}


def import_summary(report: dict) -> str:
    created = report.get("created") or {}
    parts = [f"{n:,} {kind}" for kind, n in created.items() if n]
    made = "Created " + ", ".join(parts) if parts else "Nothing new was created"
    skipped = len(report.get("skipped") or [])
    refused = len(report.get("refused") or [])
    return f"{made}; {skipped:,} skipped, {refused:,} refused."
