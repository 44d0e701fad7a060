"""Forms of the editors' review: decisions, assignment, verdicts, notes, merges, queue filters."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from claims.forms.widgets import QuickSelect
from claims.models import Claim, Contradiction, validate_verdict_decision
from claims.services.review import editors


class VersionedForm(forms.Form):
    """Carries the version of the record the form was opened with."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DecisionForm(VersionedForm):
    decision = forms.ChoiceField(
        choices=[("confirm", "Confirm"), ("reject", "Reject")], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label="Review note",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Why (required to reject)"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", "Say why the contradiction is rejected.")
        return data


class AssignForm(VersionedForm):
    assigned_to = forms.ModelChoiceField(
        label="Assign to", queryset=None, required=False, empty_label="nobody"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = editors()


class VerdictForm(VersionedForm):
    verdict = forms.ChoiceField(choices=Claim.Verdict.choices)
    rationale = forms.CharField(
        required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )
    resolve = forms.BooleanField(label="Mark the claim resolved", required=False)

    def clean(self):
        data = super().clean()
        if data.get("verdict"):
            try:
                validate_verdict_decision(data["verdict"], data.get("rationale"))
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


class ResolveForm(VersionedForm):
    action = forms.ChoiceField(
        choices=[("resolve", "Mark resolved"), ("reopen", "Reopen")], widget=forms.HiddenInput
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Note",
        max_length=10000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Add to the discussion"}),
        error_messages={"required": "Write something before posting the note."},
    )


class MergeForm(VersionedForm):
    """`into` is the record that stays; the one the page is about is merged into it."""

    into = forms.IntegerField(label="Merge into", min_value=1)

    def __init__(self, *args, model, merged, **kwargs):
        super().__init__(*args, **kwargs)
        self.model = model
        self.merged = merged

    def clean_into(self):
        pk = self.cleaned_data["into"]
        if pk == self.merged.pk:
            raise forms.ValidationError("Pick another record: nothing merges into itself.")
        try:
            return self.model.objects.get(pk=pk)
        except self.model.DoesNotExist:
            raise forms.ValidationError("That record does not exist (any more).") from None


# The largest id a database integer key holds; a bigger number in a filter is invalid
# rather than an overflow inside the query.
MAX_ID = 2**63 - 1


class QueueFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", "Waiting (proposed and disputed)"),
        ("proposed", "Proposed contradictions"),
        ("disputed", "Disputed claims"),
        ("confirmed", "Confirmed contradictions"),
        ("rejected", "Rejected contradictions"),
        ("resolved", "Resolved claims"),
    ]
    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False, widget=QuickSelect)
    kind = forms.ChoiceField(
        label="Kind",
        choices=[("", "Any kind"), *Contradiction.Kind.choices],
        required=False,
        widget=QuickSelect,
    )
    actor = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )
    source = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )
    claim = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )
    assigned = forms.ChoiceField(label="Assigned to", required=False, widget=QuickSelect)

    def __init__(self, *args, editor_list, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Anyone or nobody"), ("none", "Nobody")]
        choices += [(str(u.pk), u.get_username()) for u in editor_list]
        self.fields["assigned"].choices = choices
