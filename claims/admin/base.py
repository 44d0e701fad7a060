"""What every admin shares: the version check, audit fields from the signed-in user,
the statements column, inlines saved as the request user."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from claims import anchoring
from claims.models import Statement
from claims.services.conflicts import EditConflict, conflict_context, lock_version

AUDIT = ("created_by", "created_at", "updated_at", "version")


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


class CanonicalTextField(forms.CharField):
    """Text as the app stores it: normalised (NFC, LF: a textarea sends CRLF) and never
    stripped (a quote may begin or end with a space or a line break); NUL refused."""

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


class VersionCheckedForm(forms.ModelForm):
    """Refuses a save when the record changed since the form was opened (no lost updates).

    The version the form was opened with travels in a hidden field. The check is the
    services' one (lock_version): the row is locked for the rest of the admin's save
    transaction, so a second admin saving at the same instant waits, then sees the new
    version and gets the conflict instead of overwriting it. On a conflict the form keeps
    `conflict` for the shared conflict partial, and the error lists, field by field, what
    was entered and what is stored now.
    """

    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    conflict: EditConflict | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["opened_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        opened = cleaned.get("opened_version")
        stored = self.instance  # the record as read for this request: applied after clean()
        if stored.pk is None or not self.is_bound:
            return cleaned
        try:
            lock_version(type(stored), stored.pk, opened if opened is not None else stored.version)
        except EditConflict as conflict:
            self.conflict = conflict
            current = conflict.current
        else:
            return cleaned
        differences = []
        for name, field in self.fields.items():
            if name == "opened_version" or name not in cleaned:
                continue
            theirs = getattr(current, name, None)
            yours = cleaned[name]
            if yours != theirs:
                differences.append(
                    f"{field.label or name}: yours “{_short(str(yours or ''), 60)}”, "
                    f"stored “{_short(str(theirs or ''), 60)}”"
                )
        detail = "; ".join(differences) if differences else "no field you can edit here differs"
        raise ValidationError(
            f"Someone else changed this record since you opened it (you opened version "
            f"{opened}, it is now version {current.version}). Nothing was saved. "
            f"Differences: {detail}. Reload the page to edit the current version.",
            code="conflict",
        )


class VersionCheckedAdmin:
    """Puts the hidden opened_version field on the change form; a conflict is shown with the
    shared conflict partial (templates/admin/claims/change_form.html) and answers 409."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            name, options = fieldsets[0]
            fieldsets[0] = (name, {**options, "fields": (*options["fields"], "opened_version")})
        return fieldsets

    def render_change_form(self, request, context, *args, **kwargs):
        form = context["adminform"].form
        conflict = getattr(form, "conflict", None)
        if conflict is not None:
            yours = {
                k: v for k, v in getattr(form, "cleaned_data", {}).items() if k != "opened_version"
            }
            context.update(conflict_context(conflict, yours))
        response = super().render_change_form(request, context, *args, **kwargs)
        if conflict is not None:
            response.status_code = 409
        return response


# Query-string lookups the changelist accepts beyond a filter's own field: the suffixes
# Django's list filters (choices, dates, empty/not empty, related) put in their links.
FILTER_SUFFIXES = {
    "exact", "isnull", "gte", "lt", "lte", "gt", "in", "id__exact", "pk__exact",
    "year", "month", "day",
}  # fmt: skip


class OfferedFiltersOnly:
    """Only the filters the admin offers are accepted in a changelist's query string:
    `?text__regex=(` is a 400 (DisallowedModelAdminLookup), never a database error.
    `extra_lookups` names fields that links elsewhere in the admin filter by."""

    extra_lookups: tuple[str, ...] = ()

    def _offered_fields(self, request) -> list[str]:
        fields = [*self.extra_lookups]
        for spec in self.get_list_filter(request):
            if isinstance(spec, str):
                fields.append(spec)
            elif isinstance(spec, (tuple, list)):
                fields.append(spec[0])
            # a SimpleListFilter reads its own parameter; it never reaches lookup_allowed
        if self.date_hierarchy:
            fields.append(self.date_hierarchy)
        return fields

    def lookup_allowed(self, lookup, value, request=None):
        for field in self._offered_fields(request):
            if lookup == field or (
                lookup.startswith(field + "__") and lookup[len(field) + 2 :] in FILTER_SUFFIXES
            ):
                return super().lookup_allowed(lookup, value, request)
        return False


class ReadOnlyHistory:
    """History is for reading: the page renders without inline styles (our list template,
    for the CSP) and a POST to a version's page, which simple_history would turn into a
    revert (bringing an old version number back), is refused with 405."""

    object_history_template = "admin/claims/object_history.html"
    object_history_list_template = "admin/claims/history_list.html"

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(
                ["GET", "HEAD"], "History is read-only: a record cannot be reverted here."
            )
        return super().history_form_view(request, object_id, version_id, extra_context)


class WriteErrorsAsMessages:
    """A write the form could not foresee (a duplicate saved by someone else a moment
    before, a rule a service checks) rolls the whole save back and comes back to the form
    with the reason, instead of a 500."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, IntegrityError) as exc:
            if isinstance(exc, ValidationError):
                text = " ".join(exc.messages)
            else:
                text = "Someone saved the same record a moment before you"
            messages.error(request, f"{text} Nothing was saved.")
            return HttpResponseRedirect(request.get_full_path())


class ClaimsModelAdmin(
    WriteErrorsAsMessages, OfferedFiltersOnly, ReadOnlyHistory, SimpleHistoryAdmin
):
    """The base of every claims admin: offered filters only, read-only history, write
    errors as messages."""


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
