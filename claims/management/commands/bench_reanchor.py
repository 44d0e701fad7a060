"""Re-anchoring after typo-style edits of real articles: how many statements land where
the edit carried them, how many are flagged lost, and how many are placed wrongly.

    python manage.py bench_reanchor ../shared/eval/polnear-dev/text --spans 20 --seed 1

Each article gets random word-aligned spans (as statements) and a few random edits
(a typo, a deleted or inserted character, a cut or rewritten sentence), tracked
character by character so the true new place of every span is known. A placement is
wrong when it differs from that true place. The last line is one JSON object.
"""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims import anchoring


def _edit(rng: random.Random, chars: list[tuple[str, int | None]]) -> None:
    kind = rng.choice(["typo", "typo", "insert", "delete", "cut", "rewrite"])
    at = rng.randrange(len(chars))
    if kind == "typo":
        chars[at] = (rng.choice("etaoinshrdlu"), None)
    elif kind == "insert":
        chars[at:at] = [(c, None) for c in rng.choice(["a", " the", "ly", ",", "\n"])]
    elif kind == "delete":
        del chars[at]
    else:
        text = "".join(c for c, _ in chars)
        begin = text.rfind(". ", 0, at)
        begin = 0 if begin == -1 else begin + 2
        stop = text.find(". ", at)
        stop = len(chars) if stop == -1 else stop + 2
        chars[begin if kind == "cut" else at : stop] = (
            [] if kind == "cut" else [(c, None) for c in "everyone left. "]
        )


def _truth(origins: list[int | None], start: int, end: int, where: dict) -> int | None:
    at = where.get(start)
    if at is not None and origins[at : at + end - start] == list(range(start, end)):
        return at
    return None


class Command(BaseCommand):
    help = "Measure re-anchoring after random typo-style edits of real articles."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="a folder of .txt articles (searched recursively)")
        parser.add_argument("--spans", type=int, default=20, help="statements per article")
        parser.add_argument("--edits", type=int, default=3, help="edits per article")
        parser.add_argument("--rounds", type=int, default=1, help="edited versions per article")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, folder, spans, edits, rounds, seed, **options):
        paths = sorted(Path(folder).rglob("*.txt"))
        if not paths:
            raise CommandError(f"No .txt files under {folder}.")
        rng = random.Random(seed)
        totals = {"articles": 0, "statements": 0, "placed": 0, "lost": 0, "wrong": 0}
        intact = 0
        began = time.perf_counter()
        for path in paths:
            text = anchoring.normalize_text(path.read_text(encoding="utf-8"))
            words = [m.span() for m in re.finditer(r"\w+(?:\W+\w+){0,6}", text)]
            if not words:
                continue
            totals["articles"] += 1
            for _ in range(rounds):
                chosen = rng.sample(words, min(spans, len(words)))
                anchors = [
                    (i, anchoring.make_anchor(text, s, e)) for i, (s, e) in enumerate(chosen)
                ]
                chars: list[tuple[str, int | None]] = [(c, i) for i, c in enumerate(text)]
                for _ in range(edits):
                    if chars:
                        _edit(rng, chars)
                new = "".join(c for c, _ in chars)
                origins = [i for _, i in chars]
                where = {o: j for j, o in enumerate(origins) if o is not None}
                result = anchoring.reanchor(new, anchors, old_text=text)
                for key, anchor in anchors:
                    totals["statements"] += 1
                    truth = _truth(origins, anchor.start, anchor.end, where)
                    intact += truth is not None
                    if key in result.placed:
                        totals["placed"] += 1
                        totals["wrong"] += result.placed[key].start != truth
                    else:
                        totals["lost"] += 1
        totals["intact"] = intact
        totals["kept_of_intact"] = (
            round((totals["placed"] - totals["wrong"]) / intact, 4) if intact else None
        )
        totals["seconds"] = round(time.perf_counter() - began, 2)
        self.stdout.write(
            f"{totals['articles']} articles, {totals['statements']} statements: "
            f"{totals['placed']} placed ({totals['wrong']} wrongly), {totals['lost']} flagged lost; "
            f"{intact} were left whole by the edits, {totals['kept_of_intact']:.1%} of them kept"
        )
        self.stdout.write(json.dumps(totals))
