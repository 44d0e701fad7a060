"""Typed request and response bodies of the HTTP API (pydantic, through django-ninja).

Output schemas read model instances (attributes and `resolve_*` functions); input schemas
are what a client sends. Choice fields are Literal types, so OpenAPI lists the values and
a wrong one is a 422 with a message for that field.
"""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Field, Schema

from claims import anchoring
from claims.models import Actor, Claim, Contradiction, Source, Statement

SourceKind = Literal[tuple(Source.Kind.values)]
ActorKind = Literal[tuple(Actor.Kind.values)]
Reporting = Literal[tuple(Statement.Reporting.values)]
Stance = Literal[tuple(Statement.Stance.values)]
# a statement without a claim has no stance: "" (one Literal, so a bad value gets one message)
StanceOrBlank = Literal[(*Statement.Stance.values, "")]
ClaimStatus = Literal[tuple(Claim.Status.values)]
Verdict = Literal[tuple(Claim.Verdict.values)]
ContradictionKind = Literal[tuple(Contradiction.Kind.values)]
ContradictionStatus = Literal[tuple(Contradiction.Status.values)]

MAX_PAGE_SIZE = 100
MAX_ID = 2**63 - 1  # the database's bigint: larger ids are refused, not sent to the database


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


# --- errors and paging ------------------------------------------------------------------


class Error(Schema):
    detail: str = Field(description="What went wrong, in a sentence.")
    errors: dict[str, list[str]] = Field(
        default_factory=dict, description="Messages per field (`__all__` for the whole body)."
    )


class ListFilters(Schema):
    page: int = Field(1, ge=1, le=10**6)
    page_size: int = Field(25, ge=1, le=MAX_PAGE_SIZE)
    q: str = Field("", max_length=200, description="Search text.")


class Ref(Schema):
    id: int
    name: str


class ClaimRef(Schema):
    id: int
    text: str


# --- sources ------------------------------------------------------------------------------


class SourceOut(Schema):
    id: int
    version: int
    title: str
    kind: SourceKind
    publisher: str
    url: str
    published_on: datetime.date | None
    dateline: str
    byline: str
    language: str
    notes: str
    text_sha256: str
    statements: int = Field(description="How many statements are recorded in it.")
    created_by: str | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    page: str = Field(description="The source's page in the app.")

    @staticmethod
    def resolve_statements(obj) -> int:
        return getattr(obj, "n_statements", 0)

    @staticmethod
    def resolve_created_by(obj) -> str | None:
        return _username(obj.created_by)

    @staticmethod
    def resolve_page(obj) -> str:
        return obj.get_absolute_url()


class SourceDetail(SourceOut):
    text: str = Field(description="The canonical text (NFC, LF); offsets index into it.")
    text_length: int = Field(description="Length of the text in code points.")
    text_length_utf16: int = Field(description="Length of the text in UTF-16 code units.")

    @staticmethod
    def resolve_text_length(obj) -> int:
        return len(obj.text)

    @staticmethod
    def resolve_text_length_utf16(obj) -> int:
        return anchoring.cp_to_utf16(obj.text, len(obj.text))


class SourcePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[SourceOut]


class SourceFilters(ListFilters):
    kind: SourceKind | None = None
    published_after: datetime.date | None = Field(None, description="On or after this date.")
    published_before: datetime.date | None = Field(None, description="On or before this date.")
    actor: int | None = Field(None, ge=1, le=MAX_ID, description="Sources where this actor speaks.")
    claim: int | None = Field(
        None, ge=1, le=MAX_ID, description="Sources with statements on this claim."
    )


class SourceFields(Schema):
    title: str = Field(..., min_length=1, max_length=300)
    kind: SourceKind = "article"
    publisher: str = Field("", max_length=200)
    url: str = Field("", max_length=2000)
    published_on: datetime.date | None = None
    dateline: str = Field("", max_length=200)
    byline: str = Field("", max_length=300)
    language: str = Field("en", max_length=16)
    notes: str = ""


