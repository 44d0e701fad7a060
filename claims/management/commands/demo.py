"""`python manage.py demo`: migrate, load the demo data set, create the demo users, serve.

The data set is the seed article annotated as in ANNOTATIONS.md
(claims/demo_data/). Anchors are computed from the quotes. A second run changes
nothing: every row is looked up by its natural key before it is created.
"""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from claims import anchoring
from claims.demo_data import seed
from claims.models import (
    Actor,
    ActorAlias,
    Affiliation,
    Claim,
    Contradiction,
    Source,
    Statement,
)
from claims.services.disputes import claim_refresh_status
from claims.serving import gunicorn_argv, serve_with_worker, worker_argv

DATA_DIR = Path(seed.__file__).resolve().parent


class Command(BaseCommand):
    help = (
        "Migrate, load the demo data (the seed article with its annotations) and the demo users "
        "researcher/editor/admin, print their logins, then serve the app with gunicorn on "
        "http://127.0.0.1:8000/. Idempotent. Refuses to run when DEBUG is off."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-serve", action="store_true", help="Prepare the database only; do not serve."
        )
        parser.add_argument("--port", type=int, default=8000, help="Port to serve on (8000).")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2).")
        parser.add_argument("--threads", type=int, default=4, help="Threads per worker (4).")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Serve only; do not start a task worker (imports and exports stay queued).",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "The demo loads users with published passwords: it refuses to run with "
                "DEBUG off (DJANGO_DEBUG=0)."
            )
        call_command("migrate", interactive=False, verbosity=0)
        created = load_demo()
        if created:
            self.stdout.write(f"Demo data loaded: {created} new rows.")
        else:
            self.stdout.write("Demo data already loaded: nothing changed.")
        self.stdout.write("Demo logins (username / password):")
        for username, (password, group, _superuser) in seed.USERS.items():
            role = group or "superuser, admin site"
            self.stdout.write(f"  {username:<11} {password:<22} ({role})")
        if options["no_serve"]:
            return
        port = options["port"]
        self.stdout.write(f"Serving on http://127.0.0.1:{port}/ (Ctrl-C stops)")
        sys.stdout.flush()
        argv = gunicorn_argv(port=port, workers=options["workers"], threads=options["threads"])
        if options["no_worker"]:
            os.execv(sys.executable, argv)  # noqa: S606 (replaces this process with gunicorn)
            return  # only reached where execv is stubbed out (tests)
        self.stdout.write("Background jobs: a task worker runs beside it (manage.py db_worker).")
        sys.stdout.flush()
        code = serve_with_worker(argv, worker_argv())
        if code:
            raise CommandError(f"gunicorn stopped with exit code {code}.")


class Counter:
    def __init__(self) -> None:
        self.created = 0

    def __call__(self, pair: tuple) -> object:
        obj, created = pair
        self.created += int(created)
        return obj


@transaction.atomic
def load_demo() -> int:
    """Load the demo users and data; return the number of rows created."""
    count = Counter()
    users = {name: _demo_user(name, count) for name in seed.USERS}
    researcher, editor = users["researcher"], users["editor"]

    text = anchoring.normalize_text((DATA_DIR / seed.SOURCE["text_file"]).read_text("utf-8"))
    fields = {k: v for k, v in seed.SOURCE.items() if k != "text_file"}
    source = count(
        Source.objects.get_or_create(
            title=fields.pop("title"),
            publisher=fields.pop("publisher"),
            published_on=fields.pop("published_on"),
            defaults={**fields, "text": text, "created_by": researcher},
        )
    )
    text = source.text

    actors = {}
    for key, (name, kind, aliases, description) in seed.ACTORS.items():
        actor = count(
            Actor.objects.get_or_create(
                name=name,
                defaults={"kind": kind, "description": description, "created_by": researcher},
            )
        )
        for alias in aliases:
            count(ActorAlias.objects.get_or_create(actor=actor, name=alias))
        actors[key] = actor
    for actor, role, target in seed.AFFILIATIONS:
        count(
            Affiliation.objects.get_or_create(actor=actors[actor], role=role, target=actors[target])
        )

    claims = {
        key: count(Claim.objects.get_or_create(text=text_, defaults={"created_by": researcher}))
        for key, text_ in seed.CLAIMS.items()
    }

    statements = {}
    for key, s in seed.STATEMENTS.items():
        anchor = anchoring.find_quote(text, s["quote"], s.get("prefix", ""), s.get("suffix", ""))
        claim = claims[s["claim"]] if s.get("claim") else None
        statements[key] = count(
            Statement.objects.get_or_create(
                source=source,
                speaker=actors[s["speaker"]],
                start=anchor.start,
                end=anchor.end,
                defaults={
                    "via": actors[s["via"]] if s.get("via") else None,
                    "reporting": seed.REPORTING[s["how"]],
                    "exact": anchor.exact,
                    "prefix": anchor.prefix,
                    "suffix": anchor.suffix,
                    "claim": claim,
                    "stance": s.get("stance", "") if claim else "",
                    "said_on": s.get("said_on"),
                    "created_by": researcher,
                },
            )
        )

    reviewed_at = timezone.make_aware(datetime.datetime(2008, 4, 4, 9, 0))
    for first_key, second_key, kind, claim_key, status, rationale in seed.CONTRADICTIONS.values():
        first, second = statements[first_key], statements[second_key]
        pair = Q(first=first, second=second) | Q(first=second, second=first)
        if Contradiction.objects.filter(pair).exists():
            continue
        reviewed = status != Contradiction.Status.PROPOSED
        Contradiction.objects.create(
            first=first,
            second=second,
            kind=kind,
            claim=claims[claim_key],
            status=status,
            rationale=rationale,
            proposed_by=researcher,
            reviewed_by=editor if reviewed else None,
            reviewed_at=reviewed_at if reviewed else None,
        )
        count.created += 1

    for claim in claims.values():
        claim_refresh_status(claim=claim)
    return count.created


def _demo_user(username: str, count: Counter) -> User:
    password, group, superuser = seed.USERS[username]
    user = count(
        User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.org"})
    )
    changed = False
    if not user.check_password(password):
        user.set_password(password)
        changed = True
    if superuser and not (user.is_superuser and user.is_staff):
        user.is_superuser = user.is_staff = True
        changed = True
    if changed:
        user.save()
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user
