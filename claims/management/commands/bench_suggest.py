"""`python manage.py bench_suggest PATH` / `python manage.py bench_suggest --seed`

Runs the suggestion engine (claims.suggest) over a folder laid out like
../shared/eval/polnear-dev (`text/NAME.txt`, `ann/NAME.ann` in brat standoff) with an EMPTY
actor register, scores it against the gold attributions (claims.suggest.scoring: a match at t
when the shared characters are at least t of the longer Content span, one-to-one, discontinuous
gold as its hull) and prints, as its last line, one JSON object with the figures.

`--seed` scores the seed article (claims/demo_data) against its gold statements instead, with
the seed's actor register: there a speaker is right when the suggested speaker resolves to the
statement's speaker or its via, and "quoted" is the statements recorded as direct or partial
quotes (the seed's quotes are stored without their quotation marks).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.anchoring import find_quote
from claims.demo_data import seed
from claims.suggest import ActorEntry, suggest
from claims.suggest.scoring import Gold, Guess, Result, read_brat, score


def _guesses(text: str, actors=()) -> list[Guess]:
    return [
        Guess(
            s.start,
            s.end,
            s.exact,
            (s.speaker.start, s.speaker.end) if s.speaker else None,
            s.speaker.actor_id if s.speaker else None,
        )
        for s in suggest(text, actors)
    ]


def bench_folder(path: Path, repeat: int = 1) -> dict:
    texts = sorted((path / "text").glob("*.txt"))
    if not texts:
        raise CommandError(f"No text/*.txt files under {path}.")
    total = Result()
    words = 0
    elapsed = 0.0
    for txt in texts:
        ann = path / "ann" / (txt.stem + ".ann")
        if not ann.exists():
            raise CommandError(f"{ann} is missing.")
        text = txt.read_text(encoding="utf-8")
        gold = read_brat(ann.read_text(encoding="utf-8"), text)
        words += len(text.split())
        started = time.perf_counter()
        for _ in range(repeat):
            guesses = _guesses(text)
        elapsed += (time.perf_counter() - started) / repeat
        total.add(score(gold, guesses))
    return total.figures(1000 * elapsed / words * 1000 if words else 0.0)


def seed_gold() -> tuple[str, list[ActorEntry], list[Gold]]:
    text = (Path(seed.__file__).parent / seed.SOURCE["text_file"]).read_text(encoding="utf-8")
    keys = list(seed.ACTORS)
    actors = [
        ActorEntry(i + 1, name, tuple(aliases), kind)
        for i, (name, kind, aliases, _desc) in enumerate(seed.ACTORS.values())
    ]
    gold: dict[tuple[int, int], Gold] = {}
    for st in seed.STATEMENTS.values():
        anchor = find_quote(text, st["quote"], st.get("prefix", ""), st.get("suffix", ""))
        ids = {keys.index(st["speaker"]) + 1}
        if st.get("via"):
            ids.add(keys.index(st["via"]) + 1)
        span = (anchor.start, anchor.end)
        if span in gold:  # a joint statement: one span, several speakers
            ids |= gold[span].speakers
        quote = st["how"] in ("direct quote", "partial quote")
        gold[span] = Gold(span[0], span[1], text[span[0] : span[1]], (), frozenset(ids), quote)
    return text, actors, sorted(gold.values(), key=lambda g: g.start)


def bench_seed(repeat: int = 20) -> dict:
    text, actors, gold = seed_gold()
    started = time.perf_counter()
    for _ in range(repeat):
        guesses = _guesses(text, actors)
    elapsed = (time.perf_counter() - started) / repeat
    res = score(gold, guesses)
    return res.figures(1000 * elapsed / len(text.split()) * 1000)


class Command(BaseCommand):
    help = "Score the suggestion engine on a brat folder (or the seed article); print JSON last."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help="A folder with text/*.txt and ann/*.ann.")
        parser.add_argument("--seed", action="store_true", help="Score the seed article.")
        parser.add_argument("--repeat", type=int, default=1, help="Timing runs per article.")

    def handle(self, *args, **options) -> None:
        if options["seed"]:
            figures = bench_seed(max(options["repeat"], 20))
            self.stdout.write("seed article (claims/demo_data), seed actor register")
        elif options["path"]:
            path = Path(options["path"])
            if not path.is_dir():
                raise CommandError(f"{path} is not a folder.")
            figures = bench_folder(path, options["repeat"])
            self.stdout.write(f"{path}: empty actor register, gold Content hulls")
        else:
            raise CommandError("Give a PATH to a brat folder, or --seed.")
        self.stdout.write(json.dumps(figures))
