"""What every admin shares: the version check, audit fields from the signed-in user,
the statements column, inlines saved as the request user."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from claims import anchoring
from claims.models import (
    Statement,
)  # fmt: skip

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