class SourceIn(SourceFields):
    text: str = Field(..., min_length=1, description="Plain text; normalised to NFC and LF.")


class SourcePut(SourceIn):
    version: int = Field(..., ge=1, description="The version you read; a stale one is a 409.")


class SourcePatch(Schema):
    version: int = Field(..., ge=1, description="The version you read; a stale one is a 409.")
    title: str | None = Field(None, min_length=1, max_length=300)
    kind: SourceKind | None = None
    publisher: str | None = Field(None, max_length=200)
    url: str | None = Field(None, max_length=2000)
    published_on: datetime.date | None = None
    dateline: str | None = Field(None, max_length=200)
    byline: str | None = Field(None, max_length=300)
    language: str | None = Field(None, max_length=16)
    notes: str | None = None
    text: str | None = Field(None, min_length=1, description="A changed text re-anchors.")


# --- actors ----------------------------------------------------------------------------------


class AliasOut(Schema):
    id: int
    name: str


class AffiliationOut(Schema):
    id: int
    role: str
    target: Ref
    start_date: datetime.date | None
    end_date: datetime.date | None


class ActorOut(Schema):
    id: int
    version: int
    name: str
    kind: ActorKind
    description: str
    wikidata_id: str
    aliases: list[AliasOut]
    statements: int = Field(description="Statements with this actor as speaker.")
    created_at: datetime.datetime
    updated_at: datetime.datetime
    page: str

    @staticmethod
    def resolve_aliases(obj) -> list:
        return list(obj.aliases.all())

    @staticmethod
    def resolve_statements(obj) -> int:
        return getattr(obj, "n_statements", 0)

    @staticmethod
    def resolve_page(obj) -> str:
        return obj.get_absolute_url()


class ActorDetail(ActorOut):
    affiliations: list[AffiliationOut]

    @staticmethod
    def resolve_affiliations(obj) -> list:
        return list(obj.affiliations.all())


class ActorPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ActorOut]


class ActorFilters(ListFilters):
    kind: ActorKind | None = None
    source: int | None = Field(None, ge=1, le=MAX_ID, description="Actors speaking in this source.")
    claim: int | None = Field(
        None, ge=1, le=MAX_ID, description="Actors with statements on this claim."
    )


class ActorIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    kind: ActorKind = "person"
    description: str = ""
    wikidata_id: str = Field("", max_length=20)
    aliases: list[str] = Field(default_factory=list, max_length=50)


class ActorPut(Schema):
    version: int = Field(..., ge=1)
    name: str = Field(..., min_length=1, max_length=200)
    kind: ActorKind
    description: str = ""
    wikidata_id: str = Field("", max_length=20)


class ActorPatch(Schema):
    version: int = Field(..., ge=1)
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: ActorKind | None = None
    description: str | None = None
    wikidata_id: str | None = Field(None, max_length=20)


class AliasIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)


# --- claims -------------------------------------------------------------------------------------


class ClaimOut(Schema):
    id: int
    version: int
    text: str
    status: ClaimStatus
    verdict: Verdict
    rationale: str
    reviewed_by: str | None
    reviewed_at: datetime.datetime | None
    assigned_to: str | None
    created_by: str | None
    statements: int
    asserts: int
    denies: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    page: str

    @staticmethod
    def resolve_reviewed_by(obj) -> str | None:
        return _username(obj.reviewed_by)

    @staticmethod
    def resolve_assigned_to(obj) -> str | None:
        return _username(obj.assigned_to)

    @staticmethod
    def resolve_created_by(obj) -> str | None:
        return _username(obj.created_by)

    @staticmethod
    def resolve_statements(obj) -> int:
        return getattr(obj, "n_statements", None) or 0

    @staticmethod
    def resolve_asserts(obj) -> int:
        return getattr(obj, "n_asserts", None) or 0

    @staticmethod
    def resolve_denies(obj) -> int:
        return getattr(obj, "n_denies", None) or 0

    @staticmethod
    def resolve_page(obj) -> str:
        return obj.get_absolute_url()


class ClaimPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ClaimOut]


