"""The admin of statements."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from claims import anchoring
from claims.admin.base import (
    AUDIT,
    CanonicalTextField,
    ClaimsModelAdmin,
    VersionCheckedAdmin,
    VersionCheckedForm,
    _on_changelist,
    _short,
)
from claims.models import Statement
from claims.services.statements import statement_create, statement_delete, statement_update


class StatementAdminForm(VersionCheckedForm):
    """start/end may be left empty: the quote is then looked up in the source text."""

    exact = CanonicalTextField(label="Quote", widget=forms.Textarea(attrs={"rows": 3, "cols": 80}))

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
class StatementAdmin(VersionCheckedAdmin, ClaimsModelAdmin):
    form = StatementAdminForm
    extra_lookups = ("source",)  # the source page links to its statements
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
        """Through the services the pages use: the span is checked against the source text
        under its lock, a duplicate is refused, and the claims involved refresh their status."""
        fields = {
            "speaker": obj.speaker,
            "via": obj.via,
            "reporting": obj.reporting,
            "claim": obj.claim,
            "stance": obj.stance,
            "said_on": obj.said_on,
            "summary": obj.summary,
        }
        anchor = anchoring.Anchor(obj.start, obj.end, obj.exact, "", "")
        if not change:
            saved = statement_create(user=request.user, source=obj.source, anchor=anchor, **fields)
        else:
            span = {"source", "start", "end", "exact"} & set(form.changed_data)
            stored_version = Statement.objects.values_list("version", flat=True).get(pk=obj.pk)
            saved = statement_update(
                user=request.user,
                statement_id=obj.pk,
                version=stored_version,  # checked against the form's under the row lock
                source=obj.source if span else None,
                anchor=anchor if span else None,
                **fields,
            )
        for f in Statement._meta.concrete_fields:
            setattr(obj, f.attname, getattr(saved, f.attname))

    def delete_model(self, request, obj):
        statement_delete(user=request.user, statement_id=obj.pk, version=obj.version)

    def delete_queryset(self, request, queryset):
        for pk, version in queryset.values_list("pk", "version"):
            statement_delete(user=request.user, statement_id=pk, version=version)
