"""The admin of contradictions between two statements."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from claims.admin.base import ClaimsModelAdmin, VersionCheckedAdmin, VersionCheckedForm, _short
from claims.admin.claims import NoteInline, NotesFromRequestUser
from claims.models import (
    Contradiction,
    Statement,
)  # fmt: skip
from claims.services.review import contradiction_delete, contradiction_save


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
class ContradictionAdmin(VersionCheckedAdmin, NotesFromRequestUser, ClaimsModelAdmin):
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
        """Through the service the pages use: the claims involved, before and after the
        change, refresh their status (disputed or open)."""
        if not change:
            obj.proposed_by = request.user
        if "status" in form.changed_data:
            if obj.status == Contradiction.Status.PROPOSED:
                obj.reviewed_by, obj.reviewed_at = None, None
            else:
                obj.reviewed_by, obj.reviewed_at = request.user, timezone.now()
        contradiction_save(contradiction=obj, user=request.user)

    def delete_model(self, request, obj):
        contradiction_delete(contradiction_id=obj.pk, user=request.user)

    def delete_queryset(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            contradiction_delete(contradiction_id=pk, user=request.user)
