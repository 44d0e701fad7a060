"""The demo data set: the seed article annotated as in ANNOTATIONS.md.

Everything is data: anchors are not typed in, they are computed from the quotes
by claims.anchoring when the demo is loaded (`python manage.py demo`). Where a
quote occurs more than once (S4 is also in the Story Highlights), `prefix`
gives the context that picks the occurrence meant.

`said_on` is 2008-04-03 (the Thursday of the dateline) for the statements the
article says were made on Thursday: al-Sadr's offer and criticism (S1, S3) and
his statement read by al-Ageili (S2), al-Maliki's "a success Thursday" (S14),
and the resident's account of that Thursday's call to protest (S19).
"""

from __future__ import annotations

import datetime

THURSDAY = datetime.date(2008, 4, 3)

SOURCE = {
    "title": "Al-Sadr offers to help Iraqi security forces",
    "kind": "article",
    "publisher": "CNN",
    "dateline": "BAGHDAD, Iraq",
    "published_on": THURSDAY,
    "language": "en",
    "notes": (
        "Context: the Basra offensive began 2008-03-25; al-Sadr's stand-down call was "
        "Sunday 2008-03-30. Page chrome (menus, photo caption, e-mail links) removed."
    ),
    "text_file": "article.txt",
}

# key: (name, kind, aliases, description)
ACTORS = {
    "sadr": (
        "Muqtada al-Sadr",
        "person",
        ["al-Sadr", "Al-Sadr"],
        "Shiite cleric, leads the Sadrist movement and the Mehdi Army.",
    ),
    "ageili": (
        "Saleh al-Ageili",
        "person",
        ["al-Ageili", "Al-Ageili"],
        "Spokesman for the Sadrist parliamentary bloc.",
    ),
    "movement": (
        "Sadrist movement",
        "party",
        ["Sadrists", "al-Sadr's political movement"],
        "Al-Sadr's political movement; main office in Najaf.",
    ),
    "bloc": (
        "Sadrist parliamentary bloc",
        "party",
        [],
        "The Sadrists in parliament; part of the Sadrist movement.",
    ),
    "mehdi": ("Mehdi Army", "armed_group", [], "Al-Sadr's militia."),
    "maliki": (
        "Nuri al-Maliki",
        "person",
        ["al-Maliki", "Al-Maliki", "the prime minister"],
        "Prime Minister of Iraq.",
    ),
    "government": ("Iraqi government", "government", ["the government"], "The government of Iraq."),
    "forces": (
        "Iraqi security forces",
        "government",
        ["army", "police"],
        "The Iraqi army and police; part of the Iraqi government.",
    ),
    "us": ("U.S. authorities", "government", ["U.S. officials"], "United States officials."),
    "usintel": (
        "U.S. military intelligence",
        "government",
        [],
        "Authored a “closely held” analysis of the fighting; reported via U.S. officials.",
    ),
    "official": ("A senior Iraqi official", "anonymous", [], "Unnamed senior Iraqi official."),
    "resident": ("A Sadr City resident", "anonymous", [], "Unnamed resident of Sadr City."),
    "critics": (
        "Critics of the Basra operation",
        "collective",
        [],
        "Unnamed critics of the Basra offensive.",
    ),
    "cnn": ("CNN", "media", [], "Publisher of the article, and speaker of its own narration."),
    "sons": ("Sons of Iraq", "armed_group", [], "U.S.-backed Sunni militias."),
    "aqi": ("al Qaeda in Iraq", "armed_group", [], "A predominantly Sunni armed group."),
}

# (actor, role, target)
AFFILIATIONS = [
    ("ageili", "spokesperson_for", "bloc"),
    ("bloc", "part_of", "movement"),
    ("sadr", "leader_of", "movement"),
    ("sadr", "leader_of", "mehdi"),
    ("maliki", "leader_of", "government"),
    ("forces", "part_of", "government"),
    ("usintel", "part_of", "us"),
]

CLAIMS = {
    "C1": "The Iraqi government sent envoys to al-Sadr to discuss the Basra offensive.",
    "C2": "The government negotiated with Shiite militias.",
    "C3": "The Basra offensive targeted militias, in particular the Mehdi Army.",
    "C4": "The Basra offensive was a success.",
    "C5": "Iraqi security forces are infiltrated by militia members.",
    "C6": "The Sadrists seek an escalation.",
    "C7": "Al-Maliki was consulted by the Shiite lawmakers who traveled to Najaf.",
}

# How reported, in ANNOTATIONS.md's words -> Statement.Reporting values
REPORTING = {
    "direct quote": "direct_quote",
    "partial quote": "partial_quote",
    "reported": "reported",
    "anonymous": "anonymous",
    "narration": "narration",
}

