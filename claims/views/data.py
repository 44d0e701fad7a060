"""Data in and out: the Data page, exports, the import page, and background jobs.

The rule for exports: one source or one claim is small, so it streams from the request
(StreamingHttpResponse over export_stream, a GET link on that source's or claim's page);
everything runs as a job (a POST from the Data page), whose page shows its progress and
then a download link. Imports always run as jobs: the files are saved first, then queued.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claims.access import member_required
from claims.forms.data import ExportForm, ImportForm
from claims.models import Claim, Job, Source
from claims.selectors import paginate
from claims.services.jobs import export_filename, job_start_export, job_start_import

JOBS_PER_PAGE = 20
REPORT_ROWS = 200  # skipped/refused items listed on the job page; the rest are counted
WAITING_HINT_AFTER = 15  # seconds a job may stay queued before the page suggests a worker


def _export_formats() -> dict:
    from claims.services.exports import EXPORT_FORMATS

    return EXPORT_FORMATS


def format_label(job: Job) -> str:
    from claims.services.bulk_imports import IMPORT_FORMATS

    if job.kind == Job.Kind.IMPORT:
        return IMPORT_FORMATS.get(job.format, job.format)
    fmt = _export_formats().get(job.format)
    return fmt.label if fmt else job.format


def may_import(user) -> bool:
    return user.has_perm("claims.add_source")


def _require_import(user) -> None:
    if not may_import(user):
        raise PermissionDenied("Only researchers and editors may import files.")


def _jobs_page(request: HttpRequest):
    jobs = Job.objects.visible_to(request.user).select_related("created_by", "source", "claim")
    return paginate(request, jobs, JOBS_PER_PAGE)


@require_GET
@member_required
def data_page(request: HttpRequest) -> HttpResponse:
    ctx = {
        "nav": "data",
        "formats": list(_export_formats().values()),
        "import_form": ImportForm() if may_import(request.user) else None,
        "jobs": _jobs_page(request),
    }
    if request.htmx and request.htmx.target == "job-list":
        return render(request, "claims/data.html#job-list", ctx)
    return render(request, "claims/data.html", ctx)


@require_POST
@member_required
def export_start(request: HttpRequest) -> HttpResponse:
    """Everything, in one format, as a job."""
    form = ExportForm(request.POST)
    if not form.is_valid():
        ctx = {
            "nav": "data",
            "formats": list(_export_formats().values()),
            "import_form": ImportForm() if may_import(request.user) else None,
            "jobs": _jobs_page(request),
            "export_error": "Choose one of the export formats listed.",
        }
        return render(request, "claims/data.html", ctx, status=400)
    job = job_start_export(user=request.user, fmt=form.cleaned_data["format"])
    return redirect(job)


@require_GET
@member_required
def export_now(request: HttpRequest, fmt: str) -> HttpResponse:
    """One source or one claim, streamed as it is written: ?source=ID or ?claim=ID."""
    from claims.services.exports import export_stream

    formats = _export_formats()
    if fmt not in formats:
        raise Http404("No such export format.")
    scope = {}
    for name, model in (("source", Source), ("claim", Claim)):
        raw = request.GET.get(name)
        if raw:
            if not raw.isdigit() or len(raw) > 18:
                raise Http404(f"No such {name}.")
            scope[name] = get_object_or_404(model.objects.only("pk"), pk=int(raw))
    if len(scope) != 1:
        return HttpResponse(
            "Name one source (?source=ID) or one claim (?claim=ID). Everything is exported "
            "as a background job from the Data page.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    source, claim = scope.get("source"), scope.get("claim")
    stream = export_stream(
        fmt,
        source_id=source.pk if source else None,
        claim_id=claim.pk if claim else None,
    )
    response = StreamingHttpResponse(stream, content_type=formats[fmt].content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True,
        filename=export_filename(
            formats[fmt].filename,
            source_id=source.pk if source else None,
            claim_id=claim.pk if claim else None,
        ),
    )
    return response


@require_http_methods(["GET", "POST"])
@member_required
def import_page(request: HttpRequest) -> HttpResponse:
    _require_import(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                job = job_start_import(
                    user=request.user,
                    fmt=form.cleaned_data["format"],
                    files=form.cleaned_data["files"],
                )
            except ValidationError as exc:
                form.add_error("files", exc)
            else:
                return redirect(job)
        return render(request, "claims/data_import.html", {"form": form, "nav": "data"}, status=422)
    return render(request, "claims/data_import.html", {"form": form, "nav": "data"})


def _visible_job(request: HttpRequest, pk: int) -> Job:
    return get_object_or_404(
        Job.objects.visible_to(request.user).select_related("created_by", "source", "claim"),
        pk=pk,
    )


@require_GET
@member_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)
    waited = (timezone.now() - job.created_at).total_seconds()
    report = job.report or {}
    ctx = {
        "nav": "data",
        "job": job,
        "waiting_long": job.status == Job.Status.QUEUED and waited > WAITING_HINT_AFTER,
        "created": [(k, n) for k, n in (report.get("created") or {}).items()],
        "format_label": format_label(job),
    }
    for part in ("skipped", "refused", "notes"):  # (item, reason) pairs; long lists cut
        items = report.get(part) or []
        ctx |= {
            part: items[:REPORT_ROWS],
            f"{part}_count": len(items),
            f"{part}_more": max(0, len(items) - REPORT_ROWS),
        }
    if request.htmx:
        return render(request, "claims/job_detail.html#progress", ctx)
    return render(request, "claims/job_detail.html", ctx)


@require_GET
@member_required
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)
    result = job.result_path
    if job.status != Job.Status.DONE or result is None or not result.is_file():
        raise Http404("This job has no file to download.")
    content_type = getattr(_export_formats().get(job.format), "content_type", None)
    return FileResponse(
        result.open("rb"),
        as_attachment=True,
        filename=job.result_name,
        content_type=content_type or "application/octet-stream",
    )


urlpatterns = [
    path("data/", data_page, name="data"),
    path("data/export/", export_start, name="export_start"),
    path("data/export/<slug:fmt>/", export_now, name="export_now"),
    path("data/import/", import_page, name="import"),
    path("data/jobs/<int:pk>/", job_detail, name="job_detail"),
    path("data/jobs/<int:pk>/download/", job_download, name="job_download"),
]
