"""schema.org ClaimReview (JSON-LD) for each claim with a verdict.

Fields as schema.org defines them and the search engines' fact-check markup requires or
recommends: claimReviewed, reviewRating (ratingValue on a 1-5 scale with bestRating,
worstRating and alternateName, the verdict in words), author (the publishing
organisation, from settings), datePublished, url; itemReviewed is a Claim with its author
(the actors recorded asserting it: a Person, or an Organization for any other kind of
actor; those who deny or question it are not its authors), datePublished, appearance (the sources it was found in) and
firstAppearance (the earliest of them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

SCHEMA_CONTEXT = "https://schema.org"
BEST, WORST = 5, 1
# verdict -> (ratingValue or None, alternateName)
RATINGS: dict[str, tuple[int | None, str]] = {
    "true": (5, "True"),
    "mostly_true": (4, "Mostly true"),
    "misleading": (2, "Misleading"),
    "false": (1, "False"),
    "unverifiable": (None, "Unverifiable"),  # no point on the scale: the words say it
}
REQUIRED = ["claimReviewed", "reviewRating", "url", "author"]
RECOMMENDED = ["datePublished", "itemReviewed"]


def _date(value) -> str | None:
    return value.isoformat() if value is not None else None


def _creative_work(source: dict) -> dict:
    work = {"@type": "CreativeWork", "name": source.get("title")}
    if source.get("url"):
        work["url"] = source["url"]
    if source.get("publisher"):
        work["publisher"] = {"@type": "Organization", "name": source["publisher"]}
    if source.get("published_on"):
        work["datePublished"] = _date(source["published_on"])
    return work


def claim_review(claim: dict, *, publisher: dict, sources: dict[int, dict]) -> dict:
    """The ClaimReview of one claim record (id, text, verdict, rationale, reviewed_at,
    appearances: [{source_id, speakers, said_on}] oldest first)."""
    value, words = RATINGS[claim["verdict"]]
    rating = {"@type": "Rating", "alternateName": words, "bestRating": BEST, "worstRating": WORST}
    if value is not None:
        rating["ratingValue"] = value
    if claim.get("rationale"):
        rating["ratingExplanation"] = claim["rationale"]
    appearances = [a for a in claim.get("appearances", []) if a["source_id"] in sources]
    ordered = sorted(
        appearances,
        key=lambda a: (
            sources[a["source_id"]].get("published_on") is None,
            sources[a["source_id"]].get("published_on") or "",
            a["source_id"],
        ),
    )
    item = {"@type": "Claim", "name": claim["text"]}
    authors: dict[str, dict] = {}
    for a in ordered:
        for speaker in a["speakers"]:
            person = _agent(speaker)
            authors.setdefault(person["name"], person)
    if authors:
        item["author"] = list(authors.values())
    if ordered:
        first = sources[ordered[0]["source_id"]]
        item["firstAppearance"] = _creative_work(first)
        item["appearance"] = [_creative_work(sources[a["source_id"]]) for a in ordered]
        said = ordered[0].get("said_on") or first.get("published_on")
        if said:
            item["datePublished"] = _date(said)
    base = (publisher.get("url") or "").rstrip("/")
    author = {"@type": "Organization", "name": publisher["name"]}
    if publisher.get("url"):
        author["url"] = publisher["url"]
    review = {
        "@type": "ClaimReview",
        "url": f"{base}/claims/{claim['id']}/",
        "claimReviewed": claim["text"],
        "author": author,
    }
    reviewed = claim.get("reviewed_at") or claim.get("created_at")
    if reviewed:
        review["datePublished"] = _date(reviewed.date())
    return review | {"reviewRating": rating, "itemReviewed": item}


def _agent(speaker: str | dict) -> dict:
    """A claim's author: a name (a Person) or {"name", "kind"} with the actor's kind."""
    if isinstance(speaker, str):
        return {"@type": "Person", "name": speaker}
    kind = "Person" if speaker.get("kind", "person") == "person" else "Organization"
    return {"@type": kind, "name": speaker["name"]}


def missing_fields(review: dict) -> list[str]:
    """Required and recommended fields that are absent (what the format checks look at)."""
    missing = [f for f in REQUIRED + RECOMMENDED if not review.get(f)]
    if not review.get("reviewRating", {}).get("alternateName"):
        missing.append("reviewRating.alternateName")
    if not review.get("author", {}).get("name"):
        missing.append("author.name")
    return missing


def document(
    claims: Iterable[dict], *, publisher: dict, sources: dict[int, dict]
) -> Iterator[bytes]:
    """{"@context": schema.org, "@graph": [ClaimReview, ...]}, written as it goes."""
    yield b'{"@context": "https://schema.org", "@graph": [\n'
    sep = ""
    for claim in claims:
        review = claim_review(claim, publisher=publisher, sources=sources)
        yield (sep + json.dumps(review, ensure_ascii=False)).encode("utf-8")
        sep = ",\n"
    yield b"\n]}\n"
