"""`python manage.py synth --statements N [--seed S]`: a realistic synthetic data set.

Sources with multi-paragraph news-like text (some names with diacritics, Arabic
script and emoji), actors with aliases and affiliations, claims, statements
anchored in their source's text (overlapping ones included, about 20-200 per
source, and one source with 2,000 statements once N allows it), contradictions
(proposed, confirmed, rejected; each pair once) and a few notes. Everything is
written with bulk_create in one transaction; no history rows are written for
this bulk data. The basis of the scale tests and benchmarks.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from claims import anchoring
from claims.models import (
    Actor,
    ActorAlias,
    Affiliation,
    Claim,
    Contradiction,
    Note,
    Source,
    Statement,
)

BIG_SOURCE = 2000
RESEARCHERS = 5
SYNTH_PASSWORD = "synth-password-not-secret"
BATCH = 1000

FIRST = [
    "Amira", "Jonas", "Zoë", "Mehmet", "Łukasz", "Inès", "Kofi", "Sven", "Hiroshi", "Ana",
    "Dmitri", "Fatima", "José", "Chloé", "Rahul", "Ngozi", "Björn", "Leila", "Tomás", "Mei",
    "Omar", "Sinéad", "Pavel", "Yusuf", "Ilse", "Kwame", "Søren", "Noor", "Mateus", "Hana",
]  # fmt: skip
LAST = [
    "Haddad", "Müller", "Okafor", "Nakamura", "Wójcik", "Duarte", "Lindqvist", "Al-Rashid",
    "Ferreira", "Kowalczyk", "Mensah", "Ångström", "Petrović", "Castillo", "Öztürk", "Brennan",
    "Ibrahim", "Novák", "Takahashi", "Rossi", "Nguyen", "Salazar", "Karimi", "Dubois",
]  # fmt: skip
PLACES = [
    "Northport", "Valdoria", "Kessel", "São Marcos", "Al-Qadim", "Eastmere", "Tirana Nova",
    "Bérenville", "Ostrava Lake", "Mirabad", "Port Elin", "Zürichsee",
]  # fmt: skip
ORG_PATTERNS = [
    ("Ministry of {topic}", Actor.Kind.GOVERNMENT),
    ("{place} Police Department", Actor.Kind.GOVERNMENT),
    ("{place} City Council", Actor.Kind.GOVERNMENT),
    ("{place} Workers' Union", Actor.Kind.ORGANISATION),
    ("{place} Chamber of Commerce", Actor.Kind.ORGANISATION),
    ("{place} Liberation Front", Actor.Kind.ARMED_GROUP),
    ("People's Party of {place}", Actor.Kind.PARTY),
    ("Radio {place}", Actor.Kind.MEDIA),
    ("The {place} Herald", Actor.Kind.MEDIA),
    ("Residents of {place}", Actor.Kind.COLLECTIVE),
    ("A senior official in {place}", Actor.Kind.ANONYMOUS),
    ("وزارة {arabic}", Actor.Kind.GOVERNMENT),
]
ARABIC = ["الداخلية", "الخارجية", "الصحة", "المالية", "النفط"]
TOPICS = ["Energy", "Health", "the Interior", "Finance", "Transport", "Water", "Defence"]
SUBJECTS = [
    "the new pipeline", "the ceasefire", "the budget", "the bridge repairs", "the water supply",
    "the election count", "the port expansion", "the curfew", "fuel subsidies", "the census",
    "the vaccination drive", "the border crossing", "the housing programme", "grain exports",
]  # fmt: skip
PREDICATES = [
    "was on schedule", "had been delayed by months", "cost more than announced",
    "was supported by most residents", "had failed to reach rural areas",
    "was never approved by parliament", "would be completed before winter",
    "had been agreed with the opposition", "violated the agreement signed in March",
    "was funded by foreign donors", "had reduced prices by a third", "was safe",
]  # fmt: skip
FILLER = [
    "The announcement came after weeks of protests in the capital.",
    "Officials did not respond to requests for comment.",
    "Traffic was diverted around the district for most of the day.",
    "The figures could not be independently verified.",
    "Talks are expected to resume next week.",
    "Local newspapers carried the story on their front pages.",
    "Witnesses described long queues outside the offices 🚗.",
    "A banner read “لا للفساد” — no to corruption.",
    "Online, the hashtag #TruthCheck 🔥 trended for hours.",
    "Prices in the central market rose again on Tuesday.",
]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
KINDS = [k for k, _ in Contradiction.Kind.choices]


@dataclass
class Span:
    start: int
    end: int
    reporting: str


@dataclass
class Draft:
    text: str
    quotes: list[Span] = field(default_factory=list)  # direct quotes inside sentences
    sentences: list[Span] = field(default_factory=list)  # whole sentences (reported)


class Command(BaseCommand):
    help = (
        "Fill the database with a realistic synthetic data set of N statements (with sources, "
        "actors, aliases, affiliations, claims, contradictions, notes), using bulk writes in one "
        "transaction. No history rows are written for this bulk data. Creates researcher users "
        f"synth_researcher_1..{RESEARCHERS} and synth_editor (password {SYNTH_PASSWORD!r}). "
        f"One source gets {BIG_SOURCE} statements when N is at least {BIG_SOURCE}. "
        "Prints the time taken."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--statements", type=int, required=True, help="How many statements.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (1).")

    def handle(self, *args, **options) -> None:
        n = options["statements"]
        if n < 1:
            raise CommandError("--statements must be at least 1.")
        started = time.perf_counter()
        counts = synthesize(n, seed=options["seed"])
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{v} {k}" for k, v in counts.items())
        self.stdout.write(f"Created {summary} in {elapsed:.1f} s.")


def plan_sources(n: int, rng: random.Random) -> list[int]:
    """Statements per source: one big source (when n allows) and 20-200 for the rest."""
    sizes = []
    rest = n
    if n >= BIG_SOURCE:
        sizes.append(BIG_SOURCE)
        rest -= BIG_SOURCE
    while rest > 0:
        k = min(rest, rng.randint(20, 200))
        if k < 20 and sizes and sizes[-1] != BIG_SOURCE:
            sizes[-1] += k
        else:
            sizes.append(k)
        rest -= k
    return sizes


@transaction.atomic
def synthesize(n: int, *, seed: int = 1) -> dict[str, int]:
    rng = random.Random(seed)
    now = timezone.now()
    researchers, editor = _users()

    actors, aliases, affiliations = _actors(max(12, min(5000, n // 40)), rng)
    Actor.objects.bulk_create(actors, batch_size=BATCH)
    for alias in aliases:
        alias.actor_id = alias.actor.pk
    ActorAlias.objects.bulk_create(aliases, batch_size=BATCH)
    for aff in affiliations:
        aff.actor_id, aff.target_id = aff.actor.pk, aff.target.pk
    Affiliation.objects.bulk_create(affiliations, batch_size=BATCH)

    claims = [
        Claim(
            text=f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(PREDICATES)} "
            f"(in {rng.choice(PLACES)}, case {i + 1}).",
            created_by=rng.choice(researchers),
        )
        for i in range(max(5, n // 25))
    ]
    Claim.objects.bulk_create(claims, batch_size=BATCH)

    sizes = plan_sources(n, rng)
    sources: list[Source] = []
    plans: list[tuple[Draft, list[Actor], int]] = []
    for i, k in enumerate(sizes):
        cast = rng.sample(actors, min(len(actors), rng.randint(4, 14)))
        draft = _write_text(k, cast, rng)
        published = datetime.date(2020, 1, 1) + datetime.timedelta(days=rng.randint(0, 2000))
        sources.append(
            Source(
                title=f"{rng.choice(SUBJECTS).capitalize()}: "
                f"{rng.choice(['questions', 'new figures', 'a dispute', 'reactions'])} "
                f"in {rng.choice(PLACES)} (#{i + 1})",
                kind=rng.choice([Source.Kind.ARTICLE] * 6 + [Source.Kind.TRANSCRIPT]),
                publisher=rng.choice(["Daily Ledger", "Wire Service", "Radio Kessel", "Le Monde"]),
                url=f"https://news.example.org/{published:%Y/%m}/story-{seed}-{i + 1}",
                published_on=published,
                dateline=rng.choice(PLACES).upper(),
                byline=f"By {rng.choice(FIRST)} {rng.choice(LAST)}",
                language="en",
                text=draft.text,
                text_sha256=anchoring.text_hash(draft.text),
                created_by=rng.choice(researchers),
            )
        )
        plans.append((draft, cast, k))
    Source.objects.bulk_create(sources, batch_size=100)

    statements: list[Statement] = []
    for source, (draft, cast, k) in zip(sources, plans, strict=True):
        statements.extend(_statements(source, draft, cast, k, claims, researchers, rng))
    Statement.objects.bulk_create(statements, batch_size=BATCH)

    contradictions = _contradictions(statements, n // 8, researchers, editor, now, rng)
    Contradiction.objects.bulk_create(contradictions, batch_size=BATCH)

    notes = []
    for i in range(3 + n // 500):
        on_claim = i % 2 == 0 or not contradictions
        notes.append(
            Note(
                claim=rng.choice(claims) if on_claim else None,
                contradiction=None if on_claim else rng.choice(contradictions),
                author=rng.choice([*researchers, editor]),
                body=rng.choice(
                    [
                        "Checked the original broadcast; the quote is accurate.",
                        "Needs a second source before we confirm.",
                        "The dates in the two reports do not match — ask the desk.",
                        "Translation from the Arabic (وزارة) checked by a native speaker ✅.",
                    ]
                ),
            )
        )
    Note.objects.bulk_create(notes, batch_size=BATCH)

    disputed = _disputed_claims(statements, contradictions)
    ids = sorted(disputed)
    for i in range(0, len(ids), 500):
        Claim.objects.filter(pk__in=ids[i : i + 500]).update(status=Claim.Status.DISPUTED)

    return {
        "sources": len(sources),
        "statements": len(statements),
        "actors": len(actors),
        "aliases": len(aliases),
        "affiliations": len(affiliations),
        "claims": len(claims),
        "contradictions": len(contradictions),
        "notes": len(notes),
    }


def _users() -> tuple[list[User], User]:
    def user(name: str, group: str) -> User:
        u, created = User.objects.get_or_create(
            username=name, defaults={"email": f"{name}@example.org"}
        )
        if created:
            u.set_password(SYNTH_PASSWORD)
            u.save(update_fields=["password"])
        u.groups.add(Group.objects.get(name=group))
        return u

    researchers = [user(f"synth_researcher_{i}", "Researchers") for i in range(1, RESEARCHERS + 1)]
    return researchers, user("synth_editor", "Editors")


def _actors(count: int, rng: random.Random):
    actors: list[Actor] = []
    aliases: list[ActorAlias] = []
    seen: set[str] = set()
    while len(actors) < count:
        i = len(actors)
        if rng.random() < 0.55:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name, kind = f"{first} {last}", Actor.Kind.PERSON
            names = [last, f"{first[0]}. {last}"]
        else:
            pattern, kind = rng.choice(ORG_PATTERNS)
            name = pattern.format(
                topic=rng.choice(TOPICS), place=rng.choice(PLACES), arabic=rng.choice(ARABIC)
            )
            names = ["".join(w[0] for w in name.split() if w[0].isupper())]
        if name in seen:
            name = f"{name} ({i + 1})"
        seen.add(name)
        actor = Actor(
            name=name,
            kind=kind,
            description=f"Synthetic {kind.label.lower()} number {i + 1}.",
            wikidata_id=f"Q{rng.randint(1000, 9_999_999)}" if rng.random() < 0.2 else "",
        )
        actors.append(actor)
        for alias in dict.fromkeys(a for a in names[: rng.randint(0, 2)] if a and a != name):
            aliases.append(ActorAlias(actor=actor, name=alias))
    people = [a for a in actors if a.kind == Actor.Kind.PERSON]
    groups = [a for a in actors if a.kind != Actor.Kind.PERSON]
    affiliations: list[Affiliation] = []
    pairs: set[tuple[int, str, int]] = set()
    if groups:
        for person in people:
            if rng.random() < 0.4:
                target = rng.choice(groups)
                role = rng.choice(["leader_of", "member_of", "spokesperson_for"])
                key = (id(person), role, id(target))
                if key not in pairs:
                    pairs.add(key)
                    affiliations.append(Affiliation(actor=person, role=role, target=target))
    return actors, aliases, affiliations


def _write_text(k: int, cast: list[Actor], rng: random.Random) -> Draft:
    """Paragraphs of news-like sentences, recording where quotes and sentences lie."""
    parts: list[str] = []
    draft = Draft(text="")
    pos = 0
    n_sentences = max(12, int(k * 0.6) + 6)
    paragraph_left = rng.randint(2, 5)
    for i in range(n_sentences):
        speaker = rng.choice(cast).name
        quote = f"{rng.choice(SUBJECTS)} {rng.choice(PREDICATES)}"
        style = rng.random()
        if i == 0:
            sentence, q = f"{rng.choice(PLACES).upper()} — {rng.choice(FILLER)}", None
        elif style < 0.35:
            sentence = f"“{quote.capitalize()},” {speaker} said on {rng.choice(DAYS)}."
            q = (1, 1 + len(quote))
        elif style < 0.6:
            head = f"{speaker} told reporters that "
            sentence, q = f"{head}{quote}.", (len(head), len(head) + len(quote))
        elif style < 0.75:
            head = f"According to {speaker}, "
            sentence, q = f"{head}{quote}.", (len(head), len(head) + len(quote))
        elif style < 0.85:
            head = f"{speaker} denied that "
            sentence, q = f"{head}{quote} 🙅.", (len(head), len(head) + len(quote))
        else:
            sentence, q = rng.choice(FILLER), None
        if q is not None:
            draft.quotes.append(Span(pos + q[0], pos + q[1], "direct_quote"))
        draft.sentences.append(Span(pos, pos + len(sentence), "reported"))
        parts.append(sentence)
        pos += len(sentence)
        paragraph_left -= 1
        sep = "\n\n" if paragraph_left == 0 else " "
        if paragraph_left == 0:
            paragraph_left = rng.randint(2, 5)
        if i < n_sentences - 1:
            parts.append(sep)
            pos += len(sep)
    parts.append("\n")
    draft.text = "".join(parts)
    assert anchoring.normalize_text(draft.text) == draft.text
    return draft


def _statements(source, draft, cast, k, claims, researchers, rng) -> list[Statement]:
    text = source.text
    out = []
    local_claims = rng.sample(claims, min(len(claims), rng.randint(2, 8)))
    seen: set[tuple] = set()
    attempts = 0
    while len(out) < k and attempts < 20 * k:
        attempts += 1
        r = rng.random()
        if r < 0.55 and draft.quotes:
            span = rng.choice(draft.quotes)
            start, end, reporting = span.start, span.end, span.reporting
        elif r < 0.8:
            span = rng.choice(draft.sentences)
            start, end, reporting = span.start, span.end, span.reporting
        else:  # a stretch over two sentences, or part of one: overlaps others
            i = rng.randrange(len(draft.sentences))
            a = draft.sentences[i]
            b = draft.sentences[min(i + 1, len(draft.sentences) - 1)]
            start = a.start + rng.randint(0, max(0, (a.end - a.start) // 2))
            end = max(start + 1, b.end - rng.randint(0, max(0, (b.end - b.start) // 3)))
            reporting = rng.choice(["paraphrase", "partial_quote", "reported"])
        anchor = anchoring.make_anchor(text, start, end)
        speaker = rng.choice(cast)
        via = rng.choice(cast) if rng.random() < 0.1 else None
        if via is speaker:
            via = None
        claim = rng.choice(local_claims) if rng.random() < 0.65 else None
        stance = rng.choice(["asserts", "asserts", "denies", "questions"]) if claim else ""
        key = (start, end, speaker.name, via and via.name, claim and claim.text, stance)
        if key in seen:  # the database holds a statement's natural key unique
            continue
        seen.add(key)
        out.append(
            Statement(
                source=source,
                speaker=speaker,
                via=via,
                reporting=reporting,
                start=anchor.start,
                end=anchor.end,
                exact=anchor.exact,
                prefix=anchor.prefix,
                suffix=anchor.suffix,
                claim=claim,
                stance=stance,
                said_on=(
                    source.published_on - datetime.timedelta(days=rng.randint(0, 3))
                    if rng.random() < 0.5
                    else None
                ),
                summary="Summary: " + anchoring._short(anchor.exact, 80)
                if rng.random() < 0.3
                else "",
                created_by=rng.choice(researchers),
            )
        )
    return out


def _contradictions(statements, target, researchers, editor, now, rng) -> list[Contradiction]:
    by_claim: dict[int, list[Statement]] = defaultdict(list)
    for st in statements:
        if st.claim_id:
            by_claim[st.claim_id].append(st)
    groups = [g for g in by_claim.values() if len(g) > 1]
    pairs: set[tuple[int, int]] = set()
    out: list[Contradiction] = []
    attempts = 0
    while len(out) < target and attempts < target * 5 and (groups or len(statements) > 1):
        attempts += 1
        if groups and rng.random() < 0.85:
            first, second = rng.sample(rng.choice(groups), 2)
            claim = first.claim
        else:
            first, second = rng.sample(statements, 2)
            claim = None
        key = (min(first.pk, second.pk), max(first.pk, second.pk))
        if first.pk == second.pk or key in pairs:
            continue
        pairs.add(key)
        status = rng.choices(["proposed", "confirmed", "rejected"], weights=[6, 3, 1])[0]
        reviewed = status != "proposed"
        out.append(
            Contradiction(
                first=first,
                second=second,
                kind=rng.choice(KINDS),
                rationale=f"{first.speaker.name} and {second.speaker.name} cannot both be right.",
                claim=claim,
                status=status,
                proposed_by=rng.choice(researchers),
                reviewed_by=editor if reviewed else None,
                reviewed_at=now if reviewed else None,
                review_note="Checked against both sources." if reviewed else "",
            )
        )
    return out


def _disputed_claims(statements, contradictions) -> set[int]:
    stances: dict[int, set[str]] = defaultdict(set)
    for st in statements:
        if st.claim_id:
            stances[st.claim_id].add(st.stance)
    disputed = {c for c, s in stances.items() if {"asserts", "denies"} <= s}
    for c in contradictions:
        if c.status == "confirmed":
            disputed |= {x for x in (c.claim_id, c.first.claim_id, c.second.claim_id) if x}
    return disputed
