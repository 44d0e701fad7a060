"""`python manage.py bench_review [--statements 100000] [--requests 30]`

Times the editors' review queue (and the claim list and a busy claim page) served by
gunicorn on a data set from `synth`, and prints median and p95 latency and the number
of queries each page runs. Run it against a database of its own, e.g.

    SQLITE_PATH=/tmp/bench_review.sqlite3 python manage.py bench_review

The database is migrated and filled by `synth --statements N` when it is empty; an
existing data set of at least N statements is reused.
"""

from __future__ import annotations

import time

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Count
from django.test import Client

from claims.benchmarking import count_queries, latency_heading, signed_in_server, time_gets
from claims.management.commands.synth import SYNTH_PASSWORD, synthesize
from claims.models import Claim, Contradiction, Statement
from claims.services.review import waiting_count

EDITOR = "synth_editor"
HTMX = {"HX-Request": "true", "HX-Target": "review-results"}


class Command(BaseCommand):
    help = "Time the review queue served by gunicorn on synth data; print median/p95 and queries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--statements", type=int, default=100_000)
        parser.add_argument("--requests", type=int, default=30, help="Timed requests per page.")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")

    def handle(self, *args, **options) -> None:
        n = options["statements"]
        call_command("migrate", interactive=False, verbosity=0)
        existing = Statement.objects.count()
        if existing == 0:
            started = time.perf_counter()
            counts = synthesize(n)
            self.stdout.write(
                f"synth: {counts['statements']} statements, {counts['contradictions']} "
                f"contradictions, {counts['claims']} claims in {time.perf_counter() - started:.1f} s"
            )
        elif existing < n:
            raise CommandError(
                f"The database holds {existing} statements, fewer than {n}: "
                "point SQLITE_PATH or DATABASE_URL at an empty database."
            )
        else:
            self.stdout.write(f"Reusing the {existing} statements in the database.")
        # Fresh planner statistics, as autovacuum (PostgreSQL) would gather after a bulk load.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        if not User.objects.filter(username=EDITOR).exists():
            raise CommandError(f"No {EDITOR} user: the data set was not made by synth.")

        busy = (
            Claim.objects.annotate(n=Count("statements")).order_by("-n").values_list("pk", "n")
        ).first()
        actor_id = Statement.objects.values_list("speaker_id", flat=True).first()
        proposed = Contradiction.objects.filter(status="proposed").count()
        self.stdout.write(
            f"Data: {Statement.objects.count()} statements, {proposed} proposed contradictions, "
            f"{Claim.objects.filter(status='disputed').count()} disputed claims; "
            f"{waiting_count()} items wait for review."
        )
        pages = [
            ("review queue", "/review/", {}),
            ("review queue, page 40", "/review/?page=40", {}),
            ("review queue, search (htmx)", "/review/?q=pipeline", HTMX),
            ("review queue, actor filter", f"/review/?actor={actor_id}", {}),
            ("review queue, disputed claims", "/review/?status=disputed", {}),
            ("claim list", "/claims/", {}),
            (f"claim page ({busy[1]} statements)", f"/claims/{busy[0]}/", {}),
        ]

        self.stdout.write("\nQueries per page (in process, after a warm-up request):")
        client = Client()
        client.force_login(User.objects.get(username=EDITOR))
        for label, path, headers in pages:
            self.stdout.write(f"  {label}: {count_queries(client, path, headers)} queries")

        self.stdout.write(latency_heading(workers=options["workers"], requests=options["requests"]))
        with signed_in_server(EDITOR, SYNTH_PASSWORD, workers=options["workers"]) as bench:
            for line in time_gets(bench, pages, n=options["requests"]):
                self.stdout.write("  " + line)
