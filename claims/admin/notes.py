"""The admin of notes on claims and contradictions."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from claims.admin.base import ClaimsModelAdmin, _short
from claims.models import (
    Note,
)  # fmt: skip


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
class NoteAdmin(ClaimsModelAdmin):
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
