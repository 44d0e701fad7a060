"""`python manage.py bench_search [--requests 15] [--q pipeline --q ...]`

Times every search on the configured database (SQLite or PostgreSQL, filled by ``synth``)
through Django's test client (the whole-page cache off: the search runs every time), signed
in as a synth user, and the navigation's review badge count (``waiting_count()``). Prints a
table of median / p95 milliseconds per search (each query word timed ``--requests`` times,
after one warm-up request) and, as its last line, one JSON object
``{"statements": N, "vendor": ..., "<search>": median_ms, ...}``.

    DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/s_big \\
        python manage.py bench_search
    DJANGO_DEBUG=1 SQLITE_PATH=/tmp/big.sqlite3 python manage.py bench_search

It never migrates or fills the database. After a fresh ``synth`` pass ``--analyze``: it runs
``ANALYZE`` (SQLite) or ``VACUUM ANALYZE`` (PostgreSQL), as autovacuum would, so PostgreSQL
plans with real statistics and its full-text GIN indexes have no pending list left from
the bulk insert (every search scans that list whole: at 100,000 statements it added 4 ms
to a search for a word found nowhere).
"""

from __future__ import annotations

import json
import statistics
import time

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from claims.models import Statement
from claims.services.review import waiting_count

# A word found in quotes and claims but in no actor's name; a surname many speakers share;
# two words; a word found nowhere.
QUERIES = ["pipeline", "haddad", "ceasefire delayed", "qzxv"]
HTMX = {"HX-Request": "true"}


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Time each search (global, lists, review queue, Contradicts…) and the review badge."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", type=int, default=15, help="Timed runs per query.")
        parser.add_argument(
            "--q", action="append", dest="queries", help="A query (repeatable; default: 4)."
        )
        parser.add_argument("--user", default="synth_editor", help="Who is signed in.")
        parser.add_argument(
            "--only",
            help="Time only the searches whose name holds this text (e.g. 'queue').",
        )
        parser.add_argument(
            "--analyze", action="store_true", help="Run ANALYZE (PostgreSQL: VACUUM ANALYZE) first."
        )

    def handle(self, *args, **options) -> None:
        n = options["requests"]
        queries = options["queries"] or QUERIES
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}: fill the database with synth.")
        if options["analyze"]:
            with connection.cursor() as cursor:
                # VACUUM cannot run in a transaction; Django's connection is in autocommit
                vacuum = "VACUUM " if connection.vendor == "postgresql" else ""
                cursor.execute(f"{vacuum}ANALYZE")
        # the search itself, every time: not the whole-page cache, which answers a repeated
        # request without running it (claims/pagecache.py; read when the client's handler
        # loads its middleware, at its first request)
        with override_settings(CLAIMS_PAGE_CACHE=False):
            self._run(user, queries, n, only=options["only"] or "")

    def _run(self, user, queries: list[str], n: int, *, only: str = "") -> None:
        statements = Statement.objects.count()
        statement = Statement.objects.order_by("id").values_list("pk", flat=True).first()
        client = Client()
        client.force_login(user)

        searches = [
            ("global /search/", reverse("claims:search"), {}),
            ("source list", reverse("claims:source_list"), {"HX-Target": "source-results"}),
            ("claim list", reverse("claims:claim_list"), {"HX-Target": "claim-results"}),
            ("actor list", reverse("claims:actor_list"), {"HX-Target": "actor-results"}),
            (
                "review queue search",
                reverse("claims:review_queue"),
                {"HX-Target": "review-results"},
            ),
            (
                "Contradicts… search",
                reverse("claims:statement_link_search", args=[statement]),
                {},
            ),
        ]
        searches = [search for search in searches if only.lower() in search[0].lower()]
        if not searches:
            raise CommandError(f"No search is named like {only!r}.")
        results: dict[str, list[float]] = {}
        per_query: dict[str, dict[str, float]] = {}
        for name, url, headers in searches:
            times: list[float] = []
            per_query[name] = {}
            for q in queries:
                response = client.get(url, {"q": q}, headers={**HTMX, **headers})
                if response.status_code != 200:
                    raise CommandError(f"{name} {q!r}: HTTP {response.status_code}")
                mine = []
                for _ in range(n):
                    started = time.perf_counter()
                    client.get(url, {"q": q}, headers={**HTMX, **headers})
                    mine.append((time.perf_counter() - started) * 1000)
                per_query[name][q] = statistics.median(mine)
                times += mine
            results[name] = times
        badge = []
        waiting = waiting_count()
        for _ in range(n * 2):
            started = time.perf_counter()
            waiting_count()
            badge.append((time.perf_counter() - started) * 1000)
        results["review badge count"] = badge

        self.stdout.write(
            f"{connection.vendor}, {statements} statements, {waiting} waiting for review; "
            f"{n} timed runs per query, queries {queries}"
        )
        width = max(len(k) for k in results) + 2
        head = "".join(f"{q[:12]:>14}" for q in queries)
        self.stdout.write(f"{'':{width}}{'median':>9}{'p95':>9}   median per query:{head}")
        for name, times in results.items():
            each = (
                "".join(f"{per_query[name][q]:14.1f}" for q in queries) if name in per_query else ""
            )
            self.stdout.write(
                f"{name:{width}}{statistics.median(times):9.1f}{_percentile(times, 0.95):9.1f}"
                f"{'':20}{each}"
            )
        summary = {"statements": statements, "vendor": connection.vendor}
        summary |= {name: round(statistics.median(t), 1) for name, t in results.items()}
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
