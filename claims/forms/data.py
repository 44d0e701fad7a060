"""Forms of the Data page: choose an export format; upload files to import."""

from __future__ import annotations

from django import forms


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input type=file multiple> (Django's documented pattern)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


def _import_choices() -> list[tuple[str, str]]:
    from claims.services.bulk_imports import IMPORT_FORMATS

    return list(IMPORT_FORMATS.items())


def _export_choices() -> list[tuple[str, str]]:
    from claims.services.exports import EXPORT_FORMATS

    return [(key, fmt.label) for key, fmt in EXPORT_FORMATS.items()]


class ImportForm(forms.Form):
    format = forms.ChoiceField(label="Format", choices=_import_choices)
    files = MultipleFileField(
        label="Files",
        error_messages={"required": "Choose at least one file (several files, or one .zip)."},
        help_text=(
            "Several files, or one .zip of them: articles as .txt, .md or .html (one source "
            "each); brat .txt with its .ann; W3C Web Annotation .jsonld; our CSV or JSON Lines. "
            "At most 100 files in one go: put more in a .zip."
        ),
        widget=MultipleFileInput(
            attrs={"accept": ".zip,.txt,.md,.markdown,.html,.htm,.ann,.json,.jsonld,.jsonl,.csv"}
        ),
    )


class ExportForm(forms.Form):
    format = forms.ChoiceField(label="Format", choices=_export_choices)
