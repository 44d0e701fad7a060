"""`python manage.py bench_pages [--database-url URL] [--statements 2000] [--rounds 30]`

The page budget: every page's median time as a multiple of /healthz's median in the
same run, served by gunicorn as deployed (DEBUG off, a throwaway secret key, static
files collected into a temporary folder, compression on, requests as from behind a TLS
proxy), on a data set the command builds itself: the seed demo plus `synth` (a source
with 2,000 statements) in a temporary SQLite file, or in the PostgreSQL database given
by --database-url (reused when it already holds a synth data set, e.g. 1,000,000
statements).

Requests alternate with /healthz (healthz, page, healthz, page, ...) round after round,
so a noisy machine slows both alike. Throughput: `wrk` (Debian's package) on the seed
reading page and on /healthz, alternately. Memory: resident memory per gunicorn worker
of ours after the run and of a one-view Django app (claims/floor_app.py).

Each page is timed twice: viewed again (what a viewer repeating a request gets: the page
cache, claims/pagecache.py, answers) and first viewed after a write (a new page cache
generation is drawn before each request, so the page is rendered from the fragments).

It prints a table and, as its last line, one JSON object:
{"healthz_ms", "seed_reading", "reading_2000", "statement_save", "review_queue",
 "claim_page", "source_list", "search", "throughput_share"} plus "<page>_after_write"
for each page.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Count
from django.urls import NoReverseMatch, reverse

from claims.benchmarking import (
    BenchClient,
    Response,
    gunicorn_process,
    memory_kib,
    save_payloads,
)
from claims.demo_data import seed
from claims.management.commands.demo import load_demo
from claims.management.commands.synth import BIG_SOURCE, synthesize
from claims.models import Claim, Source, Statement
from claims.pagecache import GENERATION_KEY, GenerationFileCache

INNER = "CLAIMS_BENCH_PAGES_INNER"
SAVE_SUMMARY = "bench_pages save"
HTMX = {"HX-Request": "true"}
BUDGETS = {
    "seed_reading": 9,
    "reading_2000": 22,
    "statement_save": 6,
    "review_queue": 9,
    "claim_page": 9,
    "source_list": 9,
    "search": 9,
}
THROUGHPUT_BUDGET = 0.30
SEARCH_WORD = "envoys"


class Command(BaseCommand):
    help = (
        "Serve the app with gunicorn under production settings on a data set it builds (seed "
        "demo + synth) and time each page against /healthz; the last line is a JSON object."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database-url",
            default="",
            help="PostgreSQL to fill and serve (default: a temporary SQLite file).",
        )
        parser.add_argument("--statements", type=int, default=BIG_SOURCE)
        parser.add_argument("--rounds", type=int, default=30, help="Timed requests per page.")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
        parser.add_argument(
            "--wrk-seconds", type=float, default=4.0, help="Length of each wrk run (0: skip)."
        )
        parser.add_argument("--wrk-connections", type=int, default=8)

    # --- the outer process: a database of its own, then the same command inside it ----

    def handle(self, *args, **options) -> None:
        if os.environ.get(INNER) == "1":
            self.inner(**options)
            return
        with tempfile.TemporaryDirectory(prefix="bench_pages_") as tmp:
            env = os.environ.copy()
            env.update({INNER: "1", "DJANGO_DEBUG": "1", "CLAIMS_BENCH_TMP": tmp})
            if options["database_url"]:
                env["DATABASE_URL"] = options["database_url"]
            else:
                env.pop("DATABASE_URL", None)
                env["SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
            env.pop("REDIS_URL", None)
            argv = [
                sys.executable,
                str(Path(settings.BASE_DIR) / "manage.py"),
                "bench_pages",
                f"--statements={options['statements']}",
                f"--rounds={options['rounds']}",
                f"--workers={options['workers']}",
                f"--wrk-seconds={options['wrk_seconds']}",
                f"--wrk-connections={options['wrk_connections']}",
            ]
            self.stdout.flush()
            done = subprocess.run(argv, env=env, cwd=settings.BASE_DIR, check=False)  # noqa: S603
            if done.returncode:
                raise CommandError(f"bench_pages failed (status {done.returncode})")

    # --- the inner process: this process's database is the benchmark's own ------------

    def inner(self, **options) -> None:
        tmp = Path(os.environ["CLAIMS_BENCH_TMP"])
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        load_demo()
        big = self._big_source()
        if big is None:
            counts = synthesize(max(options["statements"], BIG_SOURCE))
            self.stdout.write(
                f"synth: {counts['statements']:,} statements in {counts['sources']:,} sources"
            )
            big = self._big_source()
        if big is None:
            raise CommandError("The data set has no source with 2,000 statements.")
        Statement.objects.filter(summary=SAVE_SUMMARY).delete()
        with connection.cursor() as cursor:
            # PostgreSQL: VACUUM as autovacuum would have by now on a real server; after a
            # bulk load the visibility map is empty and every index-only count (the review
            # badge) visits the table (54 ms instead of 6 at 1,000,000 statements)
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        total = Statement.objects.count()
        seed_source = Source.objects.get(title=seed.SOURCE["title"])
        claim = (
            Claim.objects.filter(statements__source=seed_source)
            .annotate(n=Count("statements"))
            .order_by("-n", "id")
            .first()
        )
        self.stdout.write(
            f"Data: {total:,} statements on {connection.vendor}; seed source #{seed_source.pk} "
            f"({seed_source.statements.count()} statements), big source #{big.pk} "
            f"({big.statements.count():,} statements, {len(big.text):,} characters); "
            f"ready in {time.perf_counter() - started:.1f} s"
        )
        prod_env = self._production_env(tmp)
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            env={**os.environ, **prod_env},
            cwd=settings.BASE_DIR,
            check=True,
        )
        search_path = self._search_path()
        pages = [
            ("seed_reading", "reading page, seed article", "researcher", _path(seed_source)),
            ("reading_2000", "reading page, 2,000 statements", "researcher", _path(big)),
            ("review_queue", "review queue", "editor", reverse("claims:review_queue")),
            ("claim_page", "claim page (seed claim)", "researcher", claim.get_absolute_url()),
            ("source_list", "source list", "researcher", reverse("claims:source_list")),
            ("search", f"search {search_path}", "researcher", search_path),
        ]
        # the page cache's generation: the "generation" file cache the servers share
        generation = GenerationFileCache(
            str(Path(prod_env["DJANGO_SESSION_CACHE_DIR"], "generation")), {}
        )
        with gunicorn_process(workers=options["workers"], extra_env=prod_env) as server:
            anon = BenchClient(server.base_url, behind_proxy=True, gzip=True)
            users = {}
            for name in ("researcher", "editor"):
                users[name] = BenchClient(server.base_url, behind_proxy=True, gzip=True)
                users[name].login(name, seed.USERS[name][0])

            def healthz() -> Response:
                return anon.get("/healthz")

            results: dict[str, tuple[float, float, int]] = {}
            changed: dict[str, float] = {}
            health: list[float] = []
            for key, _label, user, path in pages:
                client = users[user]
                results[key] = self._alternate(
                    healthz, lambda c=client, p=path: c.get(p), health, options["rounds"], 200
                )
                results[key] = (*results[key][:2], client.last_wire_bytes)
                # the same page as first seen after a write (a new page cache generation)
                changed[key] = self._alternate(
                    healthz,
                    lambda c=client, p=path: c.get(p),
                    health,
                    options["rounds"],
                    200,
                    prepare=lambda: generation.set(GENERATION_KEY, secrets.token_hex(8), None),
                )[0]
            payloads = iter(save_payloads(big, options["rounds"] + 5, summary=SAVE_SUMMARY))
            save_path = reverse("claims:statement_create", args=[big.pk])
            client = users["researcher"]
            results["statement_save"] = (
                *self._alternate(
                    healthz,
                    lambda: client.post(save_path, next(payloads), headers=HTMX),
                    health,
                    options["rounds"],
                    201,
                )[:2],
                client.last_wire_bytes,
            )
            throughput = self._throughput(server.base_url, users["researcher"], pages, options)
            ours = [memory_kib(pid) for pid in server.worker_pids()]
        Statement.objects.filter(summary=SAVE_SUMMARY).delete()
        floor = self._floor(options)

        healthz_ms = statistics.median(health) * 1000
        self.stdout.write(
            f"\nServed by gunicorn ({options['workers']} sync workers), production settings, "
            f"gzip; {options['rounds']} requests per page, each after a /healthz request.\n"
        )
        self.stdout.write(
            "Pages are timed as viewed again (the page cache answers: claims/pagecache.py) "
            "and as first viewed after a write\nto the database (rendered afresh: the "
            "fragments of claims/caching.py answer), both × /healthz.\n"
        )
        self.stdout.write(
            f"{'request':<44} {'median ms':>9} {'p95 ms':>8} {'× healthz':>9} "
            f"{'budget':>6} {'KB sent':>8} {'after a write ×':>16}"
        )
        figures: dict[str, float] = {"healthz_ms": round(healthz_ms, 2)}
        self.stdout.write(
            f"{'/healthz':<44} {healthz_ms:>9.2f} {_p95(health) * 1000:>8.2f} {1:>9.2f}"
        )
        labels = {key: label for key, label, _u, _p in pages}
        labels["statement_save"] = "statement save (htmx POST, 2,000-statement source)"
        for key in [*labels]:
            med, p95, size = results[key]
            ratio = med * 1000 / healthz_ms
            figures[key] = round(ratio, 2)
            mark = "" if ratio <= BUDGETS[key] else "  OVER"
            fresh = ""
            if key in changed:
                fresh_ratio = changed[key] * 1000 / healthz_ms
                figures[f"{key}_after_write"] = round(fresh_ratio, 2)
                fresh = f"{fresh_ratio:>16.2f}" + ("" if fresh_ratio <= BUDGETS[key] else " OVER")
            self.stdout.write(
                f"{labels[key]:<44} {med * 1000:>9.2f} {p95 * 1000:>8.2f} {ratio:>9.2f} "
                f"{BUDGETS[key]:>6} {size / 1000:>8.1f} {fresh}{mark}"
            )
        if throughput:
            page_rps, health_rps = throughput
            share = page_rps / health_rps
            figures["throughput_share"] = round(share, 3)
            self.stdout.write(
                f"\nThroughput (wrk -c{options['wrk_connections']}): seed reading page "
                f"{page_rps:.0f} req/s, /healthz {health_rps:.0f} req/s: share {share:.2f} "
                f"(budget ≥ {THROUGHPUT_BUDGET})"
            )
        else:
            figures["throughput_share"] = None
            self.stdout.write("\nThroughput: skipped (--wrk-seconds 0 or no wrk).")
        self._memory_lines(ours, floor)
        self.stdout.write(json.dumps(figures))

    # --- pieces ---------------------------------------------------------------------

    @staticmethod
    def _big_source() -> Source | None:
        return (
            Source.objects.annotate(n=Count("statements"))
            .filter(n__gte=BIG_SOURCE)
            .order_by("n", "id")
            .defer("notes")
            .first()
        )

    @staticmethod
    def _production_env(tmp: Path) -> dict[str, str]:
        return {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_STATIC_ROOT": str(tmp / "static"),
            "DJANGO_SESSION_CACHE_DIR": str(tmp / "sessions"),
        }

    @staticmethod
    def _search_path() -> str:
        """The search page once it exists; until then the source list's search."""
        for name in ("claims:search", "search"):
            try:
                return f"{reverse(name)}?q={SEARCH_WORD}"
            except NoReverseMatch:
                continue
        return f"{reverse('claims:source_list')}?q={SEARCH_WORD}"

    @staticmethod
    def _alternate(
        healthz: Callable[[], Response],
        send: Callable[[], Response],
        health: list[float],
        rounds: int,
        expect: int,
        prepare: Callable[[], object] | None = None,
    ) -> tuple[float, float, int]:
        """Warm up, then `rounds` times: one /healthz, one request; (median, p95) seconds.
        `prepare` runs before each timed request, outside its time."""
        for _ in range(3):
            _check(send(), expect)
            _check(healthz(), 200)
        samples = []
        for _ in range(rounds):
            began = time.perf_counter()
            _check(healthz(), 200)
            health.append(time.perf_counter() - began)
            if prepare is not None:
                prepare()
            began = time.perf_counter()
            response = send()
            samples.append(time.perf_counter() - began)
            _check(response, expect)
        return statistics.median(samples), _p95(samples), 0

    def _throughput(self, base_url: str, client: BenchClient, pages, options):
        seconds = options["wrk_seconds"]
        wrk = shutil.which("wrk")
        if not seconds or not wrk:
            return None
        headers = ["-H", "X-Forwarded-Proto: https", "-H", "Accept-Encoding: gzip"]
        signed_in = [*headers, "-H", f"Cookie: {client.cookie_header()}"]
        page_url = base_url + pages[0][3]
        page, health = [], []
        for _ in range(2):
            health.append(_wrk(wrk, base_url + "/healthz", headers, seconds, options))
            page.append(_wrk(wrk, page_url, signed_in, seconds, options))
        return statistics.mean(page), statistics.mean(health)

    def _floor(self, options) -> list[dict[str, int]]:
        """Resident memory of a one-view Django app's workers, after some requests."""
        with gunicorn_process(
            workers=options["workers"], app="claims.floor_app:application", ready_path="/"
        ) as floor:
            client = BenchClient(floor.base_url)
            for _ in range(50):
                _check(client.get("/"), 200)
            return [memory_kib(pid) for pid in floor.worker_pids()]

    def _memory_lines(self, ours: list[dict], floor: list[dict]) -> None:
        def mean(rows, key):
            values = [r[key] for r in rows if key in r]
            return statistics.mean(values) / 1024 if values else float("nan")

        ours_rss, floor_rss = mean(ours, "rss"), mean(floor, "rss")
        self.stdout.write(
            f"Memory per worker (after the run): ours {ours_rss:.1f} MiB resident "
            f"({mean(ours, 'pss'):.1f} MiB proportional), one-view Django app "
            f"{floor_rss:.1f} MiB ({mean(floor, 'pss'):.1f} MiB): {ours_rss / floor_rss:.2f}× "
            "(budget ≤ 2×)"
        )


def _path(source: Source) -> str:
    return reverse("claims:source_detail", args=[source.pk])


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(0.95 * len(ordered)) - 1))]


def _check(response: Response, expect: int) -> None:
    if response.status != expect:
        raise CommandError(
            f"Expected HTTP {expect}, got {response.status}: {response.body[:300]!r}"
        )


def _wrk(wrk: str, url: str, headers: list[str], seconds: float, options) -> float:
    out = subprocess.run(  # noqa: S603
        [
            wrk,
            "-t1",
            f"-c{options['wrk_connections']}",
            f"-d{max(1, round(seconds))}s",
            *headers,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise CommandError(f"wrk got errors from {url}:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise CommandError(f"Unexpected wrk output:\n{out}")
    return float(match.group(1))
