"""The claims domain: sources, actors, claims, statements, contradictions, notes.

Invariants are held by the database (constraints below) as well as by forms and
services. Every model keeps its history (django-simple-history).
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Greatest, Least, Length, Lower
from django.urls import reverse
from simple_history.manager import HistoryManager as LibraryHistoryManager
from simple_history.models import HistoricalRecords

from . import anchoring


def _related_str(obj: models.Model, field: str) -> str:
    """str() of a foreign key target that may be gone: history rows keep the ids of
    actors and claims merged away or deleted since, and admin history pages print them."""
    try:
        return str(getattr(obj, field))
    except ObjectDoesNotExist:
        return f"#{getattr(obj, field + '_id')} (gone)"


USER = settings.AUTH_USER_MODEL


class HistoryManager(LibraryHistoryManager):
    """simple-history's manager for `Model.history`, whose class is built once per model.
    The library builds it on every access (Manager.from_queryset, which inspects every
    queryset method), and every save reads `history` to write its history row: about
    0.5 ms of each save. Passed to each model's HistoricalRecords(history_manager=...)."""

    @classmethod
    @cache
    def from_queryset(cls, queryset_class, class_name=None):
        return super().from_queryset(queryset_class, class_name)


def keep_history() -> HistoricalRecords:
    return HistoricalRecords(history_manager=HistoryManager)


http_url_validator = URLValidator(
    schemes=["http", "https"], message="Enter a web address starting with http:// or https://."
)
wikidata_validator = RegexValidator(r"^Q[1-9][0-9]*$", "A Wikidata id looks like Q1234.")


def validate_not_blank(value: str) -> None:
    if not value or not value.strip():
        raise ValidationError("This cannot be empty.")


class Versioned(models.Model):
    """Optimistic locking: `version` goes up by one on every change.

    A form carries the version it was opened with; a save whose version is
    behind the stored one is a conflict (see claims.services.check_version).
    """

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            self.version = (self.version or 0) + 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version", "updated_at"}
        super().save(*args, **kwargs)


# --- sources -----------------------------------------------------------------


