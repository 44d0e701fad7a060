"""`python manage.py bench_exchange [--statements 100000] [--polnear PATH]`

Times every export of a `synth` data set of N statements, each in a child process
(`manage.py export`), and prints its time, size and peak memory (maximum resident set
size) beside the same export of one source: streamed exports use about the same memory
whatever the data size. Then times the import of the polnear-dev brat corpus (84
articles with their attributions) into a fresh, migrated scratch database. Give it a
database of its own:

    SQLITE_PATH=/tmp/bench_exchange.sqlite3 python manage.py bench_exchange
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/claims_bench python manage.py bench_exchange
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Count

from claims.benchmarking import current_database_env
from claims.management.commands.synth import synthesize
from claims.models import Claim, Source, Statement

FORMATS = ["w3c", "claimreview", "aif", "csv-zip", "jsonl"]
MANAGE = str(Path(settings.BASE_DIR) / "manage.py")


def _peak_rss_mb(pid: int) -> int | None:
    """The process's peak resident size so far (VmHWM: it starts afresh at exec)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        return None
    return None


def run_child(argv: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Run `manage.py argv`; return (seconds, peak resident MB, its output)."""
    started = time.perf_counter()
    peak = 0
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [sys.executable, MANAGE, *argv],
            env={
                **os.environ,
                # the child runs with this process's settings (debug, key) on `env`'s database
                "DJANGO_DEBUG": "1" if settings.DEBUG else "0",
                "DJANGO_SECRET_KEY": settings.SECRET_KEY,
                **env,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        while proc.poll() is None:
            peak = max(peak, _peak_rss_mb(proc.pid) or 0)
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        log.seek(0)
        out = log.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise CommandError(f"manage.py {' '.join(argv)} failed:\n{out[-2000:]}")
    return elapsed, peak, out


class Command(BaseCommand):
    help = "Time exports of N synth statements (time, size, memory) and the polnear-dev import."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--statements", type=int, default=100_000)
        parser.add_argument(
            "--polnear",
            default=str(Path(settings.BASE_DIR).parent / "shared" / "eval" / "polnear-dev"),
            help="The brat corpus to import (skipped when missing).",
        )
        parser.add_argument("--skip-exports", action="store_true")

    def handle(self, *args, **options) -> None:
        env = current_database_env()
        if not options["skip_exports"]:
            self.exports(options["statements"], env)
        polnear = Path(options["polnear"])
        if polnear.is_dir():
            self.polnear_import(polnear)
        else:
            self.stdout.write(f"No brat corpus at {polnear}: import not measured.")

    def exports(self, n: int, env: dict[str, str]) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        existing = Statement.objects.count()
        if existing == 0:
            started = time.perf_counter()
            synthesize(n)
            self.stdout.write(f"synth: {n} statements in {time.perf_counter() - started:.1f} s")
        elif existing < n:
            raise CommandError(
                f"The database holds {existing} statements, fewer than {n}: "
                "point SQLITE_PATH or DATABASE_URL at an empty database."
            )
        if not Claim.objects.exclude(verdict="unrated").exists():
            # synth gives no verdicts: a quarter of the claims get one, for ClaimReview
            verdicts = ["true", "mostly_true", "misleading", "false", "unverifiable"]
            ids = list(Claim.objects.order_by("pk").values_list("pk", flat=True))[::4]
            for i, verdict in enumerate(verdicts):
                Claim.objects.filter(pk__in=ids[i :: len(verdicts)]).update(
                    verdict=verdict, rationale="bench_exchange: a verdict for ClaimReview"
                )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        total = Statement.objects.count()
        small = (
            Source.objects.annotate(n=Count("statements"))
            .filter(n__gt=0)
            .order_by("n", "pk")
            .values_list("pk", "n")
            .first()
        )
        self.stdout.write(
            f"Exports of {total:,} statements ({connection.vendor}); memory is the peak "
            f"resident size of the exporting process (sampled every 20 ms), beside the export of source "
            f"#{small[0]} ({small[1]} statements); ClaimReview covers the "
            f"{Claim.objects.exclude(verdict='unrated').count():,} claims with a verdict:"
        )
        self.stdout.write(
            f"{'format':<12} {'time':>8} {'size':>12} {'memory':>9} {'one source':>11}"
        )
        with tempfile.TemporaryDirectory(prefix="bench_exchange_") as tmp:
            for fmt in FORMATS:
                out = str(Path(tmp) / f"export.{fmt}")
                seconds, rss, _ = run_child(["export", fmt, out], env)
                size = Path(out).stat().st_size
                _, rss_small, _ = run_child(["export", fmt, out, "--source", str(small[0])], env)
                self.stdout.write(
                    f"{fmt:<12} {seconds:>6.1f} s {size / 1e6:>9.1f} MB {rss:>6} MB "
                    f"{rss_small:>8} MB"
                )

    def polnear_import(self, polnear: Path) -> None:
        db = settings.DATABASES["default"]
        with tempfile.TemporaryDirectory(prefix="bench_exchange_") as tmp:
            if db["ENGINE"].endswith("sqlite3"):
                env = {"SQLITE_PATH": str(Path(tmp) / "import.sqlite3"), "DATABASE_URL": ""}
                cleanup = None
            else:
                name = f"claims_bench_import_{os.getpid()}"
                with connection.cursor() as cursor:
                    cursor.execute(f'CREATE DATABASE "{name}"')
                url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name
                env = {"DATABASE_URL": url}
                cleanup = name
            try:
                run_child(["migrate", "-v0"], env)
                run_child(
                    [
                        "shell",
                        "-c",
                        "from django.contrib.auth.models import User; "
                        "User.objects.create_user('bench_importer')",
                    ],
                    env,
                )
                argv = ["import", "brat", str(polnear), "--user", "bench_importer"]
                wall, rss, out = run_child(argv, env)
                again, _, out_again = run_child(argv, env)
            finally:
                if cleanup:
                    connection.close()
                    with connection.cursor() as cursor:
                        cursor.execute(f'DROP DATABASE IF EXISTS "{cleanup}"')
        own = re.search(r"Created (.*) in ([\d.]+) s", out)
        own_again = re.search(r"Created (.*) in ([\d.]+) s", out_again)
        self.stdout.write(
            f"Import of {polnear.name} (brat, into a fresh {connection.vendor} database): "
            f"{own.group(1) if own else '?'}; {own.group(2) if own else '?'} s in the import, "
            f"{wall:.1f} s with start-up, peak memory {rss} MB. "
            f"Run again: {own_again.group(2) if own_again else '?'} s, created "
            f"{own_again.group(1) if own_again else '?'}."
        )
