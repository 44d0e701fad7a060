"""The admin of claims and their notes."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone

from claims.admin.base import (
    AUDIT,
    ClaimsModelAdmin,
    InlinesSavedByRequestUser,
    StatementCountColumn,
    VersionCheckedAdmin,
    VersionCheckedForm,
)
from claims.models import (
    Claim,
    Note,
    validate_verdict_decision,
)  # fmt: skip


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
        # Setting or changing the verdict (or its rationale) is a decision: it says why,
        # "Unrated" included. The one rule: claims.models.validate_verdict_decision.
        if cleaned.get("verdict") and {"verdict", "rationale"} & set(self.changed_data):
            try:
                validate_verdict_decision(cleaned["verdict"], cleaned.get("rationale"))
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


@admin.register(Claim)
class ClaimAdmin(VersionCheckedAdmin, StatementCountColumn, NotesFromRequestUser, ClaimsModelAdmin):
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