class Source(Versioned):
    class Kind(models.TextChoices):
        ARTICLE = "article", "News article"
        TRANSCRIPT = "transcript", "Transcript"
        PRESS_RELEASE = "press_release", "Press release"
        REPORT = "report", "Report"
        OTHER = "other", "Other document"

    title = models.CharField(max_length=300, validators=[validate_not_blank])
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.ARTICLE)
    publisher = models.CharField(max_length=200, blank=True)
    url = models.CharField("URL", max_length=2000, blank=True, validators=[http_url_validator])
    published_on = models.DateField("published", null=True, blank=True)
    dateline = models.CharField(max_length=200, blank=True)
    byline = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=16, default="en", blank=True)
    notes = models.TextField(blank=True)
    text = models.TextField(
        help_text="Canonical plain text: NFC, LF line ends. Statement offsets index into it."
    )
    text_sha256 = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = keep_history()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="source_created_idx"),
            models.Index(fields=["title"], name="source_title_idx"),
            models.Index(fields=["published_on"], name="source_published_idx"),
            models.Index(fields=["text_sha256"], name="source_text_hash_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(title=""),
                name="source_title_not_empty",
                violation_error_message="Give the source a title.",
            ),
            models.CheckConstraint(
                condition=~Q(text=""),
                name="source_text_not_empty",
                violation_error_message="The source has no text.",
            ),
            models.CheckConstraint(
                condition=Q(url="") | Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="source_url_http",
                violation_error_message="The URL must start with http:// or https://.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.text = anchoring.normalize_text(self.text)
        self.text_sha256 = anchoring.text_hash(self.text)
        if kwargs.get("update_fields") is not None and "text" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "text_sha256"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("claims:source_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.text:
            try:
                self.text = anchoring.normalize_text(self.text)
            except anchoring.TextError as exc:
                raise ValidationError({"text": str(exc)}) from None


# --- actors ------------------------------------------------------------------


class Actor(Versioned):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"
        GOVERNMENT = "government", "Government body"
        PARTY = "party", "Party / movement"
        ARMED_GROUP = "armed_group", "Armed group"
        MEDIA = "media", "Media outlet"
        ANONYMOUS = "anonymous", "Anonymous source"
        COLLECTIVE = "collective", "Collective"

    name = models.CharField(max_length=200, validators=[validate_not_blank])
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.PERSON)
    description = models.TextField(blank=True)
    wikidata_id = models.CharField(
        "Wikidata id", max_length=20, blank=True, validators=[wikidata_validator]
    )
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = keep_history()

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["name", "id"], name="actor_name_idx"),
            models.Index(fields=["kind"], name="actor_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name=""),
                name="actor_name_not_empty",
                violation_error_message="Give the actor a name.",
            ),
            models.UniqueConstraint(
                Lower("name"),
                name="actor_name_unique",
                violation_error_message="An actor with this name is already recorded: use it, "
                "or tell the two apart in the name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("claims:actor_detail", args=[self.pk])


class ActorAlias(models.Model):
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200, validators=[validate_not_blank])
    history = keep_history()

    class Meta:
        verbose_name = "alias"
        verbose_name_plural = "aliases"
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="alias_name_idx")]
        constraints = [
            models.UniqueConstraint(fields=["actor", "name"], name="alias_unique_per_actor"),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="alias_name_not_empty",
                violation_error_message="An alias cannot be empty.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Affiliation(Versioned):
    class Role(models.TextChoices):
        LEADER_OF = "leader_of", "leader of"
        MEMBER_OF = "member_of", "member of"
        SPOKESPERSON_FOR = "spokesperson_for", "spokesperson for"
        PART_OF = "part_of", "part of"

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="affiliations")
    role = models.CharField(max_length=20, choices=Role)
    target = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="affiliated")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    history = keep_history()

    class Meta:
        ordering = ["actor__name", "role"]
        indexes = [models.Index(fields=["target"], name="affiliation_target_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(actor=F("target")),
                name="affiliation_not_self",
                violation_error_message="An actor cannot be affiliated with itself.",
            ),
            models.UniqueConstraint(fields=["actor", "role", "target"], name="affiliation_unique"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="affiliation_dates_ordered",
                violation_error_message="The affiliation ends before it starts.",
            ),
        ]

    def __str__(self) -> str:
        actor, target = _related_str(self, "actor"), _related_str(self, "target")
        return f"{actor} — {self.get_role_display()} — {target}"

    def clean(self) -> None:
        super().clean()
        if self.actor_id and self.actor_id == self.target_id:
            raise ValidationError("An actor cannot be affiliated with itself.")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date is before the start date."})


# --- claims ------------------------------------------------------------------


VERDICT_NEEDS_RATIONALE = "Give the rationale for the verdict."


def validate_verdict_decision(verdict: str, rationale: str) -> None:
    """The verdict-needs-a-rationale rule, written once: every verdict an editor gives,
    "Unrated" included, says why. The review form, the admin and the service call this;
    the database holds the part that concerns stored rows (claim_verdict_has_rationale:
    a verdict other than unrated always has a rationale; a claim nobody rated has none)."""
    if not (rationale or "").strip():
        raise ValidationError({"rationale": VERDICT_NEEDS_RATIONALE})


