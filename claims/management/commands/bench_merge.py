"""`python manage.py bench_merge [--statements 10000] [--writers 4] [--force]`

Times an actor merge (claims.services.merges.actor_merge) of an actor with N statements
into another actor, while K writer threads keep recording statements through the
statement service (statement_create), each on its own database connection. Goal (issue
7.10): the merge of 10,000 statements under 2 s, and the other writers wait for it
rather than fail ("database is locked").

The data: a background from `synth --statements N` (sources, actors, claims,
contradictions), then the merged actor with N statements on the spans of those sources
(with claims and stances; some delivered via other actors), the kept actor with a few
statements that become identical to the merged actor's (folded), a few the merged actor
delivered for it (their via is dropped), and N/8 contradictions touching the merged
actor's statements. Give it a database of its own:

    SQLITE_PATH=/tmp/bench_merge.sqlite3 python manage.py bench_merge
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_merge python manage.py bench_merge

It refuses a database that holds statements unless --force is given; with --force it
builds the merge pair on the spans of the data that is there. The last line printed is
one JSON object: statements, merge_s, writers, writes, write_errors, max_write_wait_s.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import override_settings

from claims import anchoring
from claims.management.commands.synth import synthesize
from claims.models import Actor, Claim, Contradiction, Source, Statement
from claims.services import merges, statements

BATCH = 1000
EDITOR, WRITER = "bench_merge_editor", "bench_merge_writer"


@dataclass
class Writer:
    """One writer thread's figures."""

    number: int
    writes: int = 0
    errors: list[str] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    during_merge: int = 0  # writes whose time overlapped the merge


class Command(BaseCommand):
    help = (
        "Time an actor merge of N statements while K threads keep saving statements; "
        "print a table and a JSON line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--statements", type=int, default=10_000, help="N (10,000).")
        parser.add_argument("--writers", type=int, default=4, help="K writer threads (4).")
        parser.add_argument(
            "--pause",
            type=float,
            default=0.05,
            help="Seconds each writer waits between its saves (0.05: a busy annotator; "
            "0 hammers the database and, in one process, the GIL).",
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run on a database that holds data (the merge pair is added to it).",
        )

    def handle(self, *args, **options) -> None:
        n, k = options["statements"], options["writers"]
        if n < 1 or k < 0:
            raise CommandError("--statements must be at least 1 and --writers at least 0.")
        call_command("migrate", interactive=False, verbosity=0)
        if Statement.objects.exists() and not options["force"]:
            raise CommandError(
                "The database holds data: point SQLITE_PATH or DATABASE_URL at an empty "
                "database, or give --force to add the benchmark's actors to it."
            )
        rng = random.Random(options["seed"])
        started = time.perf_counter()
        if not Statement.objects.exists():
            synthesize(n, seed=options["seed"])
        merged, kept, built = build_merge_pair(n, rng)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(
            f"Built in {time.perf_counter() - started:.1f} s on {connection.vendor}: "
            f"{built['statements']} statements by “{merged.name}” (#{merged.pk}) over "
            f"{built['sources']} sources and {built['claims']} claims, {built['via']} "
            f"by others delivered via it, {built['contradictions']} contradictions touching "
            "them; "
            f"“{kept.name}” (#{kept.pk}) has {built['collisions']} of the same statements."
        )

        writers = [Writer(i + 1) for i in range(k)]
        merge_s, report = run_merge_with_writers(merged, kept, writers, rng, pause=options["pause"])
        self._check(merged, kept, built)

        waits = [d for w in writers for d in w.durations]
        errors = [e for w in writers for e in w.errors]
        self.stdout.write(f"\nMerge of {built['statements']} statements: {merge_s:.2f} s")
        self.stdout.write(
            f"  {report.summary()}; {len(report.resolved)} conflicts resolved (folds, vias)"
        )
        self.stdout.write(f"\n{'writer':>8} {'writes':>7} {'during merge':>13} {'errors':>7}")
        for w in writers:
            line = f"{w.number:>8} {w.writes:>7} {w.during_merge:>13} {len(w.errors):>7}"
            longest = max(w.durations, default=0.0)
            self.stdout.write(f"{line}   longest write {longest:.3f} s")
        for message in sorted(set(errors))[:5]:
            self.stdout.write(f"  error: {message}")
        self.stdout.write(
            json.dumps(
                {
                    "statements": built["statements"],
                    "merge_s": round(merge_s, 3),
                    "writers": k,
                    "writes": sum(w.writes for w in writers),
                    "write_errors": len(errors),
                    "max_write_wait_s": round(max(waits, default=0.0), 3),
                }
            )
        )

    def _check(self, merged: Actor, kept: Actor, built: dict) -> None:
        """The merge did what it says: the merged actor is gone and its statements are the
        kept actor's (the identical ones folded)."""
        if Actor.objects.filter(pk=merged.pk).exists():
            raise CommandError("The merged actor still exists after the merge.")
        left = Statement.objects.filter(Q(speaker_id=merged.pk) | Q(via_id=merged.pk)).count()
        if left:
            raise CommandError(f"{left} statements still point at the merged actor.")
        have = Statement.objects.filter(speaker=kept).count()
        expected = built["statements"] + built["kept_own"]  # the collisions folded into one
        if have != expected:
            raise CommandError(f"The kept actor has {have} statements, expected {expected}.")