class ClaimFilters(ListFilters):
    status: ClaimStatus | None = None
    verdict: Verdict | None = None
    actor: int | None = Field(
        None, ge=1, le=MAX_ID, description="Claims this actor made statements on."
    )
    source: int | None = Field(
        None, ge=1, le=MAX_ID, description="Claims with statements in this source."
    )
    created_after: datetime.date | None = None
    created_before: datetime.date | None = None


class ClaimIn(Schema):
    text: str = Field(..., min_length=1, max_length=500)


class ClaimPut(ClaimIn):
    version: int = Field(..., ge=1)


class ClaimPatch(Schema):
    version: int = Field(..., ge=1)
    text: str | None = Field(None, min_length=1, max_length=500)


# --- statements -----------------------------------------------------------------------------


class StatementOut(Schema):
    id: int
    version: int
    source: int
    speaker: Ref
    via: Ref | None
    reporting: Reporting
    start: int = Field(description="Code-point offset of the span in the source text.")
    end: int
    start_utf16: int = Field(description="The same offset in UTF-16 code units (browsers).")
    end_utf16: int
    exact: str
    prefix: str
    suffix: str
    anchor_status: Literal["ok", "lost"]
    claim: ClaimRef | None
    stance: Stance | Literal[""]
    said_on: datetime.date | None
    summary: str
    created_by: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    page: str

    @staticmethod
    def resolve_source(obj) -> int:
        return obj.source_id

    @staticmethod
    def resolve_start_utf16(obj) -> int:
        return _utf16(obj, obj.start)

    @staticmethod
    def resolve_end_utf16(obj) -> int:
        return _utf16(obj, obj.end)

    @staticmethod
    def resolve_created_by(obj) -> str:
        return _username(obj.created_by)

    @staticmethod
    def resolve_page(obj) -> str:
        return obj.get_absolute_url()


def _utf16(statement, offset: int) -> int:
    """UTF-16 offset from the source text the list attached (`_text`), else the source's."""
    text = getattr(statement, "_text", None)
    if text is None:
        text = statement.source.text
    return anchoring.cp_to_utf16(text, min(offset, len(text)))


class StatementPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[StatementOut]


class StatementFilters(ListFilters):
    source: int | None = Field(None, ge=1, le=MAX_ID)
    actor: int | None = Field(None, ge=1, le=MAX_ID, description="Speaker or via.")
    claim: int | None = Field(None, ge=1, le=MAX_ID)
    stance: Stance | None = None
    reporting: Reporting | None = None
    said_after: datetime.date | None = None
    said_before: datetime.date | None = None
    anchor_status: Literal["ok", "lost"] | None = None


class StatementFields(Schema):
    speaker: int = Field(..., ge=1, le=MAX_ID, description="Actor id.")
    via: int | None = Field(
        None, ge=1, le=MAX_ID, description="Actor id of the spokesperson or reader."
    )
    reporting: Reporting = "reported"
    claim: int | None = Field(None, ge=1, le=MAX_ID)
    stance: StanceOrBlank = ""
    said_on: datetime.date | None = None
    summary: str = ""


class StatementIn(StatementFields):
    source: int = Field(..., ge=1, le=MAX_ID)
    offsets: Literal["utf16", "codepoints"] = Field(
        ..., description="The unit of start and end: UTF-16 code units or code points."
    )
    start: int = Field(..., ge=0)
    end: int = Field(..., ge=0)
    exact: str = Field(..., min_length=1, description="The quoted text of the span.")
    prefix: str = Field("", max_length=200)
    suffix: str = Field("", max_length=200)


class StatementPut(StatementFields):
    version: int = Field(..., ge=1)


class StatementPatch(Schema):
    version: int = Field(..., ge=1)
    speaker: int | None = Field(None, ge=1, le=MAX_ID)
    via: int | None = Field(None, ge=1, le=MAX_ID)
    reporting: Reporting | None = None
    claim: int | None = Field(None, ge=1, le=MAX_ID)
    stance: StanceOrBlank | None = None
    said_on: datetime.date | None = None
    summary: str | None = None


