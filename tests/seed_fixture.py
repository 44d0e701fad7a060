"""A subset of the seed demo built with tests/factories.py, for engineer C's tests.

C1 (envoys) with S3 (al-Sadr asserts), S5 (al-Maliki denies), S7 (al-Ageili asserts),
X1 = S5 vs S3 denial (confirmed) and X2 = S7 vs S5 rebuttal (confirmed): disputed.
C3 (the offensive targeted militias) with S9 (Iraqi government denies) and S10 (CNN
asserts), X3 = S9 vs S10 conflicting facts (proposed).
"""

from __future__ import annotations

import datetime
from pathlib import Path
from types import SimpleNamespace

from django.utils import timezone

from claims.models import Contradiction
from claims.services.disputes import claim_refresh_status
from tests.factories import make_actor, make_claim, make_contradiction, make_source, make_statement

ARTICLE = (Path(__file__).resolve().parent.parent / "claims/demo_data/article.txt").read_text(
    "utf-8"
)
THURSDAY = datetime.date(2008, 4, 3)

Q_S3 = "he also criticized the Iraqi government for denying that it sent envoys to him"
Q_S5 = "he didn't send an envoy to the Sadrists' headquarters in the Iraqi city of Najaf for talks"
Q_S7 = 'al-Ageili said the prime minister\'s denials were meant only "to save face."'
Q_S9 = "Iraqi and U.S. authorities repeatedly said militias weren't targeted"
Q_S10 = "much of the fighting occurred in strongholds of al-Sadr's Mehdi Army militia"


def build_seed(researcher, editor) -> SimpleNamespace:
    source = make_source(
        ARTICLE,
        title="Al-Sadr offers to help Iraqi security forces",
        publisher="CNN",
        published_on=THURSDAY,
    )
    sadr = make_actor("Muqtada al-Sadr")
    maliki = make_actor("Nuri al-Maliki")
    ageili = make_actor("Saleh al-Ageili")
    government = make_actor("Iraqi government", kind="government")
    cnn = make_actor("CNN", kind="media")
    c1 = make_claim("The Iraqi government sent envoys to al-Sadr to discuss the Basra offensive.")
    c3 = make_claim("The Basra offensive targeted militias, in particular the Mehdi Army.")

    def st(quote, speaker, claim, stance, **kw):
        return make_statement(
            source=source,
            quote=quote,
            created_by=researcher,
            speaker=speaker,
            claim=claim,
            stance=stance,
            **kw,
        )

    s3 = st(Q_S3, sadr, c1, "asserts", said_on=THURSDAY)
    s5 = st(Q_S5, maliki, c1, "denies")
    s7 = st(Q_S7, ageili, c1, "asserts")
    s9 = st(Q_S9, government, c3, "denies")
    s10 = st(Q_S10, cnn, c3, "asserts", reporting="narration")
    reviewed = timezone.now() - datetime.timedelta(days=1)
    x1 = make_contradiction(
        s5,
        s3,
        kind="denial",
        claim=c1,
        status="confirmed",
        reviewed_by=editor,
        reviewed_at=reviewed,
        proposed_by=researcher,
        rationale="The prime minister denies what al-Sadr says.",
    )
    x2 = make_contradiction(
        s7,
        s5,
        kind="rebuttal",
        claim=c1,
        status="confirmed",
        reviewed_by=editor,
        reviewed_at=reviewed,
        proposed_by=researcher,
        rationale="Only to save face.",
    )
    x3 = make_contradiction(
        s9,
        s10,
        kind=Contradiction.Kind.CONFLICTING_FACTS,
        claim=c3,
        proposed_by=researcher,
        rationale="Militias weren't targeted, yet the fighting was in Mehdi Army strongholds.",
    )
    for claim in (c1, c3):
        claim_refresh_status(claim=claim)
        claim.refresh_from_db()
    return SimpleNamespace(**locals())
