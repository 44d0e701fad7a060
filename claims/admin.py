"""The admin: data entry and repair for every model of the claims domain.

Every changelist runs a fixed number of queries (list_select_related, counts
as annotations, aliases prefetched); audit fields are read-only and filled
from request.user; every record's history is one click away (SimpleHistoryAdmin).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core import validators
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from . import anchoring
from .models import (
    Actor,
    ActorAlias,
    Affiliation,
    ApiToken,
    Claim,
    Contradiction,
    Note,
    Source,
    Statement,
)
from .services.disputes import claim_refresh_status
from .services.sources import source_update_text
from .services.tokens import api_token_revoke

AUDIT = ("created_by", "created_at", "updated_at", "version")
INLINE_STATEMENTS_SHOWN = 100


def statement_total(fk: str):
    """Statements per row as a correlated subquery: computed for the rows of the page
    only (a JOIN + GROUP BY would aggregate the whole table before the LIMIT)."""
    per_row = (
        Statement.objects.filter(**{fk: OuterRef("pk")})
        .order_by()
        .values(fk)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(per_row, output_field=IntegerField()), 0)


def _on_changelist(request: HttpRequest) -> bool:
    """Whether the request is for a changelist (its extra annotations are for the list only)."""
    return bool(request.resolver_match and request.resolver_match.url_name.endswith("changelist"))


def _short(text: str, limit: int = 80) -> str:
    return anchoring._short(text or "", limit)


class VersionCheckedForm(forms.ModelForm):
    """Refuses a save when the record changed since the form was opened (no lost updates).

    The version the form was opened with travels in a hidden field; on a
    mismatch the error lists, field by field, what was entered and what is
    stored now.
    """

    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["opened_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        opened = cleaned.get("opened_version")
        stored = self.instance  # still the stored record: the form is applied after clean()
        if stored.pk is None or opened is None or opened == stored.version:
            return cleaned
        differences = []
        for name, field in self.fields.items():
            if name == "opened_version" or name not in cleaned:
                continue
            theirs = getattr(stored, name, None)
            yours = cleaned[name]
            if yours != theirs:
                differences.append(
                    f"{field.label or name}: yours “{_short(str(yours or ''), 60)}”, "
                    f"stored “{_short(str(theirs or ''), 60)}”"
                )
        detail = "; ".join(differences) if differences else "no field you can edit here differs"
        raise ValidationError(
            f"Someone else changed this record since you opened it (you opened version "
            f"{opened}, it is now version {stored.version}). Differences: {detail}. "
            "Reload the page to edit the current version.",
            code="conflict",
        )


class VersionCheckedAdmin:
    """Puts the hidden opened_version field on the change form."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            name, options = fieldsets[0]
            fieldsets[0] = (name, {**options, "fields": (*options["fields"], "opened_version")})
        return fieldsets


class StatementCountColumn:
    """A "statements" column (sortable) on the changelist: `statement_fk` is the
    Statement field that points at this model; counted by statement_total()."""

    statement_fk: str

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if _on_changelist(request):
            qs = qs.annotate(statement_total=statement_total(self.statement_fk))
        return qs

    @admin.display(description="statements", ordering="statement_total")
    def statement_count(self, obj) -> int:
        return obj.statement_total


class InlinesSavedByRequestUser:
    """Inline rows are saved as the signed-in user: history records them as the author of
    the change, and a new row's author field, named per model in `inline_author_fields`,
    is filled in when empty."""

    inline_author_fields: dict[type, str] = {}

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in instances:
            for model, field in self.inline_author_fields.items():
                if isinstance(obj, model) and getattr(obj, f"{field}_id") is None:
                    setattr(obj, field, request.user)
            obj._history_user = request.user
            obj.save()
        formset.save_m2m()


# --- sources -------------------------------------------------------------------