class Claim(Versioned):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DISPUTED = "disputed", "Disputed"
        RESOLVED = "resolved", "Resolved"

    class Verdict(models.TextChoices):
        UNRATED = "unrated", "Unrated"
        TRUE = "true", "True"
        MOSTLY_TRUE = "mostly_true", "Mostly true"
        MISLEADING = "misleading", "Misleading"
        FALSE = "false", "False"
        UNVERIFIABLE = "unverifiable", "Unverifiable"

    text = models.CharField(
        "proposition",
        max_length=500,
        validators=[validate_not_blank],
        help_text="The proposition, stated neutrally.",
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    verdict = models.CharField(max_length=15, choices=Verdict, default=Verdict.UNRATED)
    rationale = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_claims"
    )
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = keep_history()

    class Meta:
        ordering = ["text", "id"]
        permissions = [
            ("review_claim", "Can review claims: verdicts, status, assignment"),
            ("merge_claim", "Can merge claims and actors"),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="claim_status_idx"),
            models.Index(fields=["text"], name="claim_text_idx"),
            models.Index(fields=["assigned_to"], name="claim_assigned_idx"),
            # the review badge counts these by this index alone (services.review.waiting_count)
            models.Index(
                fields=["id"],
                condition=Q(status="disputed", verdict="unrated"),
                name="claim_waiting_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""),
                name="claim_text_not_empty",
                violation_error_message="State the claim.",
            ),
            models.CheckConstraint(
                condition=Q(verdict="unrated") | ~Q(rationale=""),
                name="claim_verdict_has_rationale",
                violation_error_message=VERDICT_NEEDS_RATIONALE,
            ),
            models.UniqueConstraint(
                Lower("text"),
                name="claim_text_unique",
                violation_error_message="This claim is already recorded (the same proposition).",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        return reverse("claims:claim_detail", args=[self.pk])


# --- statements --------------------------------------------------------------


class Statement(Versioned):
    class Reporting(models.TextChoices):
        DIRECT_QUOTE = "direct_quote", "Direct quote"
        PARTIAL_QUOTE = "partial_quote", "Partial quote"
        PARAPHRASE = "paraphrase", "Paraphrase"
        REPORTED = "reported", "Reported speech"
        ANONYMOUS = "anonymous", "Anonymous"
        NARRATION = "narration", "Narration (the outlet's own voice)"

    class Stance(models.TextChoices):
        ASSERTS = "asserts", "asserts"
        DENIES = "denies", "denies"
        QUESTIONS = "questions", "questions"

    class AnchorStatus(models.TextChoices):
        OK = "ok", "Anchored"
        LOST = "lost", "Quote not found after a text change"

    # Each foreign key is served by one named index in Meta (a composite one where its first
    # column is the key); Django's automatic index would be a second copy to keep up on every
    # write (merges update thousands of rows at once).
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="statements", db_index=False
    )
    speaker = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="statements", db_index=False
    )
    via = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relayed_statements",
        help_text="The spokesperson or reader who delivered it.",
        db_index=False,  # statement_via_idx
    )
    reporting = models.CharField(
        "how reported", max_length=20, choices=Reporting, default=Reporting.REPORTED
    )
    start = models.PositiveIntegerField(help_text="Code-point offset into the source text.")
    end = models.PositiveIntegerField()
    exact = models.TextField("quote")
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    anchor_status = models.CharField(max_length=8, choices=AnchorStatus, default=AnchorStatus.OK)
    claim = models.ForeignKey(  # statement_claim_idx (claim, stance) serves claim lookups
        Claim,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statements",
        db_index=False,
    )
    stance = models.CharField(max_length=10, choices=Stance, blank=True)
    said_on = models.DateField("date said", null=True, blank=True)
    summary = models.TextField(blank=True)

    # Kept from imports (brat): the reporting words ("said", "according to") and how the
    # text names the speaker ("he", "a source"): a pronoun resolved to an earlier named
    # speaker, or a speaker left to the researcher (the "Unknown speaker" actor), shows it.
    cue = models.CharField("cue words", max_length=200, blank=True)
    speaker_mention = models.CharField("speaker as written", max_length=200, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="statements", db_index=False
    )
    history = keep_history()

    class Meta:
        ordering = ["source_id", "start", "end", "id"]
        indexes = [
            models.Index(fields=["source", "start", "end"], name="statement_span_idx"),
            models.Index(fields=["speaker"], name="statement_speaker_idx"),
            models.Index(fields=["via"], name="statement_via_idx"),
            models.Index(fields=["claim", "stance"], name="statement_claim_idx"),
            models.Index(fields=["created_by"], name="statement_creator_idx"),
            models.Index(fields=["said_on"], name="statement_said_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="statement_span_ordered",
                violation_error_message="The span is empty or reversed: its end must come after its start.",
            ),
            models.CheckConstraint(
                condition=Q(end=F("start") + Length("exact")),
                name="statement_quote_length",
                violation_error_message="The quote is not as long as the span it is said to cover.",
            ),
            models.CheckConstraint(
                condition=Q(claim__isnull=True, stance="")
                | (Q(claim__isnull=False) & ~Q(stance="")),
                name="statement_stance_with_claim",
                violation_error_message="A statement on a claim needs a stance; one without a claim has none.",
            ),
            models.CheckConstraint(
                condition=Q(via__isnull=True) | ~Q(via=F("speaker")),
                name="statement_via_not_speaker",
                violation_error_message="The speaker cannot deliver their own statement via themselves.",
            ),
            # The natural key: one speaker (via one deliverer) says one thing about one claim
            # at one span; a joint statement is one row per speaker over the same span.
            # NULL via/claim count as equal (coalesced), so a form sent twice cannot store two.
            models.UniqueConstraint(
                "source",
                "start",
                "end",
                "speaker",
                Coalesce("via", 0),
                Coalesce("claim", 0),
                "stance",
                name="statement_unique_per_speaker_span",
                violation_error_message="This statement is already recorded: same source, span, "
                "speaker, via, claim and stance.",
            ),
        ]

    def __str__(self) -> str:
        return f"{_related_str(self, 'speaker')}: “{anchoring._short(self.exact, 50)}”"

    def get_absolute_url(self) -> str:
        return reverse("claims:source_detail", args=[self.source_id]) + f"#statement-{self.pk}"

    @property
    def anchor(self) -> anchoring.Anchor:
        return anchoring.Anchor(self.start, self.end, self.exact, self.prefix, self.suffix)

    def clean(self) -> None:
        """Checks the span against the source text, with a message that shows the text."""
        super().clean()
        errors = {}
        if self.via_id and self.via_id == self.speaker_id:
            errors["via"] = "The speaker cannot deliver their own statement via themselves."
        if self.claim_id and not self.stance:
            errors["stance"] = "Say whether the statement asserts, denies or questions the claim."
        if self.stance and not self.claim_id:
            errors["claim"] = "A stance needs a claim."
        if self.source_id and self.start is not None and self.end is not None:
            text = self.source.text
            try:
                anchoring.verify(text, self.start, self.end, self.exact or "")
            except anchoring.AnchorError as exc:
                errors["exact"] = str(exc)
            else:
                anchor = anchoring.make_anchor(text, self.start, self.end)
                self.prefix, self.suffix = anchor.prefix, anchor.suffix
        if errors:
            raise ValidationError(errors)


