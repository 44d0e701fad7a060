"""The admin of sources: the text is edited here and re-anchors its statements."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from claims.admin.base import (
    AUDIT,
    CanonicalTextField,
    ClaimsModelAdmin,
    StatementCountColumn,
    VersionCheckedAdmin,
    VersionCheckedForm,
    _on_changelist,
    _short,
)
from claims.models import (
    Source,
    Statement,
)  # fmt: skip
from claims.services.sources import source_update_text

SourceTextField = CanonicalTextField


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


STATEMENTS_LISTED = 50


def statement_list(source: Source) -> str:
    """The source's statements, read-only: the first STATEMENTS_LISTED by position, each a
    link to its own change page, and a link to all of them in the Statements list.

    Not an inline: a source may have thousands of statements, and an inline of them put
    hundreds of form fields on this page (a 400 "too many fields" on save) and re-validated
    quotes that the text edit was about to re-anchor."""
    if source.pk is None:
        return "Add statements after the source is saved (the Statements list, or its page)."
    rows = list(
        Statement.objects.filter(source=source)
        .select_related("speaker")
        .only("pk", "start", "end", "exact", "anchor_status", "speaker__name")
        .order_by("start", "end", "pk")[: STATEMENTS_LISTED + 1]
    )
    if not rows:
        return "No statements yet."
    items = format_html_join(
        "",
        '<li><a href="{}">{}–{} {}: “{}”</a>{}</li>',
        (
            (
                reverse("admin:claims_statement_change", args=[st.pk]),
                st.start,
                st.end,
                st.speaker.name,
                _short(st.exact, 70),
                " (lost)" if st.anchor_status == Statement.AnchorStatus.LOST else "",
            )
            for st in rows[:STATEMENTS_LISTED]
        ),
    )
    all_url = reverse("admin:claims_statement_changelist") + f"?source__id__exact={source.pk}"
    more = f"All statements of this source ({'more than ' if len(rows) > STATEMENTS_LISTED else ''}{min(len(rows), STATEMENTS_LISTED)})"
    return format_html(
        '<ul class="statement-list">{}</ul><p><a href="{}">{}</a></p>', items, all_url, more
    )


@admin.register(Source)
class SourceAdmin(VersionCheckedAdmin, StatementCountColumn, ClaimsModelAdmin):
    form = SourceAdminForm
    statement_fk = "source"
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
    readonly_fields = ("text_sha256", "statements", *AUDIT)
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
        ("Statements", {"fields": ("statements",)}),
        ("Audit", {"fields": AUDIT, "classes": ("collapse",)}),
    )

    @admin.display(description="statements")
    def statements(self, obj: Source) -> str:
        return statement_list(obj)

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