def _users() -> tuple[User, User]:
    """Who merges and who writes (the services take a user; no role or login needed)."""
    users = []
    for name in (EDITOR, WRITER):
        user, created = User.objects.get_or_create(username=name)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        users.append(user)
    return users[0], users[1]


def _spans() -> list[tuple]:
    """Distinct spans of the statements in the database: (source id, start, end)."""
    return list(
        Statement.objects.order_by("source_id", "start", "end")
        .values_list("source_id", "start", "end")
        .distinct()
    )


@transaction.atomic
def build_merge_pair(n: int, rng: random.Random) -> tuple[Actor, Actor, dict]:
    """The merged actor with `n` statements on the spans in the database, and the kept
    actor; bulk inserts in one transaction (no history rows, as synth)."""
    editor, _writer = _users()
    tag = f"{time.time_ns() % 10**9}"
    merged = Actor.objects.create(name=f"Bench merged actor {tag}", kind="person")
    kept = Actor.objects.create(name=f"Bench kept actor {tag}", kind="person")
    others = list(Actor.objects.exclude(pk__in=[merged.pk, kept.pk]).order_by("pk")[:200])
    claims = list(Claim.objects.order_by("pk").values_list("pk", flat=True)[:500])
    spans = _spans()
    if not spans or not others or not claims:
        raise CommandError("No sources with statements, actors and claims to build on.")
    texts = dict(Source.objects.filter(pk__in={s for s, _, _ in spans}).values_list("pk", "text"))
    # each span once per (claim, stance) round, so every statement has its own natural key
    rounds = [(None, "")] + [
        (claim, stance)
        for claim in rng.sample(claims, min(len(claims), 40))
        for stance in ("asserts", "denies")
    ]
    keys, used = [], set()
    for i in range(n * 2):  # a span and a (claim, stance) it has not had yet
        span, r = spans[i % len(spans)], rng.randrange(len(rounds))
        if (span, r) not in used:
            used.add((span, r))
            keys.append((span, rounds[r]))
        if len(keys) == n:
            break
    rows, via_rows, same_rows = [], [], []
    for i, ((source_id, start, end), (claim_id, stance)) in enumerate(keys):
        anchor = anchoring.make_anchor(texts[source_id], start, end)
        fields = dict(
            source_id=source_id,
            start=start,
            end=end,
            exact=anchor.exact,
            prefix=anchor.prefix,
            suffix=anchor.suffix,
            reporting="reported",
            claim_id=claim_id,
            stance=stance,
            created_by=editor,
        )
        rows.append(
            Statement(speaker=merged, via=rng.choice(others) if i % 10 == 0 else None, **fields)
        )
        if i % 100 == 1:  # the kept actor said exactly this too: folded by the merge
            same_rows.append(Statement(speaker=kept, **fields))
        if i % 50 == 2:  # others delivered via the merged actor (and the kept one via it)
            speaker = kept if i % 100 == 2 else rng.choice(others)
            # "questions": a stance no merged statement takes, so these stay their own
            other = {"claim_id": claims[0], "stance": "questions", "reporting": "paraphrase"}
            via_rows.append(Statement(speaker=speaker, via=merged, **{**fields, **other}))
    if len(rows) < n:
        raise CommandError(f"Only {len(rows)} distinct statements fit the data; use fewer.")
    Statement.objects.bulk_create([*rows, *same_rows, *via_rows], batch_size=BATCH)

    background = list(
        Statement.objects.exclude(speaker__in=[merged, kept])
        .exclude(via=merged)
        .order_by("?")
        .values_list("pk", flat=True)[: n // 4]
    )
    pairs: set[tuple[int, int]] = set()
    links = []
    for st in rows[: n // 8]:
        other = rng.choice(background) if background else rows[-1].pk
        pair = (min(st.pk, other), max(st.pk, other))
        if other == st.pk or pair in pairs:
            continue
        pairs.add(pair)
        confirmed = rng.random() < 0.3
        links.append(
            Contradiction(
                first_id=st.pk,
                second_id=other,
                kind=Contradiction.Kind.DENIAL,
                rationale="Benchmark: they cannot both stand.",
                claim_id=st.claim_id,
                status="confirmed" if confirmed else "proposed",
                proposed_by=editor,
                reviewed_by=editor if confirmed else None,
                reviewed_at=merged.created_at if confirmed else None,
            )
        )
    Contradiction.objects.bulk_create(links, batch_size=BATCH)
    kept_own = sum(1 for st in via_rows if st.speaker_id == kept.pk)
    built = {
        "statements": len(rows),
        "sources": len({r.source_id for r in rows}),
        "claims": len({r.claim_id for r in rows if r.claim_id}),
        "via": len(via_rows),
        "contradictions": len(links),
        "collisions": len(same_rows),
        "kept_own": kept_own,
    }
    return merged, kept, built


def run_merge_with_writers(
    merged: Actor, kept: Actor, writers: list[Writer], rng: random.Random, *, pause: float
) -> tuple[float, merges.MergeReport]:
    """Start the writers; once each has saved a statement, merge; stop them after it.
    Returns the merge's wall time and its report."""
    editor, writer_user = _users()
    spans = _spans()
    sources = {s.pk: s for s in Source.objects.filter(pk__in={s for s, _, _ in spans})}
    claims = list(Claim.objects.order_by("pk").values_list("pk", flat=True)[:100])
    speakers = [
        Actor.objects.create(name=f"Bench writer {w.number} {merged.pk}", kind="person")
        for w in writers
    ]
    warmed = threading.Barrier(len(writers) + 1)
    stop = threading.Event()
    intervals: dict[int, list[tuple[float, float]]] = {w.number: [] for w in writers}

    def write(w: Writer, speaker: Actor, order: list[tuple]) -> None:
        # each pass over the spans with another claim: every write is a new statement
        passes = [(None, "")] + [(claim, "asserts") for claim in claims]
        keys = ((span, p) for p in passes for span in order)
        try:
            for j, ((source_id, start, end), (claim_id, stance)) in enumerate(keys):
                if stop.is_set():
                    break
                source = sources[source_id]
                began = time.perf_counter()
                try:
                    statements.statement_create(
                        user=writer_user,
                        source=source,
                        anchor=anchoring.Anchor(start, end, source.text[start:end]),
                        speaker=speaker,
                        claim=Claim(pk=claim_id) if claim_id else None,
                        stance=stance,
                        summary=f"bench writer {w.number}, write {j}",
                    )
                except Exception as exc:  # a failed write is what this counts
                    w.errors.append(f"{type(exc).__name__}: {exc}"[:200])
                else:
                    w.writes += 1
                intervals[w.number].append((began, time.perf_counter()))
                if j == 0:
                    warmed.wait(60)
                stop.wait(pause)
        finally:
            connection.close()

    threads = []
    for w, speaker in zip(writers, speakers, strict=True):
        order = spans[:]
        rng.shuffle(order)
        threads.append(threading.Thread(target=write, args=(w, speaker, order)))
    for thread in threads:
        thread.start()
    warmed.wait(60)
    time.sleep(0.2)  # the writers are in full swing, not all starting at once
    began = time.perf_counter()
    with override_settings(DEBUG=False):  # as in production: no query log in memory
        report = merges.actor_merge(merged_id=merged.pk, kept_id=kept.pk, user=editor)
    ended = time.perf_counter()
    time.sleep(0.2)  # the writes that waited for the merge finish, and a few after
    stop.set()
    for thread in threads:
        thread.join(120)
    for w in writers:
        w.durations = [b - a for a, b in intervals[w.number]]
        w.during_merge = sum(1 for a, b in intervals[w.number] if a < ended and b > began)
    return ended - began, report
