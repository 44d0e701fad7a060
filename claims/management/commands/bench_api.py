"""`python manage.py bench_api [--statements 20000] [--requests 30] [--workers 2]`

The HTTP API on a data set from `synth`, served by gunicorn: prints the queries each list
and detail endpoint runs (with a token, in process), then the latency of API requests
beside the pages that show the same things: one statement through the API against its
page (the reading page of its source, where its `page` link leads) and, paired in turns,
against its card alone (a cached fragment); the
statement, claim and contradiction lists against the claim list and the review queue.
Run it against a database of its own, e.g.

    SQLITE_PATH=/tmp/bench_api.sqlite3 python manage.py bench_api

The database is migrated and filled by `synth --statements N` when it is empty; an
existing synth data set is reused. A token named "bench_api" is made for the synth
researcher (earlier ones are revoked).
"""

from __future__ import annotations

import time

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claims.benchmarking import (
    BenchClient,
    Timing,
    count_queries,
    latency_heading,
    signed_in_server,
    time_requests,
)
from claims.management.commands.synth import SYNTH_PASSWORD, synthesize
from claims.models import ApiToken, Claim, Source, Statement
from claims.services.tokens import api_token_create

RESEARCHER = "synth_researcher_1"
HTMX = {"HX-Request": "true"}


class Command(BaseCommand):
    help = "Query counts and latency of the HTTP API beside the pages, on synth data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--statements", type=int, default=20_000)
        parser.add_argument("--requests", type=int, default=30, help="Timed requests each.")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")

    def handle(self, *args, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if not Statement.objects.exists():
            started = time.perf_counter()
            counts = synthesize(options["statements"])
            self.stdout.write(
                f"synth: {counts['statements']} statements in {counts['sources']} sources "
                f"in {time.perf_counter() - started:.1f} s"
            )
        user = User.objects.filter(username=RESEARCHER).first()
        if user is None:
            raise CommandError(f"No {RESEARCHER} user: the data set was not made by synth.")
        ApiToken.objects.filter(user=user, name="bench_api", revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        _, secret = api_token_create(user=user, name="bench_api")
        token = {"Authorization": f"Bearer {secret}"}

        big = Source.objects.annotate(n=Count("statements")).order_by("-n").only("pk").first()
        # a statement in the middle of the biggest source: the text before it is long
        in_big = Statement.objects.filter(source=big).order_by("start", "id")
        statement = in_big[in_big.count() // 2]
        claim = Claim.objects.annotate(n=Count("statements")).order_by("-n").first()
        total = Statement.objects.count()
        self.stdout.write(
            f"{total:,} statements; source #{big.pk} has {in_big.count():,}; statement "
            f"#{statement.pk} at code point {statement.start:,}; claim #{claim.pk}."
        )

        api_paths = [
            ("API statement", f"/api/statements/{statement.pk}"),
            ("API statements of the big source", f"/api/statements/?source={big.pk}"),
            ("API statements, page 40", "/api/statements/?page=40"),
            ("API statements on a claim", f"/api/statements/?claim={claim.pk}"),
            ("API claims", "/api/claims/"),
            ("API claim", f"/api/claims/{claim.pk}"),
            ("API contradictions, proposed", "/api/contradictions/?status=proposed"),
            ("API contradictions on a claim", f"/api/contradictions/?claim={claim.pk}"),
            ("API sources", "/api/sources/"),
            ("API source (with its text)", f"/api/sources/{big.pk}"),
            ("API actors, search", "/api/actors/?q=al"),
            ("API notes", "/api/notes/"),
        ]
        pages = [
            ("page: statement card", reverse("claims:statement_card", args=[statement.pk]), HTMX),
            (
                "page: reading page of its source",
                reverse("claims:source_detail", args=[big.pk]),
                {},
            ),
            ("page: claim list", reverse("claims:claim_list"), {}),
            ("page: review queue", reverse("claims:review_queue"), {}),
        ]

        self.stdout.write("\nQueries per request (in process, token auth, after a warm-up):")
        client = Client()
        for label, path in api_paths:
            self.stdout.write(f"  {label}: {count_queries(client, path, token)}")

        self.stdout.write(latency_heading(workers=options["workers"], requests=options["requests"]))
        n = options["requests"]
        with signed_in_server(RESEARCHER, SYNTH_PASSWORD, workers=options["workers"]) as bench:
            api = BenchClient(bench.base_url)  # token only, no session
            figures = {}
            baseline = time_requests(lambda: api.get("/healthz"), n=n)
            self.stdout.write("  " + baseline.line("/healthz (the baseline: no database)"))
            for label, path in api_paths:
                timing = time_requests(lambda path=path: api.get(path, headers=token), n=n)
                figures[label] = timing
                self.stdout.write("  " + timing.line(label))
            session_read = time_requests(lambda: bench.get(f"/api/statements/{statement.pk}"), n=n)
            self.stdout.write("  " + session_read.line("API statement, session auth"))
            for label, path, headers in pages:
                timing = time_requests(lambda p=path, h=headers: bench.get(p, headers=h), n=n)
                figures[label] = timing
                self.stdout.write("  " + timing.line(label))

            # the strictest comparison, paired: one API read, then its card, in turns, so a
            # burst of load from elsewhere falls on both alike
            card_path = pages[0][1]
            api_samples, card_samples = [], []
            for _ in range(3):
                api.get(f"/api/statements/{statement.pk}", headers=token)
                bench.get(card_path, headers=HTMX)
            for _ in range(n * 2):
                api_samples += time_requests(
                    lambda: api.get(f"/api/statements/{statement.pk}", headers=token),
                    n=1,
                    warmup=0,
                ).samples
                card_samples += time_requests(
                    lambda: bench.get(card_path, headers=HTMX), n=1, warmup=0
                ).samples

        api_ms = Timing(api_samples).median_ms
        card_ms = Timing(card_samples).median_ms
        page_ms = figures["page: reading page of its source"].median_ms
        api_alone = figures["API statement"].median_ms
        verdict = "no slower" if api_alone <= page_ms * 1.05 else "SLOWER"
        self.stdout.write(
            f"\nOne statement: API {api_alone:.1f} ms vs its page (the reading page of its "
            f"source, where the statement's `page` link leads) {page_ms:.1f} ms (median): "
            f"{verdict} than the page.\nAgainst its card alone (a cached HTML fragment), "
            f"{n * 2} of each in turns: API {api_ms:.1f} ms vs card {card_ms:.1f} ms "
            f"(median, {api_ms / card_ms:.2f}x)."
        )
