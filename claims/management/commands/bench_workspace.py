"""`python manage.py bench_workspace [--statements 2000] [--requests 30]`

Times the annotation workspace served by gunicorn on a data set from `synth`: the
reading page of a source with 2,000 statements (and of one with 20), its text and
card fragments, and the statement-save request (an htmx POST with UTF-16 offsets,
as annotate.js sends it). Prints median and p95 latency, and the number of queries
each page runs at 2,000 and at 20 statements, which must be the same. Run it
against a database of its own, e.g.

    SQLITE_PATH=/tmp/bench_workspace.sqlite3 python manage.py bench_workspace

The database is migrated and filled by `synth --statements N` when it is empty;
an existing synth data set is reused.
"""

from __future__ import annotations

import time

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.benchmarking import (
    count_queries,
    latency_heading,
    save_payloads,
    signed_in_server,
    time_gets,
    time_requests,
)
from claims.management.commands.synth import BIG_SOURCE, SYNTH_PASSWORD, synthesize
from claims.models import Source, Statement

RESEARCHER = "synth_researcher_1"
SMALL = 20
SMALL_TITLE = "bench_workspace: the big source's text with 20 statements"
BENCH_SUMMARY = "bench_workspace save"
HTMX = {"HX-Request": "true"}


class Command(BaseCommand):
    help = (
        "Time the reading page and the statement save on a source with 2,000 statements, "
        "served by gunicorn on synth data; print median/p95 and query counts at 2,000 vs 20."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--statements", type=int, default=BIG_SOURCE)
        parser.add_argument("--requests", type=int, default=30, help="Timed requests per page.")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")

    def handle(self, *args, **options) -> None:
        n = max(options["statements"], BIG_SOURCE)
        call_command("migrate", interactive=False, verbosity=0)
        if not Statement.objects.exists():
            started = time.perf_counter()
            counts = synthesize(n)
            self.stdout.write(
                f"synth: {counts['statements']} statements in {counts['sources']} sources "
                f"in {time.perf_counter() - started:.1f} s"
            )
        if not User.objects.filter(username=RESEARCHER).exists():
            raise CommandError(f"No {RESEARCHER} user: the data set was not made by synth.")
        big = (
            Source.objects.exclude(title=SMALL_TITLE)
            .annotate(n=Count("statements"))
            .filter(n__gte=BIG_SOURCE)
            .order_by("-n")
            .first()
        )
        if big is None:
            raise CommandError(
                f"No source has {BIG_SOURCE} statements: run synth with at least that many."
            )
        Statement.objects.filter(summary=BENCH_SUMMARY).delete()
        small = self._small_source(big)
        sizes = {s.pk: s.statements.count() for s in (big, small)}
        self.stdout.write(
            f"Big source #{big.pk}: {sizes[big.pk]} statements, {len(big.text):,} characters; "
            f"small source #{small.pk}: {sizes[small.pk]} statements, same text."
        )

        self.stdout.write("\nQueries per request (in process, after a warm-up request):")
        client = Client()
        client.force_login(User.objects.get(username=RESEARCHER))
        for label, name in [
            ("reading page", "claims:source_detail"),
            ("text fragment", "claims:source_text"),
            ("cards fragment", "claims:source_cards"),
        ]:
            headers = HTMX if name != "claims:source_detail" else {}
            counts = [
                count_queries(client, reverse(name, args=[source.pk]), headers)
                for source in (big, small)
            ]
            same = "same" if counts[0] == counts[1] else "DIFFERENT"
            self.stdout.write(
                f"  {label}: {counts[0]} queries at {sizes[big.pk]} statements, "
                f"{counts[1]} at {sizes[small.pk]} ({same})"
            )
        payload = self._save_payloads(big, 1)[0]
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                reverse("claims:statement_create", args=[big.pk]), payload, headers=HTMX
            )
        if response.status_code != 201:
            raise CommandError(f"The statement save answered {response.status_code}")
        self.stdout.write(f"  statement save: {len(ctx.captured_queries)} queries")

        self.stdout.write(latency_heading(workers=options["workers"], requests=options["requests"]))
        with signed_in_server(RESEARCHER, SYNTH_PASSWORD, workers=options["workers"]) as bench:
            pages = [
                (
                    f"reading page, {sizes[big.pk]} statements",
                    reverse("claims:source_detail", args=[big.pk]),
                    {},
                ),
                (
                    f"reading page, {sizes[small.pk]} statements",
                    reverse("claims:source_detail", args=[small.pk]),
                    {},
                ),
                (
                    "text fragment, 2,000 statements",
                    reverse("claims:source_text", args=[big.pk]),
                    HTMX,
                ),
                (
                    "cards fragment, 2,000 statements",
                    reverse("claims:source_cards", args=[big.pk]),
                    HTMX,
                ),
            ]
            for line in time_gets(bench, pages, n=options["requests"]):
                self.stdout.write("  " + line)
            save_path = reverse("claims:statement_create", args=[big.pk])
            payloads = iter(self._save_payloads(big, options["requests"] + 10))
            timing = time_requests(
                lambda: bench.post(save_path, next(payloads), headers=HTMX),
                n=options["requests"],
                expect=201,
            )
            self.stdout.write(
                "  " + timing.line("statement save (htmx POST) on the 2,000-statement source")
            )
        removed, _ = Statement.objects.filter(summary=BENCH_SUMMARY).delete()
        self.stdout.write(f"\nRemoved the {removed} statements the benchmark saved.")

    @staticmethod
    def _small_source(big: Source) -> Source:
        small = Source.objects.filter(title=SMALL_TITLE).first()
        if small is not None:
            return small
        with transaction.atomic():
            small = Source.objects.create(
                title=SMALL_TITLE, text=big.text, created_by=big.created_by
            )
            copies = []
            for s in big.statements.order_by("start", "id")[:SMALL]:
                s.pk = s.id = None
                s.source = small
                copies.append(s)
            Statement.objects.bulk_create(copies)
        return small

    @staticmethod
    def _save_payloads(source: Source, count: int) -> list[dict[str, str]]:
        return save_payloads(source, count, summary=BENCH_SUMMARY)