# --- contradictions ----------------------------------------------------------------------------


class StatementRef(Schema):
    id: int
    source: int
    speaker: Ref
    exact: str

    @staticmethod
    def resolve_source(obj) -> int:
        return obj.source_id


class ContradictionOut(Schema):
    id: int
    version: int
    first: StatementRef = Field(description="In a rebuttal or denial, the one that answers.")
    second: StatementRef
    kind: ContradictionKind
    rationale: str
    claim: ClaimRef | None
    status: ContradictionStatus
    proposed_by: str | None
    reviewed_by: str | None
    reviewed_at: datetime.datetime | None
    review_note: str
    assigned_to: str | None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_proposed_by(obj) -> str | None:
        return _username(obj.proposed_by)

    @staticmethod
    def resolve_reviewed_by(obj) -> str | None:
        return _username(obj.reviewed_by)

    @staticmethod
    def resolve_assigned_to(obj) -> str | None:
        return _username(obj.assigned_to)


class ContradictionPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ContradictionOut]


class ContradictionFilters(ListFilters):
    status: ContradictionStatus | None = None
    kind: ContradictionKind | None = None
    claim: int | None = Field(None, ge=1, le=MAX_ID)
    actor: int | None = Field(
        None, ge=1, le=MAX_ID, description="Speaker or via of either statement."
    )
    source: int | None = Field(
        None, ge=1, le=MAX_ID, description="Either statement is in this source."
    )
    statement: int | None = Field(None, ge=1, le=MAX_ID)
    created_after: datetime.date | None = None
    created_before: datetime.date | None = None


class ContradictionIn(Schema):
    first: int = Field(
        ..., ge=1, le=MAX_ID, description="The statement that contradicts (answers)."
    )
    second: int = Field(..., ge=1, le=MAX_ID)
    kind: ContradictionKind
    rationale: str = ""


class ContradictionPut(Schema):
    version: int = Field(..., ge=1)
    kind: ContradictionKind
    rationale: str = ""
    claim: int | None = Field(None, ge=1, le=MAX_ID)


class ContradictionPatch(Schema):
    version: int = Field(..., ge=1)
    kind: ContradictionKind | None = None
    rationale: str | None = None
    claim: int | None = Field(None, ge=1, le=MAX_ID)


# --- notes -------------------------------------------------------------------------------------


class NoteOut(Schema):
    id: int
    claim: int | None
    contradiction: int | None
    author: str
    body: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_claim(obj) -> int | None:
        return obj.claim_id

    @staticmethod
    def resolve_contradiction(obj) -> int | None:
        return obj.contradiction_id

    @staticmethod
    def resolve_author(obj) -> str:
        return _username(obj.author)


class NotePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[NoteOut]


class NoteFilters(ListFilters):
    claim: int | None = Field(None, ge=1, le=MAX_ID)
    contradiction: int | None = Field(None, ge=1, le=MAX_ID)
    created_after: datetime.date | None = None
    created_before: datetime.date | None = None


class NoteIn(Schema):
    body: str = Field(..., min_length=1, max_length=20000)
    claim: int | None = Field(None, ge=1, le=MAX_ID)
    contradiction: int | None = Field(None, ge=1, le=MAX_ID)


class NoteUpdate(Schema):
    body: str = Field(..., min_length=1, max_length=20000)


# --- review decisions ---------------------------------------------------------------------


class DecisionIn(Schema):
    version: int = Field(..., ge=1)
    decision: Literal["confirm", "reject"]
    note: str = Field("", description="Required when rejecting: say why.")


class AssignIn(Schema):
    version: int = Field(..., ge=1)
    assignee: str | None = Field(None, description="An editor's username; null for nobody.")


class VerdictIn(Schema):
    version: int = Field(..., ge=1)
    verdict: Verdict
    rationale: str = Field("", description="Required unless the verdict is `unrated`.")
    resolve: bool = False


class ResolveIn(Schema):
    version: int = Field(..., ge=1)
    resolved: bool = Field(..., description="true resolves the claim, false reopens it.")
