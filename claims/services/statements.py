"""Writes of the annotation workspace: statements, actors and claims made in
place, and proposed contradictions.

Each function runs in one transaction; a statement's claim (old and new) has
its review status refreshed after every save or delete. Edits compare the
version the form was opened with and refuse with EditConflict when the
statement changed since: nothing is silently overwritten.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from claims import anchoring
from claims.compiled import insert_with_history, locked_value, locked_values
from claims.models import Actor, Claim, Contradiction, Source, Statement
from claims.services.conflicts import EditConflict, lock_version
from claims.services.disputes import KEPT_ON_GAINING, claim_refresh_status


@dataclass(frozen=True)
class NewActor:
    """An actor to create in place (the statement form's "new actor" fields)."""

    name: str
    kind: str = Actor.Kind.PERSON

    def __str__(self) -> str:
        return f"{self.name} (new)"


@dataclass(frozen=True)
class Selection:
    """A selection as the browser sends it, not yet placed in the text: offsets (UTF-16
    code units when `utf16`, else code points) and the quote with its context.
    statement_create resolves it (anchoring.resolve) against the text it reads under the
    source's row lock: placed and verified once, against the text the statement is saved on."""

    exact: str
    start: int | None = None
    end: int | None = None
    prefix: str = ""
    suffix: str = ""
    utf16: bool = True

    def resolve(self, text: str) -> anchoring.Anchor:
        return anchoring.resolve(
            text,
            exact=self.exact,
            start=self.start,
            end=self.end,
            prefix=self.prefix,
            suffix=self.suffix,
            utf16=self.utf16,
        )


SELECTION_ERROR = "The selection cannot be placed in the text: {}"


StatementConflict = EditConflict  # the one conflict type; the old name stays importable


EDITABLE = ["speaker", "via", "reporting", "claim", "stance", "said_on", "summary"]
ANCHOR_FIELDS = ["start", "end", "exact", "prefix", "suffix", "anchor_status"]


def actor_create(*, user, name: str, kind: str = Actor.Kind.PERSON) -> tuple[Actor, bool]:
    """The actor called `name` (by name, case-insensitively), created if there is none.

    Returns (actor, created). Reusing an exact match keeps a quick "new actor"
    from making duplicates of someone already recorded.
    """
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Type the actor's name."})
    existing = Actor.objects.filter(name__iexact=name).order_by("id").first()
    if existing is not None:
        return existing, False
    actor = Actor(name=name, kind=kind, created_by=user)
    actor.full_clean(validate_constraints=False)  # the unique name: _insert_once
    actor._history_user = user
    saved = _insert_once(actor, Actor.objects.filter(name__iexact=name).order_by("id"))
    return saved, saved is actor


def claim_create(*, user, text: str) -> tuple[Claim, bool]:
    """The claim with exactly this proposition (case-insensitively), created if there is none."""
    text = " ".join(text.split())
    if not text:
        raise ValidationError({"text": "Type the claim, stated neutrally."})
    existing = Claim.objects.filter(text__iexact=text).order_by("id").first()
    if existing is not None:
        return existing, False
    claim = Claim(text=text, created_by=user)
    claim.full_clean(validate_constraints=False)  # the unique proposition: _insert_once
    claim._history_user = user
    saved = _insert_once(claim, Claim.objects.filter(text__iexact=text).order_by("id"))
    return saved, saved is claim


def _insert_once(obj, same):
    """Insert `obj`, or answer the record `same` finds when someone inserted it first:
    two researchers creating the same actor or claim at once get one record (the
    database holds the name/proposition unique; the loser's insert fails on it). The
    callers' full_clean leaves that constraint to the insert: checked beforehand, a
    record committed between the lookup and the check would refuse the loser (422)
    instead of handing it the winner's record."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        existing = same.first()
        if existing is None:
            raise
        return existing
    return obj


def _actor(value: Actor | NewActor | None, user) -> Actor | None:
    if isinstance(value, NewActor):
        return actor_create(user=user, name=value.name, kind=value.kind)[0]
    return value


def _claim(value: Claim | str | None, user) -> Claim | None:
    if isinstance(value, str):
        return claim_create(user=user, text=value)[0]
    return value


def _check(statement: Statement) -> None:
    if statement.via_id and statement.via_id == statement.speaker_id:
        raise ValidationError(
            {"via": "The speaker cannot deliver their own statement via themselves."}
        )
    if not statement.claim_id:
        statement.stance = ""
    elif not statement.stance:
        raise ValidationError(
            {"stance": "Say whether the statement asserts, denies or questions the claim."}
        )


def statement_create(
    *,
    user,
    source: Source,
    anchor: anchoring.Anchor | Selection,
    speaker: Actor | NewActor,
    via: Actor | NewActor | None = None,
    reporting: str = Statement.Reporting.REPORTED,
    claim: Claim | str | None = None,
    stance: str = "",
    said_on=None,
    summary: str = "",
) -> Statement:
    """Record a statement at a verified anchor; new actors or a new claim are made with it.

    The anchor (or the browser's Selection, placed here) is checked against the source's
    text read under a row lock: a text edit running at the same time (source_update_text,
    which takes the same lock) either finished first, and the span is checked against the
    new text, or waits for this. (On PostgreSQL the usual save is one SQL statement,
    `_for_one_statement`: the span is checked against the text read with the source, and
    the insert, under the lock, requires the source's version to be the one read.)

    A statement already recorded (same source, span, speaker, via, claim and stance) is
    refused by the database's unique constraint (statement_unique_per_speaker_span) on
    the insert itself, which rolls back the whole transaction (actors or a claim made
    with it included); only then is it looked up for the message: no query in advance on
    every save for the rare double submission, and no savepoint around the insert (but
    for the one statement of PostgreSQL's way inside a caller's transaction)."""
    fields = {
        "reporting": reporting,
        "stance": stance or "",
        "said_on": said_on,
        "summary": summary or "",
    }
    statement = None
    try:
        statement = _for_one_statement(user, source, anchor, speaker, via, claim, fields)
        if statement is not None and _inserted_in_one_statement(statement, source, claim):
            return statement
        with transaction.atomic():
            anchor = _verified(source, anchor, claim=claim)
            statement = _new_statement(
                user,
                source,
                anchor,
                speaker=_actor(speaker, user),
                via=_actor(via, user),
                claim=_claim(claim, user),
                **fields,
            )
            statement.save()
            # an existing claim was locked with the source (_verified), one made here is new
            locked = isinstance(claim, Claim) and claim.pk is not None
            claim_refresh_status(claim=statement.claim, gained=True, locked=locked)
    except IntegrityError:
        if statement is not None and statement.pk is None:
            _refuse_duplicate(statement)  # the same statement, recorded before (or just now)
        raise
    return statement


def _new_statement(user, source: Source, anchor: anchoring.Anchor, **fields) -> Statement:
    statement = Statement(
        source=source,
        start=anchor.start,
        end=anchor.end,
        exact=anchor.exact,
        prefix=anchor.prefix,
        suffix=anchor.suffix,
        created_by=user,
        **fields,
    )
    _check(statement)
    statement._history_user = user
    return statement


def _for_one_statement(user, source, anchor, speaker, via, claim, fields) -> Statement | None:
    """PostgreSQL, the usual save (actors and a claim that exist, a claim that a new
    statement leaves as it is): the statement to insert with its history row by one SQL
    statement (`_inserted_in_one_statement`), a round trip instead of five (BEGIN, the
    locks, two INSERTs, COMMIT); None when this way does not apply. The selection is
    placed in the text the form read with the source; the insert then requires the
    source's version to be the one read, so the text is the one it was placed in."""
    if (
        connection.vendor != "postgresql"
        or {"text", "version"} & source.get_deferred_fields()
        or not all(isinstance(actor, Actor | None) for actor in (speaker, via))
        or not (claim is None or (isinstance(claim, Claim) and claim.pk is not None))
        # an open claim, as the form read it, will most likely need its status refreshed
        or (claim is not None and claim.status not in KEPT_ON_GAINING)
    ):
        return None
    try:
        placed = _placed(source.text, anchor)
    except anchoring.AnchorError:
        return None  # said again against the text read under the lock
    return _new_statement(user, source, placed, speaker=speaker, via=via, claim=claim, **fields)


def _inserted_in_one_statement(statement: Statement, source: Source, claim) -> bool:
    """Whether `statement` was inserted, with its history row, under the source's and
    the claim's locks, the source's version still the one read and the claim's status
    one a new statement leaves as it is (compiled.insert_with_history). If not, nothing
    was written: the caller takes the way every database has, which reads the text
    again under the lock, makes new actors or claims and refreshes an open claim."""
    guards = [(Source, source.pk, "version", (source.version,))]
    if claim is not None:
        guards.append((Claim, claim.pk, "status", KEPT_ON_GAINING))
    # in a caller's transaction, a savepoint: a refused duplicate leaves it usable
    in_transaction = connection.in_atomic_block or not connection.get_autocommit()
    with transaction.atomic() if in_transaction else nullcontext():
        held = insert_with_history(statement, guards=guards)
    if held is None:
        return False
    if claim is not None:
        claim.status = held[1]  # as locked: the status refresh would leave it so
    return True


def _verified(
    source: Source, anchor: anchoring.Anchor | Selection, *, claim=None
) -> anchoring.Anchor:
    """The anchor checked against the source's current text, read under a row lock held
    until the transaction ends (text edits take the same lock). A Selection is placed in
    that text (anchoring.resolve: the offsets when they hold the quote, else the quote by
    its context), which is its verification: the span is checked once, here.

    An existing `claim` (the statement's) is locked by the same statement and its status
    read into it (one round trip for both locks): its status refresh after the insert
    then takes no lock of its own. Statements saved at once on one claim wait for each
    other there, as they waited in the refresh. A claim deleted since the form was read
    is refused.

    A `source` read from the database with its text and version (the statement form
    reads both: they were stored together) has only its version compared under the lock,
    and its text read again only if it changed: the text crosses from the database once.
    (An instance built in code with a text of its own must not come with its version.)"""
    column = "text" if {"text", "version"} & source.get_deferred_fields() else "version"
    if isinstance(claim, Claim) and claim.pk is not None:
        try:
            current, claim.status = locked_values(
                (Source, source.pk, column), (Claim, claim.pk, "status")
            )
        except Claim.DoesNotExist:
            raise ValidationError({"claim": "This claim has just been deleted."}) from None
    else:
        current = locked_value(Source, source.pk, column)
    if column == "text":
        source.text = current
    elif current != source.version:  # edited since it was read: the text as it is now
        source.text, source.version = locked_value(Source, source.pk, "text"), current
    try:
        return _placed(source.text, anchor)
    except anchoring.AnchorError as exc:
        message = SELECTION_ERROR.format(exc) if isinstance(anchor, Selection) else str(exc)
        raise ValidationError({"exact": message}) from None


def _placed(text: str, anchor: anchoring.Anchor | Selection) -> anchoring.Anchor:
    """The selection placed in `text`, or the anchor verified against it (AnchorError)."""
    if isinstance(anchor, Selection):
        return anchor.resolve(text)
    anchoring.verify(text, anchor.start, anchor.end, anchor.exact)
    return anchoring.make_anchor(text, anchor.start, anchor.end)


def _refuse_duplicate(statement: Statement) -> None:
    """The same speaker saying the same thing at the same span is recorded once: a form
    sent twice (a double click, a resubmitted page) must not make a second statement."""
    same = (
        Statement.objects.exclude(pk=statement.pk)
        .filter(
            source_id=statement.source_id,
            start=statement.start,
            end=statement.end,
            speaker_id=statement.speaker_id,
            via_id=statement.via_id,
            claim_id=statement.claim_id,
            stance=statement.stance,
        )
        .first()
    )
    if same is not None:
        raise ValidationError(
            f"This statement is already recorded (#{same.pk}, by {same.created_by}): "
            "same speaker, span, claim and stance."
        )


def _locked(statement_id: int, version: int | None) -> Statement:
    return lock_version(Statement, statement_id, version)


@transaction.atomic
def statement_update(
    *,
    user,
    statement_id: int,
    version: int | None,
    speaker: Actor | NewActor,
    via: Actor | NewActor | None = None,
    reporting: str,
    claim: Claim | str | None = None,
    stance: str = "",
    said_on=None,
    summary: str = "",
    source: Source | None = None,
    anchor: anchoring.Anchor | None = None,
) -> Statement:
    """Change who said it and what it says about which claim. The span stays, unless the
    admin repairs it: `anchor` (and `source`, when it moves) is then checked against the
    text under the source's lock, taken before the statement's (the order text edits use)."""
    if anchor is not None:
        source = source or Source.objects.only("pk").get(statement__pk=statement_id)
        anchor = _verified(source, anchor)
    statement = _locked(statement_id, version)
    old_claim = statement.claim
    fields = list(EDITABLE)
    if anchor is not None:
        statement.source = source
        statement.start, statement.end, statement.exact = anchor.start, anchor.end, anchor.exact
        statement.prefix, statement.suffix = anchor.prefix, anchor.suffix
        statement.anchor_status = Statement.AnchorStatus.OK
        fields += ["source", *ANCHOR_FIELDS]
    statement.speaker = _actor(speaker, user)
    statement.via = _actor(via, user)
    statement.reporting = reporting
    statement.claim = _claim(claim, user)
    statement.stance = stance or ""
    statement.said_on = said_on
    statement.summary = summary or ""
    _check(statement)
    if anchor is not None or {"speaker", "via", "claim", "stance"} & set(fields):
        _refuse_duplicate(statement)
    statement._history_user = user
    try:
        with transaction.atomic():
            statement.save(update_fields=fields)
    except IntegrityError:
        _refuse_duplicate(statement)
        raise
    claim_refresh_status(claim=old_claim)
    if statement.claim_id != getattr(old_claim, "pk", None):
        claim_refresh_status(claim=statement.claim, gained=True)
    return statement


@transaction.atomic
def statement_delete(*, user, statement_id: int, version: int | None) -> None:
    """Delete a statement (its contradictions go with it) and refresh the claims involved."""
    statement = _locked(statement_id, version)
    claims = {statement.claim_id} if statement.claim_id else set()
    for c in Contradiction.objects.filter(Q(first=statement) | Q(second=statement)).values(
        "claim_id", "first__claim_id", "second__claim_id"
    ):
        claims.update(v for v in c.values() if v)
    statement._history_user = user
    statement.delete()
    for claim in Claim.objects.filter(pk__in=claims):
        claim_refresh_status(claim=claim)


def contradiction_propose(
    *, user, first: Statement, second: Statement, kind: str, rationale: str = ""
) -> Contradiction:
    """Record that `first` contradicts `second`, proposed for an editor's review.

    The claim at issue is the one they share, else the first statement's.
    A statement never contradicts itself and a pair is linked once either way round.
    """
    if first.pk == second.pk:
        raise ValidationError("A statement cannot contradict itself.")
    claim_id = (
        first.claim_id if first.claim_id == second.claim_id else (first.claim_id or second.claim_id)
    )
    contradiction = Contradiction(
        first=first,
        second=second,
        kind=kind,
        rationale=rationale.strip(),
        claim_id=claim_id,
        status=Contradiction.Status.PROPOSED,
        proposed_by=user,
    )
    contradiction.full_clean()
    contradiction._history_user = user
    try:
        with transaction.atomic():
            contradiction.save()
    except IntegrityError:
        raise ValidationError("These two statements are already linked.") from None
    return contradiction


OPPOSITE = {
    Statement.Stance.ASSERTS: [Statement.Stance.DENIES, Statement.Stance.QUESTIONS],
    Statement.Stance.DENIES: [Statement.Stance.ASSERTS],
    Statement.Stance.QUESTIONS: [Statement.Stance.ASSERTS],
}


def statement_suggestions(*, statement: Statement, limit: int = 10) -> list[Statement]:
    """Statements on the same claim with an opposite stance and no link to this one yet.

    Each gets `.same_speaker` (a possible self-contradiction); those come first.
    """
    if not statement.claim_id or statement.stance not in OPPOSITE:
        return []
    linked = Contradiction.objects.filter(Q(first=statement) | Q(second=statement)).values_list(
        "first_id", "second_id"
    )
    exclude = {statement.pk} | {pk for pair in linked for pk in pair}
    found = list(
        Statement.objects.filter(claim_id=statement.claim_id, stance__in=OPPOSITE[statement.stance])
        .exclude(pk__in=exclude)
        .select_related("speaker", "via", "source", "claim")
        .order_by("source_id", "start", "id")[: limit * 3]
    )
    for other in found:
        other.same_speaker = other.speaker_id == statement.speaker_id
    found.sort(key=lambda s: not s.same_speaker)
    return found[:limit]