class SourceTextField(forms.CharField):
    """The canonical text: normalised (NFC, LF) and never stripped; NUL refused."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 24, "cols": 100}))
        super().__init__(strip=False, **kwargs)
        # our message (from normalize_text) says more than the generic one
        self.validators = [
            v
            for v in self.validators
            if not isinstance(v, validators.ProhibitNullCharactersValidator)
        ]

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        try:
            return anchoring.normalize_text(value)
        except anchoring.TextError as exc:
            raise ValidationError(str(exc), code="nul") from None


class SourceAdminForm(VersionCheckedForm):
    text = SourceTextField(
        help_text="Canonical plain text. Line ends become LF and the text is NFC-normalised; "
        "editing it re-anchors the statements."
    )

    class Meta:
        model = Source
        fields = (
            "title", "kind", "publisher", "published_on", "dateline", "byline",
            "url", "language", "notes", "text",
        )  # fmt: skip


class StatementInlineForm(forms.ModelForm):
    class Meta:
        model = Statement
        fields = (
            "speaker",
            "via",
            "reporting",
            "start",
            "end",
            "exact",
            "claim",
            "stance",
            "said_on",
        )
        widgets = {"exact": forms.Textarea(attrs={"rows": 2, "cols": 40})}

    parent_text: str | None = None

    def clean(self):
        cleaned = super().clean()
        # On a new source the statement has no source_id yet, so Statement.clean()
        # cannot check the span: check it against the text being entered.
        if self.instance.source_id is None and self.parent_text is not None:
            start, end, exact = cleaned.get("start"), cleaned.get("end"), cleaned.get("exact")
            if start is not None and end is not None and exact:
                try:
                    anchoring.verify(self.parent_text, start, end, exact)
                except anchoring.AnchorError as exc:
                    self.add_error("exact", str(exc))
                else:
                    anchor = anchoring.make_anchor(self.parent_text, start, end)
                    self.instance.prefix, self.instance.suffix = anchor.prefix, anchor.suffix
        return cleaned


class StatementInlineFormSet(forms.BaseInlineFormSet):
    """Shows the first statements of a source; checks new ones against its text.

    When the text is being changed, existing rows are re-anchored by
    source_update_text, so they may not be edited in the same save.
    """

    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            qs = super().get_queryset().select_related("speaker", "via", "claim")
            self._queryset = qs[:INLINE_STATEMENTS_SHOWN]
        return self._queryset

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index < self.initial_form_count():
            # unchanged rows are not re-validated: after a text edit their old
            # offsets would not match the new text (source_update_text moves them)
            kwargs["empty_permitted"] = True
        return kwargs

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.parent_text = self.instance.text
        return form

    def clean(self):
        super().clean()
        source = self.instance
        if source.pk is None:
            return
        stored = Source.objects.filter(pk=source.pk).values_list("text", flat=True).first()
        text_changed = stored is not None and stored != source.text
        if text_changed and any(form.has_changed() for form in self.forms):
            raise ValidationError(
                "The text was changed: save the text first (its statements are "
                "re-anchored), then add or edit statements."
            )


class StatementInline(admin.TabularInline):
    model = Statement
    form = StatementInlineForm
    formset = StatementInlineFormSet
    extra = 0
    autocomplete_fields = ("speaker", "via", "claim")
    readonly_fields = ("anchor_status",)
    show_change_link = True
    verbose_name_plural = f"statements (the first {INLINE_STATEMENTS_SHOWN}; all in Statements)"


@admin.register(Source)
class SourceAdmin(
    VersionCheckedAdmin, StatementCountColumn, InlinesSavedByRequestUser, SimpleHistoryAdmin
):
    form = SourceAdminForm
    statement_fk = "source"
    inline_author_fields = {Statement: "created_by"}
    list_display = (
        "title",
        "publisher",
        "published_on",
        "kind",
        "language",
        "statement_count",
        "created_by",
        "created_at",
    )
    list_select_related = ("created_by",)
    list_filter = ("kind", "language", "published_on")
    search_fields = ("title", "publisher", "byline", "url", "dateline")
    readonly_fields = ("text_sha256", *AUDIT)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "kind",
                    ("publisher", "published_on"),
                    ("dateline", "byline"),
                    ("url", "language"),
                    "notes",
                )
            },
        ),
        ("Text", {"fields": ("text", "text_sha256")}),
        ("Audit", {"fields": AUDIT, "classes": ("collapse",)}),
    )
    inlines = (StatementInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if _on_changelist(request):
            qs = qs.defer("text", "notes")
        return qs

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        if not change:
            obj.created_by = request.user
            obj.save()
            return
        if "text" in form.changed_data:
            result = source_update_text(source=obj, text=obj.text, user=request.user)
            if result.lost:
                messages.warning(
                    request,
                    f"{len(result.lost)} statement(s) could not be re-found in the new text "
                    "and are marked “lost” for an editor to repair.",
                )
        else:
            obj.save()


# --- actors ----------------------------------------------------------------------


class ActorAliasInline(admin.TabularInline):
    model = ActorAlias
    extra = 1


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    fk_name = "actor"
    extra = 1
    autocomplete_fields = ("target",)
    fields = ("role", "target", "start_date", "end_date")


@admin.register(Actor)
class ActorAdmin(VersionCheckedAdmin, StatementCountColumn, SimpleHistoryAdmin):
    form = VersionCheckedForm
    statement_fk = "speaker"
    list_display = ("name", "kind", "alias_list", "wikidata_id", "statement_count", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "aliases__name", "description", "wikidata_id")
    readonly_fields = AUDIT
    fields = ("name", "kind", "description", "wikidata_id", *AUDIT)
    inlines = (ActorAliasInline, AffiliationInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if _on_changelist(request):
            qs = qs.prefetch_related(
                Prefetch("aliases", queryset=ActorAlias.objects.order_by("name"))
            )
        return qs

    @admin.display(description="aliases")
    def alias_list(self, obj: Actor) -> str:
        return ", ".join(a.name for a in obj.aliases.all())

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ActorAlias)
class ActorAliasAdmin(SimpleHistoryAdmin):
    list_display = ("name", "actor")
    list_select_related = ("actor",)
    search_fields = ("name", "actor__name")
    autocomplete_fields = ("actor",)


@admin.register(Affiliation)
class AffiliationAdmin(VersionCheckedAdmin, SimpleHistoryAdmin):
    form = VersionCheckedForm
    list_display = ("actor", "role", "target", "start_date", "end_date")
    list_select_related = ("actor", "target")
    list_filter = ("role",)
    search_fields = ("actor__name", "target__name")
    autocomplete_fields = ("actor", "target")
    readonly_fields = ("created_at", "updated_at", "version")


# --- claims --------------------------------------------------------------------


class NoteInline(admin.StackedInline):
    model = Note
    extra = 0
    fields = ("body", "author", "created_at")
    readonly_fields = ("author", "created_at")


class NotesFromRequestUser(InlinesSavedByRequestUser):
    """Inline notes get their author from the signed-in user."""

    inline_author_fields = {Note: "author"}


class ClaimAdminForm(VersionCheckedForm):
    class Meta:
        model = Claim
        fields = ("text", "status", "verdict", "rationale", "assigned_to")

    def clean(self):
        cleaned = super().clean()
        verdict = cleaned.get("verdict")
        if (
            verdict
            and verdict != Claim.Verdict.UNRATED
            and not cleaned.get("rationale", "").strip()
        ):
            self.add_error("rationale", "A verdict needs a rationale.")
        return cleaned


@admin.register(Claim)
class ClaimAdmin(
    VersionCheckedAdmin, StatementCountColumn, NotesFromRequestUser, SimpleHistoryAdmin
):
    form = ClaimAdminForm
    statement_fk = "claim"
    list_display = (
        "text",
        "status",
        "verdict",
        "statement_count",
        "assigned_to",
        "reviewed_by",
        "updated_at",
    )
    list_select_related = ("assigned_to", "reviewed_by")
    list_filter = ("status", "verdict")
    search_fields = ("text", "rationale")
    autocomplete_fields = ("assigned_to",)
    readonly_fields = ("reviewed_by", "reviewed_at", *AUDIT)
    fields = (
        "text",
        ("status", "verdict"),
        "rationale",
        "assigned_to",
        ("reviewed_by", "reviewed_at"),
        *AUDIT,
    )
    inlines = (NoteInline,)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        if {"status", "verdict", "rationale"} & set(form.changed_data):
            obj.reviewed_by, obj.reviewed_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)


# --- statements ------------------------------------------------------------------


class StatementAdminForm(VersionCheckedForm):
    """start/end may be left empty: the quote is then looked up in the source text."""

    class Meta:
        model = Statement
        fields = (
            "source", "speaker", "via", "reporting", "start", "end", "exact",
            "claim", "stance", "said_on", "summary",
        )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("start", "end"):
            if name in self.fields:
                self.fields[name].required = False
                self.fields[
                    name
                ].help_text = (
                    "Code-point offset. Leave start and end empty to find the quote in the text."
                )

    def clean(self):
        cleaned = super().clean()
        source, exact = cleaned.get("source"), cleaned.get("exact")
        if cleaned.get("start") is None and cleaned.get("end") is None and source and exact:
            try:
                anchor = anchoring.find_quote(source.text, exact)
            except anchoring.AnchorError as exc:
                self.add_error("exact", str(exc))
            else:
                cleaned["start"], cleaned["end"] = anchor.start, anchor.end
        elif cleaned.get("start") is None or cleaned.get("end") is None:
            self.add_error("start", "Give both offsets, or neither to look the quote up.")
        return cleaned


@admin.register(Statement)
class StatementAdmin(VersionCheckedAdmin, SimpleHistoryAdmin):
    form = StatementAdminForm
    list_display = (
        "quote",
        "speaker",
        "via",
        "reporting",
        "claim",
        "stance",
        "source",
        "span",
        "anchor_status",
        "created_by",
    )
    list_select_related = ("speaker", "via", "claim", "source", "created_by")
    list_filter = ("reporting", "stance", "anchor_status", "speaker__kind")
    search_fields = ("exact", "summary", "speaker__name", "source__title")
    autocomplete_fields = ("source", "speaker", "via", "claim")
    readonly_fields = ("prefix", "suffix", "anchor_status", *AUDIT)
    fieldsets = (
        (None, {"fields": ("source", ("speaker", "via"), "reporting")}),
        ("Anchor", {"fields": (("start", "end"), "exact", ("prefix", "suffix"), "anchor_status")}),
        (None, {"fields": (("claim", "stance"), "said_on", "summary")}),
        ("Audit", {"fields": AUDIT, "classes": ("collapse",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if _on_changelist(request):
            qs = qs.defer("source__text", "source__notes")
        return qs

    @admin.display(description="quote", ordering="exact")
    def quote(self, obj: Statement) -> str:
        return _short(obj.exact)

    @admin.display(description="span", ordering="start")
    def span(self, obj: Statement) -> str:
        return f"{obj.start}–{obj.end}"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        # the form checked the span against the text (Statement.clean)
        obj.anchor_status = Statement.AnchorStatus.OK
        super().save_model(request, obj, form, change)


# --- contradictions --------------------------------------------------------------


def _statement_card(st: Statement | None) -> str:
    if st is None:
        return "—"
    via = format_html(" via {}", st.via) if st.via_id else ""
    stance = format_html(" · {} {}", st.stance, st.claim) if st.claim_id else ""
    return format_html(
        "<strong>{}</strong>{} ({}){}<br><q>{}</q><br><small>{} · {}–{}</small>",
        st.speaker,
        via,
        st.get_reporting_display(),
        stance,
        st.exact,
        st.source.title,
        st.start,
        st.end,
    )


@admin.register(Contradiction)
class ContradictionAdmin(VersionCheckedAdmin, NotesFromRequestUser, SimpleHistoryAdmin):
    form = VersionCheckedForm
    list_display = (
        "pk",
        "kind",
        "status",
        "first_speaker",
        "first_quote",
        "second_speaker",
        "second_quote",
        "claim",
        "proposed_by",
        "reviewed_by",
    )
    list_display_links = ("pk", "kind")
    list_select_related = (
        "first__speaker",
        "second__speaker",
        "claim",
        "proposed_by",
        "reviewed_by",
    )
    list_filter = ("status", "kind")
    search_fields = (
        "first__exact",
        "second__exact",
        "first__speaker__name",
        "second__speaker__name",
        "rationale",
    )
    autocomplete_fields = ("first", "second", "claim", "assigned_to")
    readonly_fields = (
        "first_statement",
        "second_statement",
        "proposed_by",
        "reviewed_by",
        "reviewed_at",
        "created_at",
        "updated_at",
        "version",
    )
    fieldsets = (
        (None, {"fields": (("first", "first_statement"), ("second", "second_statement"))}),
        (None, {"fields": ("kind", "claim", "rationale")}),
        (
            "Review",
            {
                "fields": (
                    "status",
                    "review_note",
                    "assigned_to",
                    ("reviewed_by", "reviewed_at"),
                    "proposed_by",
                )
            },
        ),
        ("Audit", {"fields": ("created_at", "updated_at", "version"), "classes": ("collapse",)}),
    )
    inlines = (NoteInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("change"):
            # the change page shows both statements with speaker, via, claim and source
            qs = qs.select_related(
                "first__speaker", "first__via", "first__claim", "first__source",
                "second__speaker", "second__via", "second__claim", "second__source",
            ).defer("first__source__text", "second__source__text")  # fmt: skip
        return qs

    @admin.display(description="first speaker", ordering="first__speaker__name")
    def first_speaker(self, obj: Contradiction) -> str:
        return obj.first.speaker.name

    @admin.display(description="first quote")
    def first_quote(self, obj: Contradiction) -> str:
        return _short(obj.first.exact, 70)

    @admin.display(description="second speaker", ordering="second__speaker__name")
    def second_speaker(self, obj: Contradiction) -> str:
        return obj.second.speaker.name

    @admin.display(description="second quote")
    def second_quote(self, obj: Contradiction) -> str:
        return _short(obj.second.exact, 70)

    @admin.display(description="first statement")
    def first_statement(self, obj: Contradiction) -> str:
        return _statement_card(obj.first if obj.first_id else None)

    @admin.display(description="second statement")
    def second_statement(self, obj: Contradiction) -> str:
        return _statement_card(obj.second if obj.second_id else None)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.proposed_by = request.user
        if "status" in form.changed_data:
            if obj.status == Contradiction.Status.PROPOSED:
                obj.reviewed_by, obj.reviewed_at = None, None
            else:
                obj.reviewed_by, obj.reviewed_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)
        claims = {obj.claim_id, obj.first.claim_id, obj.second.claim_id} - {None}
        for claim in Claim.objects.filter(pk__in=claims):
            claim_refresh_status(claim=claim)


# --- notes -------------------------------------------------------------------------


class NoteAdminForm(forms.ModelForm):
    class Meta:
        model = Note
        fields = ("claim", "contradiction", "body")

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("claim")) == bool(cleaned.get("contradiction")):
            raise ValidationError("A note is on a claim or on a contradiction: choose exactly one.")
        return cleaned


@admin.register(Note)
class NoteAdmin(SimpleHistoryAdmin):
    form = NoteAdminForm
    list_display = ("excerpt", "author", "claim", "contradiction", "created_at")
    list_select_related = ("author", "claim", "contradiction")
    search_fields = ("body", "author__username", "claim__text")
    autocomplete_fields = ("claim", "contradiction")
    readonly_fields = ("author", "created_at")
    fields = ("claim", "contradiction", "body", "author", "created_at")

    @admin.display(description="note")
    def excerpt(self, obj: Note) -> str:
        return _short(obj.body, 80)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        super().save_model(request, obj, form, change)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Users make their tokens on /account/tokens/ (the secret is shown to them once);
    admins see every token and revoke them. Only the hash is stored, so nothing here
    reveals a secret."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = ("user", "name", "prefix", "key_hash", "created_at", "last_used_at")
    fields = (*readonly_fields, "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            api_token_revoke(token=token)
        self.message_user(request, f"{len(tokens)} token(s) revoked.", messages.SUCCESS)
