"""The admin of sources: the text is edited here and re-anchors its statements."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core import validators
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from claims import anchoring
from claims.admin.base import (
    AUDIT,
    INLINE_STATEMENTS_SHOWN,
    InlinesSavedByRequestUser,
    StatementCountColumn,
    VersionCheckedAdmin,
    VersionCheckedForm,
    _on_changelist,
)
from claims.models import (
    Source,
    Statement,
)  # fmt: skip
from claims.services.sources import source_update_text


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
