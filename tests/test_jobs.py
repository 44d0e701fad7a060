"""Background jobs, the Data page, exports and the import page (claims/views/data.py,
claims/services/jobs.py, claims/tasks.py).

Most tests run tasks with Django's immediate backend (the task runs inside enqueue());
`test_a_real_worker_process_runs_queued_jobs` runs django-tasks-db's db_worker as a
separate process against the test database.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from claims.models import Job, Source
from claims.services import jobs as job_services
from claims.services.exports import EXPORT_FORMATS, export_stream
from claims.serving import serve_with_worker, worker_argv
from tests.conftest import HTMX, make_user
from tests.factories import make_claim, make_source, make_statement

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DATA = reverse("claims:data")
IMPORT = reverse("claims:import")
EXPORT = reverse("claims:export_start")

ARTICLE_A = "Officials said the dam was safe.\nEngineers said it was not.\n"
ARTICLE_B = "The mayor denied that the budget was cut.\n"


@pytest.fixture(autouse=True)
def jobs_root(settings, tmp_path) -> Path:
    settings.JOBS_ROOT = tmp_path / "jobs"
    return settings.JOBS_ROOT


@pytest.fixture
def immediate(settings):
    settings.TASKS = IMMEDIATE


@pytest.fixture
def annotated(researcher):
    source = make_source(title="Dam report", created_by=researcher)
    claim = make_claim("The dam is safe", created_by=researcher)
    make_statement(source=source, quote="the bridge was safe", claim=claim, created_by=researcher)
    return source, claim


def _txt(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")


def _zip(files: dict[str, str]) -> SimpleUploadedFile:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return SimpleUploadedFile("articles.zip", buf.getvalue(), content_type="application/zip")


def _drain(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


# --- who may see and do what ----------------------------------------------------------


def test_anonymous_users_are_sent_to_login(anon_client, researcher):
    job = Job.objects.create(kind="export", format="jsonl", created_by=researcher)
    for url in [
        DATA,
        IMPORT,
        reverse("claims:export_now", args=["jsonl"]) + "?source=1",
        job.get_absolute_url(),
        reverse("claims:job_download", args=[job.pk]),
    ]:
        response = anon_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert anon_client.post(EXPORT, {"format": "jsonl"}).status_code == 302
    assert Job.objects.count() == 1


def test_users_without_a_role_get_403(outsider_client, researcher, annotated, immediate):
    source, _ = annotated
    job = Job.objects.create(kind="export", format="jsonl", created_by=researcher)
    for url in [
        DATA,
        IMPORT,
        reverse("claims:export_now", args=["jsonl"]) + f"?source={source.pk}",
        job.get_absolute_url(),
        reverse("claims:job_download", args=[job.pk]),
    ]:
        assert outsider_client.get(url).status_code == 403, url
    assert outsider_client.post(EXPORT, {"format": "jsonl"}).status_code == 403
    response = outsider_client.post(IMPORT, {"format": "files", "files": [_txt("a.txt", "x")]})
    assert response.status_code == 403
    assert Job.objects.count() == 1
    assert Source.objects.count() == 1


def test_the_data_page_lists_every_export_format_and_links_the_import(
    researcher_client, django_assert_num_queries
):
    # the user with their permissions, job count (no jobs: no page), the nav's review badge
    with django_assert_num_queries(3):
        response = researcher_client.get(DATA)
    assert response.status_code == 200
    html = response.content.decode()
    for fmt in EXPORT_FORMATS.values():
        assert f'value="{fmt.key}"' in html
    assert IMPORT in html
    assert 'aria-current="page">Data</a>' in html


@pytest.mark.parametrize("n_jobs", [3, 30])
def test_the_job_list_runs_a_fixed_number_of_queries(
    researcher, researcher_client, django_assert_num_queries, n_jobs
):
    source = make_source(created_by=researcher)
    Job.objects.bulk_create(
        Job(kind="export", format="jsonl", source=source if i % 2 else None, created_by=researcher)
        for i in range(n_jobs)
    )
    # the user with their permissions, count, one page of jobs (joined), the review badge; a first
    # page that holds every job is its own count (selectors.Pager)
    with django_assert_num_queries(4 if n_jobs > 20 else 3):
        response = researcher_client.get(DATA)
    assert response.content.decode().count("Export #") == min(n_jobs, 20)


def test_researchers_see_their_own_jobs_and_editors_see_all(
    researcher, other_researcher_client, editor_client, researcher_client, immediate
):
    job = Job.objects.create(kind="export", format="jsonl", created_by=researcher)
    assert other_researcher_client.get(job.get_absolute_url()).status_code == 404
    assert (
        other_researcher_client.get(reverse("claims:job_download", args=[job.pk])).status_code
        == 404
    )
    assert f"Export #{job.pk}" not in other_researcher_client.get(DATA).content.decode()
    assert editor_client.get(job.get_absolute_url()).status_code == 200
    assert f"Export #{job.pk}" in editor_client.get(DATA).content.decode()
    assert researcher_client.get(job.get_absolute_url()).status_code == 200


def test_the_data_page_does_not_offer_imports_without_the_permission(db, settings):
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.create(name="Readers")
    group.permissions.add(Permission.objects.get(codename="view_statement"))
    reader = make_user("reader", "Readers")
    from tests.conftest import _client_for

    client = _client_for(reader)
    response = client.get(DATA)
    assert response.status_code == 200
    assert IMPORT not in response.content.decode()
    assert client.get(IMPORT).status_code == 403
    assert client.post(IMPORT, {"format": "files"}).status_code == 403


# --- exports ----------------------------------------------------------------------------


def test_exporting_everything_runs_a_job_with_a_file_to_download(
    researcher_client, annotated, immediate, jobs_root
):
    response = researcher_client.post(EXPORT, {"format": "jsonl"})
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert (job.kind, job.status, job.source_id, job.claim_id) == ("export", "done", None, None)
    assert job.done == job.total and job.total > 0
    assert job.task_id
    assert job.result_path == jobs_root / str(job.pk) / "claims.jsonl"

    page = researcher_client.get(job.get_absolute_url()).content.decode()
    download = reverse("claims:job_download", args=[job.pk])
    assert download in page
    assert "<progress" in page and 'hx-trigger="every 1s"' not in page

    response = researcher_client.get(download)
    assert response.status_code == 200
    assert 'attachment; filename="claims.jsonl"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/x-ndjson"
    body = _drain(response)
    assert body == b"".join(export_stream("jsonl"))
    tables = {json.loads(line)["table"] for line in body.splitlines()}
    assert {"sources", "statements", "claims"} <= tables


def test_an_export_needs_a_csrf_token(researcher_client, immediate):
    assert researcher_client.post(EXPORT, {"format": "jsonl"}, csrf=False).status_code == 403
    assert not Job.objects.exists()


def test_an_unknown_export_format_is_refused_without_a_job(researcher_client, immediate):
    response = researcher_client.post(EXPORT, {"format": "pdf"})
    assert response.status_code == 400
    assert "Choose one of the export formats" in response.content.decode()
    assert not Job.objects.exists()


def test_one_source_or_one_claim_streams_from_the_request(
    researcher_client, annotated, django_assert_max_num_queries
):
    source, claim = annotated
    url = reverse("claims:export_now", args=["csv-zip"])
    response = researcher_client.get(f"{url}?source={source.pk}")
    assert response.status_code == 200 and response.streaming
    assert f'filename="tables-source-{source.pk}.zip"' in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(_drain(response))) as zf:
        assert "statements.csv" in zf.namelist()
        assert "the bridge was safe" in zf.read("statements.csv").decode()

    response = researcher_client.get(
        reverse("claims:export_now", args=["jsonl"]) + f"?claim={claim.pk}"
    )
    assert response.status_code == 200
    assert f'filename="claims-claim-{claim.pk}.jsonl"' in response["Content-Disposition"]
    assert _drain(response) == b"".join(export_stream("jsonl", claim_id=claim.pk))
    assert not Job.objects.exists()


def test_scoped_export_bad_requests(researcher_client, annotated):
    source, claim = annotated
    base = reverse("claims:export_now", args=["jsonl"])
    assert researcher_client.get(base).status_code == 400  # everything is a job
    both = researcher_client.get(f"{base}?source={source.pk}&claim={claim.pk}")
    assert both.status_code == 400
    assert researcher_client.get(f"{base}?source=999999").status_code == 404
    assert researcher_client.get(f"{base}?source=abc").status_code == 404
    assert researcher_client.get(f"{base}?source=99999999999999999999999").status_code == 404
    unknown = reverse("claims:export_now", args=["pdf"]) + f"?source={source.pk}"
    assert researcher_client.get(unknown).status_code == 404


def test_source_and_claim_pages_link_their_exports(researcher_client, annotated):
    source, claim = annotated
    for page, scope in [
        (source.get_absolute_url(), f"source={source.pk}"),
        (
            claim.get_absolute_url(),
            f"claim={claim.pk}",
        ),
    ]:
        html = researcher_client.get(page).content.decode()
        for key in ["w3c", "csv-zip", "jsonl", "aif"]:
            assert reverse("claims:export_now", args=[key]) + "?" + scope in html, (page, key)


def test_a_failed_export_says_why_and_leaves_no_file(
    researcher_client, immediate, monkeypatch, jobs_root
):
    def broken(fmt, **kwargs):
        yield b"half a file"
        raise ValueError("The claim table could not be read.")

    monkeypatch.setattr("claims.services.exports.export_stream", broken)
    researcher_client.post(EXPORT, {"format": "jsonl"})
    job = Job.objects.get()
    assert job.status == "failed"
    assert job.message == "The claim table could not be read."
    assert job.finished_at is not None
    assert not any(p.is_file() for p in (jobs_root / str(job.pk)).rglob("*"))
    html = researcher_client.get(job.get_absolute_url()).content.decode()
    assert "The job failed: The claim table could not be read." in html
    assert researcher_client.get(reverse("claims:job_download", args=[job.pk])).status_code == 404


def test_an_unexpected_error_is_named_without_its_internals(
    researcher_client, immediate, monkeypatch
):
    def broken(fmt, **kwargs):
        raise KeyError("secret internal detail")

    monkeypatch.setattr("claims.services.exports.export_stream", broken)
    researcher_client.post(EXPORT, {"format": "aif"})
    job = Job.objects.get()
    assert job.status == "failed"
    assert "unexpected error" in job.message and "KeyError" in job.message
    assert "secret" not in job.message


# --- the job page and its progress ----------------------------------------------------


def test_a_running_job_polls_and_a_finished_one_stops(researcher, researcher_client):
    job = Job.objects.create(
        kind="export", format="jsonl", created_by=researcher, status="running", done=3, total=12
    )
    html = researcher_client.get(job.get_absolute_url(), headers=HTMX).content.decode()
    assert html.lstrip().startswith('<section id="job-progress"')
    assert 'hx-trigger="every 1s"' in html
    assert '<progress id="job-bar" max="12" value="3">25%</progress>' in html
    assert "3 of 12 (25%)" in html
    assert "Refresh" in html  # without JavaScript, a link reloads the page

    Job.objects.filter(pk=job.pk).update(status="done", done=12, message="1,234 bytes")
    html = researcher_client.get(job.get_absolute_url(), headers=HTMX).content.decode()
    assert 'hx-trigger="every 1s"' not in html
    assert 'value="12"' in html and "1,234 bytes" in html


def test_a_job_without_a_total_shows_an_indeterminate_bar(researcher, researcher_client):
    job = Job.objects.create(kind="export", format="jsonl", created_by=researcher)
    html = researcher_client.get(job.get_absolute_url()).content.decode()
    assert '<progress id="job-bar">' in html
    assert "waiting for a worker" in html


def test_the_job_page_runs_a_fixed_number_of_queries(
    researcher, researcher_client, django_assert_num_queries
):
    job = Job.objects.create(kind="export", format="jsonl", created_by=researcher)
    # the user with their permissions, the job (joined), and the nav's review badge
    with django_assert_num_queries(3):
        researcher_client.get(job.get_absolute_url())
    with django_assert_num_queries(2):  # the polled fragment has no navigation bar
        researcher_client.get(job.get_absolute_url(), headers=HTMX)


def test_progress_is_written_at_most_every_half_second(researcher, monkeypatch):
    job = Job.objects.create(kind="export", format="jsonl", created_by=researcher)
    clock = [100.0]
    monkeypatch.setattr(job_services.time, "monotonic", lambda: clock[0])
    progress = job_services.JobProgress(job)
    progress(0, 1000)
    for done in range(1, 1000):
        clock[0] += 0.001  # a thousand calls in one second
        progress(done, 1000)
    assert progress.writes == 2  # at 0 and after 0.5 s, in 0.999 s
    progress(1000, 1000)  # the end is always written
    job.refresh_from_db()
    assert (job.done, job.total, progress.writes) == (1000, 1000, 3)
    progress(1200, 1000)  # never past the total (the database refuses it too)
    job.refresh_from_db()
    assert job.done == 1000


# --- imports ----------------------------------------------------------------------------


def test_importing_two_articles_makes_two_sources_and_a_report(
    researcher, researcher_client, immediate
):
    response = researcher_client.post(
        IMPORT,
        {"format": "files", "files": [_txt("dam.txt", ARTICLE_A), _txt("mayor.txt", ARTICLE_B)]},
    )
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == "done", job.message
    assert job.inputs == ["dam.txt", "mayor.txt"]
    assert Source.objects.count() == 2
    assert set(Source.objects.values_list("created_by", flat=True)) == {researcher.pk}
    assert job.report["created"].get("sources") == 2
    html = researcher_client.get(job.get_absolute_url()).content.decode()
    assert 'id="job-report"' in html and "sources" in html

    # the same files again: nothing new, both reported as skipped
    researcher_client.post(
        IMPORT,
        {"format": "files", "files": [_txt("dam.txt", ARTICLE_A), _txt("mayor.txt", ARTICLE_B)]},
    )
    again = Job.objects.order_by("-pk").first()
    assert again.status == "done"
    assert Source.objects.count() == 2
    assert len(again.report["skipped"]) == 2
    html = researcher_client.get(again.get_absolute_url()).content.decode()
    assert "Skipped (2)" in html


def test_editors_import_a_zip(editor_client, immediate):
    response = editor_client.post(
        IMPORT,
        {"format": "files", "files": [_zip({"a.txt": ARTICLE_A, "b.md": ARTICLE_B})]},
    )
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == "done", job.message
    assert Source.objects.count() == 2


def test_uploads_are_saved_inside_the_job_folder(researcher_client, jobs_root, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    researcher_client.post(
        IMPORT, {"format": "files", "files": [_txt("../../escape.txt", ARTICLE_A)]}
    )
    job = Job.objects.get()
    assert job.status == "queued"
    [saved] = job_services.job_input_paths(job)
    assert saved.is_file() and saved.read_text() == ARTICLE_A
    assert saved.is_relative_to(jobs_root / str(job.pk))
    assert not (jobs_root.parent / "escape.txt").exists()


def test_bad_uploads_get_a_message_and_leave_nothing_behind(
    researcher_client, immediate, settings, jobs_root
):
    cases = [
        ({"format": "files"}, "Choose at least one file"),
        ({"format": "files", "files": [_txt("empty.txt", "")]}, "empty"),
        ({"format": "pdf", "files": [_txt("a.txt", ARTICLE_A)]}, "Select a valid choice"),
    ]
    for data, message in cases:
        response = researcher_client.post(IMPORT, data)
        assert response.status_code == 422, data
        assert message in response.content.decode(), data
    settings.JOBS_UPLOAD_MAX_BYTES = 10
    response = researcher_client.post(
        IMPORT, {"format": "files", "files": [_txt("a.txt", ARTICLE_A)]}
    )
    assert response.status_code == 422
    assert "the limit is 10 bytes" in response.content.decode()
    assert not Job.objects.exists()
    assert not jobs_root.exists() or not any(jobs_root.iterdir())
    assert not Source.objects.exists()


def test_an_import_that_fails_says_why(researcher_client, immediate, monkeypatch):
    def broken(fmt, paths, *, user, progress=None):
        raise zipfile.BadZipFile("articles.zip is not a zip file.")

    monkeypatch.setattr("claims.services.bulk_imports.import_paths", broken)
    researcher_client.post(IMPORT, {"format": "files", "files": [_txt("a.zip", "PK?")]})
    job = Job.objects.get()
    assert job.status == "failed"
    html = researcher_client.get(job.get_absolute_url()).content.decode()
    assert "The job failed: articles.zip is not a zip file." in html


def test_an_import_form_needs_a_csrf_token(researcher_client, immediate):
    response = researcher_client.post(
        IMPORT, {"format": "files", "files": [_txt("a.txt", ARTICLE_A)]}, csrf=False
    )
    assert response.status_code == 403
    assert not Job.objects.exists() and not Source.objects.exists()


# --- a real worker ----------------------------------------------------------------------


def _worker_env(jobs_root: Path) -> dict:
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH"}}
    if connection.vendor == "sqlite":
        env["SQLITE_PATH"] = str(db["NAME"])
    else:
        user = db["USER"] or "postgres"
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        host = db["HOST"] or "127.0.0.1"
        env["DATABASE_URL"] = (
            f"postgres://{user}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    env["DJANGO_JOBS_ROOT"] = str(jobs_root)
    env["DJANGO_DEBUG"] = "1"
    return env


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_process_runs_queued_jobs(researcher, annotated, jobs_root):
    """django-tasks-db's db_worker, as production runs it, in its own process."""
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    export = job_services.job_start_export(user=researcher, fmt="csv-zip")
    upload = _txt("dam.txt", "A fresh article for the worker.\n")
    imported = job_services.job_start_import(user=researcher, fmt="files", files=[upload])
    assert Job.objects.get(pk=export.pk).status == "queued"

    argv = worker_argv(interval=0.1) + ["--batch", "--verbosity", "0"]
    run = subprocess.run(
        argv, env=_worker_env(jobs_root), capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr

    export.refresh_from_db()
    imported.refresh_from_db()
    assert export.status == "done", export.message
    assert export.started_at <= export.finished_at
    with zipfile.ZipFile(export.result_path) as zf:
        assert "Dam report" in zf.read("sources.csv").decode()
    assert imported.status == "done", imported.message
    assert Source.objects.filter(text__startswith="A fresh article").exists()


# --- the demo starts a worker beside the web server ------------------------------------


def test_the_demo_serves_with_a_worker_beside_it(db, monkeypatch, settings):
    settings.DEBUG = True  # the demo refuses to run without it
    calls = []
    monkeypatch.setattr(
        "claims.management.commands.demo.serve_with_worker",
        lambda web, worker: calls.append((web, worker)) or 0,
    )
    out = io.StringIO()
    call_command("demo", "--port", "8124", stdout=out)
    [(web, worker)] = calls
    assert web[1:4] == ["-m", "gunicorn", "config.wsgi:application"]
    assert worker[1:3] == [str(settings.BASE_DIR / "manage.py"), "db_worker"]
    assert "task worker" in out.getvalue()


def test_serve_with_worker_stops_the_worker_when_the_server_exits():
    started = time.monotonic()
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    code = serve_with_worker([sys.executable, "-c", "raise SystemExit(0)"], sleeper)
    assert code == 0
    assert time.monotonic() - started < 30  # the 60 s worker was stopped, not waited for


def test_prune_jobs_deletes_old_finished_jobs_and_their_files(researcher, jobs_root):
    import datetime

    from django.utils import timezone

    old = timezone.now() - datetime.timedelta(days=30)
    done = Job.objects.create(kind="export", format="jsonl", created_by=researcher, status="done")
    running = Job.objects.create(
        kind="import", format="files", created_by=researcher, status="running"
    )
    recent = Job.objects.create(kind="export", format="aif", created_by=researcher, status="done")
    Job.objects.filter(pk__in=[done.pk, running.pk]).update(created_at=old)
    for job in (done, running, recent):
        job.folder.mkdir(parents=True)
        (job.folder / "file").write_text("x")
    (jobs_root / "999999").mkdir()  # a folder whose row is gone
    out = io.StringIO()
    call_command("prune_jobs", "--days", "7", stdout=out)
    assert "Deleted 1 jobs and 2 job folders." in out.getvalue()
    assert set(Job.objects.values_list("pk", flat=True)) == {running.pk, recent.pk}
    assert sorted(p.name for p in jobs_root.iterdir()) == sorted([str(running.pk), str(recent.pk)])
