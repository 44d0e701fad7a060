"""Browser test: a researcher uploads a zip of two articles on the import page and watches
the job's progress bar finish (a real django-tasks-db worker runs beside the live server),
reads the report, then exports everything as the CSV zip, downloads it and opens it."""

from __future__ import annotations

import csv
import io
import threading
import zipfile

import pytest
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker
from playwright.sync_api import Page, expect

from claims.models import Job, Source
from tests.conftest import make_user
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

ARTICLES = {
    "river.txt": "Flood warning for the river towns\n\nThe mayor said the levee would hold.\n",
    "budget.md": "Budget row in the council\n\nThe treasurer denied that the budget was cut.\n",
}


class WorkerThread:
    """django-tasks-db's worker loop (what `manage.py db_worker` runs) in a thread of this
    process, polling the test database every 0.1 s until stopped."""

    def __init__(self) -> None:
        self.worker = Worker(
            queue_names=["default"],
            interval=0.1,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="e2e-worker",
            excluded_queue_names=[],
        )
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.worker.run()
        finally:
            connection.close()

    def __enter__(self) -> WorkerThread:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        # The thread must be gone before the test ends: a worker left polling would claim
        # the tasks of later tests and hold the database while their tables are flushed.
        self.worker.running = False
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "the worker thread did not stop"


@pytest.fixture
def jobs_root(settings, tmp_path):
    settings.JOBS_ROOT = tmp_path / "jobs"
    return settings.JOBS_ROOT


def test_upload_a_zip_watch_the_progress_and_download_an_export(
    page: Page, live_server, tmp_path, jobs_root
):
    make_user("researcher", "Researchers")
    archive = tmp_path / "articles.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, text in ARTICLES.items():
            zf.writestr(name, text)

    login(page, live_server, "researcher")
    page.get_by_role("link", name="Data", exact=True).click()
    expect(page.locator("h1")).to_have_text("Data")
    page.get_by_role("link", name="Import files").click()
    page.get_by_label("Format").select_option("files")
    page.get_by_label("Files").set_input_files(str(archive))
    page.get_by_role("button", name="Import").click()

    # No worker yet: the job waits, and its page polls for news.
    page.wait_for_url("**/data/jobs/*/")
    state = page.locator(".job-state")
    expect(state).to_contain_text("Queued")
    expect(page.locator("#job-bar")).to_be_visible()
    page.evaluate("window.stillThisPage = true")  # gone if the page reloaded

    with WorkerThread():
        expect(state).to_contain_text("Done", timeout=20_000)
        bar = page.locator("#job-bar")
        assert bar.get_attribute("value") == bar.get_attribute("max")
        assert page.evaluate("window.stillThisPage") is True  # updated in place by htmx
        report = page.locator("#job-report")
        expect(report).to_contain_text("sources")
        expect(report.locator(".report-created")).to_contain_text("2")
        assert Source.objects.count() == 2
        job = Job.objects.get(kind="import")
        assert (job.status, job.done, job.total) == ("done", 2, 2)
        page.screenshot(path=str(tmp_path / "import-done.png"), full_page=True)

        page.get_by_role("link", name="← Data").click()
        page.locator("button[data-format=csv-zip]").click()
        page.wait_for_url("**/data/jobs/*/")
        download_link = page.locator("#job-download")
        expect(download_link).to_be_visible(timeout=20_000)
        with page.expect_download() as info:
            download_link.click()
        saved = tmp_path / "export.zip"
        info.value.save_as(saved)

    assert info.value.suggested_filename == "tables.zip"
    with zipfile.ZipFile(saved) as zf:
        names = set(zf.namelist())
        assert {"sources.csv", "statements.csv", "actors.csv", "DATA_DICTIONARY.md"} <= names
        sources = list(csv.DictReader(io.StringIO(zf.read("sources.csv").decode("utf-8"))))
    assert sorted(r["title"] for r in sources) == [
        "Budget row in the council",
        "Flood warning for the river towns",
    ]
    assert all(r["text_sha256"] and r["text"] for r in sources)


def test_too_many_files_are_refused_before_the_upload(page: Page, live_server, tmp_path):
    make_user("researcher", "Researchers")
    paths = []
    for n in range(101):
        path = tmp_path / f"a{n}.txt"
        path.write_text(f"Article {n}\n")
        paths.append(str(path))
    login(page, live_server, "researcher")
    page.goto(f"{live_server.url}/data/import/")
    page.get_by_label("Files").set_input_files(paths)
    note = page.locator("#id_files-check")
    expect(note).to_be_visible()
    expect(note).to_contain_text("101 files is too many at once (at most 100)")
    page.get_by_role("button", name="Import").click()
    page.wait_for_timeout(500)  # a submit that went through would have left the page by now
    assert page.url.endswith("/data/import/")  # nothing was sent
    assert not Job.objects.exists()
    assert page.dialogs == []