# --- contradictions ----------------------------------------------------------


class Contradiction(Versioned):
    class Kind(models.TextChoices):
        DENIAL = "denial", "Denial"
        REBUTTAL = "rebuttal", "Rebuttal"
        CONFLICTING_FACTS = "conflicting_facts", "Conflicting facts"
        SELF_CONTRADICTION = "self_contradiction", "Self-contradiction"
        TENSION = "tension", "Tension"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"

    first = models.ForeignKey(
        Statement,
        on_delete=models.CASCADE,
        related_name="contradictions_as_first",
        help_text="In a rebuttal or denial, the statement that answers the other.",
    )
    second = models.ForeignKey(
        Statement, on_delete=models.CASCADE, related_name="contradictions_as_second"
    )
    kind = models.CharField(max_length=20, choices=Kind)
    rationale = models.TextField(blank=True)
    claim = models.ForeignKey(
        Claim,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contradictions",
        help_text="The claim at issue.",
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    assigned_to = models.ForeignKey(
        USER,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_contradictions",
    )
    history = keep_history()

    class Meta:
        ordering = ["created_at", "id"]
        permissions = [("review_contradiction", "Can confirm or reject contradictions")]
        indexes = [
            models.Index(fields=["status", "created_at"], name="contradiction_status_idx"),
            models.Index(fields=["second"], name="contradiction_second_idx"),
            models.Index(fields=["claim"], name="contradiction_claim_idx"),
            models.Index(fields=["assigned_to"], name="contradiction_assigned_idx"),
            models.Index(fields=["kind"], name="contradiction_kind_idx"),
            # the review badge counts these by this index alone (services.review.waiting_count)
            models.Index(
                fields=["id"], condition=Q(status="proposed"), name="contradiction_proposed_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(first=F("second")),
                name="contradiction_not_self",
                violation_error_message="A statement cannot contradict itself.",
            ),
            models.UniqueConstraint(
                Least("first", "second"),
                Greatest("first", "second"),
                name="contradiction_pair_once",
                violation_error_message="These two statements are already linked.",
            ),
            models.CheckConstraint(
                condition=Q(status="proposed") | Q(reviewed_at__isnull=False),
                name="contradiction_review_dated",
                violation_error_message="A reviewed contradiction needs the time of its review.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: #{self.first_id} vs #{self.second_id}"

    def clean(self) -> None:
        super().clean()
        if self.first_id and self.first_id == self.second_id:
            raise ValidationError("A statement cannot contradict itself.")
        if self.first_id and self.second_id:
            pair = Q(first_id=self.first_id, second_id=self.second_id) | Q(
                first_id=self.second_id, second_id=self.first_id
            )
            if Contradiction.objects.filter(pair).exclude(pk=self.pk).exists():
                raise ValidationError("These two statements are already linked.")


# --- notes -------------------------------------------------------------------


class Note(models.Model):
    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, null=True, blank=True, related_name="notes"
    )
    contradiction = models.ForeignKey(
        Contradiction, on_delete=models.CASCADE, null=True, blank=True, related_name="notes"
    )
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(validators=[validate_not_blank])
    created_at = models.DateTimeField(auto_now_add=True)
    history = keep_history()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["claim", "created_at"], name="note_claim_idx"),
            models.Index(fields=["contradiction", "created_at"], name="note_contradiction_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(claim__isnull=False, contradiction__isnull=True)
                | Q(claim__isnull=True, contradiction__isnull=False),
                name="note_on_one_target",
            ),
            models.CheckConstraint(condition=~Q(body=""), name="note_body_not_empty"),
        ]

    def __str__(self) -> str:
        return anchoring._short(self.body, 60)


