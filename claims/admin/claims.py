"""The admin of claims and their notes."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from claims.admin.base import (
    AUDIT,
    InlinesSavedByRequestUser,
    StatementCountColumn,
    VersionCheckedAdmin,
    VersionCheckedForm,
)
from claims.models import (
    Claim,
    Note,
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
