"""Forms of the Data page: choose an export format; upload files to import."""

from __future__ import annotations

from django import forms
from django.conf import settings


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
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        most = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        self.fields["files"].help_text = self.fields["files"].help_text.format(most=most)
        self.fields["files"].widget.attrs.update(
            {
                "data-max-files": most,
                "data-max-bytes": settings.JOBS_UPLOAD_MAX_BYTES,
                "aria-describedby": "id_files-check",
            }
        )

    format = forms.ChoiceField(label="Format", choices=_import_choices)
    files = MultipleFileField(
        label="Files",
        error_messages={"required": "Choose at least one file (several files, or one .zip)."},
        help_text=(
            "Several files, or one .zip of them: articles as .txt, .md or .html (one source "
            "each); brat .txt with its .ann; W3C Web Annotation .jsonld; our CSV or JSON Lines. "
            "At most {most} files in one go: put more in a .zip (unpacked on the server, "
            "within limits on its size and file count)."
        ),
        widget=MultipleFileInput(
            attrs={"accept": ".zip,.txt,.md,.markdown,.html,.htm,.ann,.json,.jsonld,.jsonl,.csv"}
        ),
    )


class ExportForm(forms.Form):
    format = forms.ChoiceField(label="Format", choices=_export_choices)