# --- background jobs (imports and exports) -------------------------------------


class JobQuerySet(models.QuerySet):
    def visible_to(self, user) -> JobQuerySet:
        """A job is seen by whoever started it, and by editors (who help with failed ones).
        Its files hold data every member may read, but its uploads and report are personal."""
        from .access import is_editor, is_member

        if not is_member(user):
            return self.none()
        if is_editor(user):
            return self.all()
        return self.filter(created_by=user)


class Job(models.Model):
    """An import or export run by a task worker (claims.tasks); its files live under
    settings.JOBS_ROOT/<id>/, never in the database."""

    class Kind(models.TextChoices):
        IMPORT = "import", "Import"
        EXPORT = "export", "Export"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    format = models.CharField(max_length=32)
    source = models.ForeignKey(
        Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claim = models.ForeignKey(
        Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)
    report = models.JSONField(null=True, blank=True)
    inputs = models.JSONField(default=list, blank=True)  # uploaded file names, in order
    result_name = models.CharField(max_length=200, blank=True)  # file under JOBS_ROOT/<id>/
    task_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="job_user_created_idx"),
            models.Index(fields=["-created_at"], name="job_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["import", "export"]), name="job_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="job_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(done__lte=F("total")),
                name="job_done_within_total",
            ),
            models.CheckConstraint(
                condition=Q(source__isnull=True) | Q(claim__isnull=True),
                name="job_one_scope",
            ),
            models.CheckConstraint(
                condition=Q(kind="export") | Q(source__isnull=True, claim__isnull=True),
                name="job_import_unscoped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.format}, {self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("claims:job_detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.status == self.Status.DONE else None
        return min(100, round(100 * self.done / self.total))

    @property
    def folder(self):
        from pathlib import Path

        return Path(settings.JOBS_ROOT) / str(self.pk)

    @property
    def result_path(self):
        return self.folder / self.result_name if self.result_name else None


# --- suggestions (issue 10) ----------------------------------------------------


class SuggestedStatement(models.Model):
    """A statement the suggestion engine (claims.suggest) found in a source's text.

    Nothing here is a statement until a person accepts it: accepting records a
    Statement through the statement service and links it here; dismissing hides it
    for good (a refresh of the source keeps it dismissed). Mentions (speaker, via,
    cue) are spans of the source text, in code points like a statement's anchor.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DISMISSED = "dismissed", "Dismissed"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="suggestions")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    exact = models.TextField("quote")
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    reporting = models.CharField(
        "how reported",
        max_length=20,
        choices=Statement.Reporting,
        default=Statement.Reporting.REPORTED,
    )
    speaker_start = models.PositiveIntegerField(null=True, blank=True)
    speaker_end = models.PositiveIntegerField(null=True, blank=True)
    speaker_text = models.CharField("speaker mention", max_length=300, blank=True)
    speaker = models.ForeignKey(
        Actor, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    speaker_name = models.CharField(max_length=300, blank=True)
    via_start = models.PositiveIntegerField(null=True, blank=True)
    via_end = models.PositiveIntegerField(null=True, blank=True)
    via_text = models.CharField("via mention", max_length=300, blank=True)
    via = models.ForeignKey(
        Actor, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cue_start = models.PositiveIntegerField(null=True, blank=True)
    cue_end = models.PositiveIntegerField(null=True, blank=True)
    cue_text = models.CharField("reporting cue", max_length=300, blank=True)
    candidate_claims = models.JSONField(
        default=list, blank=True, help_text='Ranked close claims: [{"id": 3, "score": 0.7}, ...]'
    )
    score = models.FloatField(default=0.0)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    decided_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    statement = models.ForeignKey(
        Statement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
        help_text="The statement it became when accepted.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source_id", "start", "end", "id"]
        indexes = [
            models.Index(fields=["source", "status", "start"], name="suggestion_source_idx"),
            models.Index(fields=["statement"], name="suggestion_statement_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["source", "start", "end"], name="suggestion_span_once"),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="suggestion_span_ordered",
                violation_error_message="The span is empty or reversed.",
            ),
            models.CheckConstraint(
                condition=Q(end=F("start") + Length("exact")),
                name="suggestion_quote_length",
                violation_error_message="The quote is not as long as its span.",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="suggestion_decision_dated",
                violation_error_message="A decided suggestion needs the time of the decision.",
            ),
        ]

    def __str__(self) -> str:
        who = self.speaker_name or "unknown speaker"
        return f"{who}: “{anchoring._short(self.exact, 50)}” ({self.get_status_display()})"


# --- personal API tokens ---------------------------------------------------------


class ApiToken(models.Model):
    """A personal token for the HTTP API (claims.api.auth). Only the sha256 of the secret is
    stored; the secret is shown once, when the token is made. `prefix` finds the row."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, validators=[validate_not_blank])
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField("key (sha256)", max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField("last used", null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField("revoked", null=True, blank=True)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="apitoken_user_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name=""),
                name="apitoken_name_not_empty",
                violation_error_message="Give the token a name.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
