"""The source import form: metadata plus pasted text or an uploaded file."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from claims.models import Source
from claims.services import imports


class SourceImportForm(forms.ModelForm):
    text = forms.CharField(
        label="Text",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        help_text="Paste the article text here, or upload a file below.",
    )
    upload = forms.FileField(
        label="…or upload a file",
        required=False,
        help_text="A .txt, .md or .html file. From HTML only the article text is kept.",
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.md,.markdown,.html,.htm"}),
    )

    class Meta:
        model = Source
        fields = [
            "title",
            "kind",
            "publisher",
            "url",
            "published_on",
            "dateline",
            "byline",
            "language",
            "notes",
        ]
        widgets = {
            "url": forms.URLInput(attrs={"placeholder": "https://…"}),
            "published_on": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError("Give the source a title.")
        return title

    def clean(self) -> dict:
        cleaned = super().clean()
        pasted = cleaned.get("text") or ""
        upload = cleaned.get("upload")
        limit = settings.SOURCE_UPLOAD_MAX_BYTES
        if "upload" in self.errors:
            # The upload was refused already (an empty file, say): that is the message;
            # "paste the text or upload a file" beside it would contradict it.
            return cleaned
        if upload and pasted.strip():
            raise ValidationError("Paste text or upload a file, not both.")
        try:
            if upload:
                if upload.size > limit:
                    raise ValidationError(
                        f"The file is {upload.size:,} bytes; the limit is {limit:,} bytes."
                    )
                cleaned["text"] = imports.text_from_upload(
                    name=upload.name, data=upload.read(limit + 1), max_bytes=limit
                )
            elif pasted.strip():
                if len(pasted.encode("utf-8", "surrogatepass")) > limit:
                    raise ValidationError(f"The text is longer than the limit of {limit:,} bytes.")
                cleaned["text"] = imports.normalized(pasted)
            else:
                raise ValidationError("Paste the text of the source or upload a file.")
        except ValidationError as exc:
            self.add_error("upload" if upload else "text", exc)
        return cleaned