# key: dict(speaker, via, how, quote, claim, stance, said_on, prefix)
STATEMENTS = {
    "S1": dict(
        speaker="sadr",
        via="ageili",
        how="direct quote",
        quote="we are ready to cooperate with [the government] to cleanse our army and police of them",
        claim="C5",
        stance="asserts",
        said_on=THURSDAY,
    ),
    "S2": dict(
        speaker="sadr",
        via="ageili",
        how="direct quote",
        quote="I advise everyone to end the sedition, to stop the bloodshed and arrests immediately",
        claim="C6",
        stance="denies",
        said_on=THURSDAY,
    ),
    "S3": dict(
        speaker="sadr",
        how="reported",
        quote="he also criticized the Iraqi government for denying that it sent envoys to him",
        claim="C1",
        stance="asserts",
        said_on=THURSDAY,
    ),
    "S4": dict(
        speaker="maliki",
        how="reported",
        quote="there were no government negotiations with Shiite militias",
        # the body occurrence, not the Story Highlights line "Iraqi PM says ..."
        prefix="Iraqi Prime Minister Nuri al-Maliki said ",
        suffix=" and emphasized that he didn't send an envoy",
        claim="C2",
        stance="denies",
    ),
    "S5": dict(
        speaker="maliki",
        how="reported",
        quote=(
            "he didn't send an envoy to the Sadrists' headquarters in the Iraqi city of Najaf "
            "for talks"
        ),
        claim="C1",
        stance="denies",
    ),
    "S6": dict(
        speaker="maliki",
        how="partial quote",
        quote='He said he was "not consulted" by those Shiite lawmakers who traveled to Najaf',
        claim="C7",
        stance="denies",
    ),
    "S7": dict(
        speaker="ageili",
        how="partial quote",
        quote='al-Ageili said the prime minister\'s denials were meant only "to save face."',
        claim="C1",
        stance="asserts",
    ),
    "S8": dict(
        speaker="government",
        how="reported",
        quote="the operation that began March 25 targeted criminals",
        claim="C3",
        stance="denies",
    ),
    # S9 is a joint statement: one statement per speaker over the same span
    "S9": dict(
        speaker="government",
        how="reported",
        quote="Iraqi and U.S. authorities repeatedly said militias weren't targeted",
        claim="C3",
        stance="denies",
    ),
    "S9b": dict(
        speaker="us",
        how="reported",
        quote="Iraqi and U.S. authorities repeatedly said militias weren't targeted",
        claim="C3",
        stance="denies",
    ),
    "S10": dict(
        speaker="cnn",
        how="narration",
        quote="much of the fighting occurred in strongholds of al-Sadr's Mehdi Army militia",
        claim="C3",
        stance="asserts",
    ),
    "S11": dict(
        speaker="official",
        how="anonymous",
        quote=(
            "more than 1,000 Iraqi soldiers deserted in Basra and other hot spots during "
            "the fighting"
        ),
        claim="C4",
        stance="denies",
    ),
    "S12": dict(
        speaker="usintel",
        via="us",
        how="reported",
        quote="Iraqi security forces controlled less than a quarter of the city",
        claim="C4",
        stance="denies",
    ),
    "S13": dict(
        speaker="us",
        how="reported",
        quote="Basra's police units were deeply infiltrated by members of al-Sadr's Mehdi Army",
        claim="C5",
        stance="asserts",
    ),
    "S14": dict(
        speaker="maliki",
        how="reported",
        quote="Al-Maliki called the operation in the oil-rich southern city a success",
        claim="C4",
        stance="asserts",
        said_on=THURSDAY,
    ),
    "S15": dict(
        speaker="critics",
        how="reported",
        quote=(
            "the widespread action was poorly planned, was politically motivated and failed "
            "to dislodge the renegade militias"
        ),
        claim="C4",
        stance="denies",
    ),
    "S16": dict(
        speaker="ageili",
        how="direct quote",
        quote="This is solid leadership, and we will not seek an escalation",
        claim="C6",
        stance="denies",
    ),
    "S17": dict(
        speaker="maliki",
        how="direct quote",
        quote='"We will not sit quietly" while gangs hold areas captive',
    ),
    "S18": dict(
        speaker="ageili",
        how="reported",
        quote="al-Sadr had called for peaceful demonstrations in Sadr City after Friday prayers",
    ),
    "S19": dict(
        speaker="resident",
        how="anonymous",
        quote="mosque loudspeakers Thursday blared the call to protest",
        said_on=THURSDAY,
    ),
}

# key: (first, second, kind, claim, status, rationale); the confirmed ones are
# reviewed by the demo editor. In a rebuttal the first statement answers the second.
CONTRADICTIONS = {
    "X1": (
        "S5",
        "S3",
        "denial",
        "C1",
        "confirmed",
        "The prime minister denies what al-Sadr says the government did: sending envoys.",
    ),
    "X2": (
        "S7",
        "S5",
        "rebuttal",
        "C1",
        "confirmed",
        "The Sadrist spokesman says the denial was only meant to save face.",
    ),
    "X3": (
        "S9",
        "S10",
        "conflicting_facts",
        "C3",
        "proposed",
        "“Militias weren't targeted”, yet the fighting was in Mehdi Army strongholds.",
    ),
    "X4": (
        "S14",
        "S12",
        "conflicting_facts",
        "C4",
        "proposed",
        "“A success”, yet the forces held less than a quarter of the city.",
    ),
    "X5": (
        "S14",
        "S15",
        "rebuttal",
        "C4",
        "proposed",
        "Al-Maliki brushed off the criticism that the operation was poorly planned and failed.",
    ),
    "X6": (
        "S1",
        "S13",
        "tension",
        "C5",
        "proposed",
        "Al-Sadr offers to purge militias from forces that his own militia is said to infiltrate.",
    ),
}

# Demo users: username -> (password, group, superuser). Documented in the README.
USERS = {
    "researcher": ("demo-researcher-2008", "Researchers", False),
    "editor": ("demo-editor-2008", "Editors", False),
    "admin": ("demo-admin-2008", None, True),
}
