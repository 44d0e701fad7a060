"""claims.forms.widgets.QuickSelect writes what Django's template-rendered Select writes."""

from __future__ import annotations

import pytest
from django import forms
from django.test.html import parse_html

from claims.forms.widgets import QuickSelect

CHOICES = [
    ("", "Anyone <or> nobody"),
    ("none", "Nobody"),
    ("7", 'ed "the editor" & co'),
    ("Group", [("a", "Alpha"), ("b", "Beta")]),
]


@pytest.mark.parametrize("value", ["", "none", "7", "b", "missing", None])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_x", "aria-describedby": "help"}, {"disabled": True, "hidden": False}]
)
def test_the_markup_is_djangos(value, attrs):
    ours = QuickSelect(choices=CHOICES).render("assigned", value, attrs=attrs)
    django = forms.Select(choices=CHOICES).render("assigned", value, attrs=attrs)
    assert parse_html(ours) == parse_html(django)
    assert "<or>" not in ours and "&lt;or&gt;" in ours  # labels are escaped


def test_a_bound_form_marks_the_chosen_option():
    class F(forms.Form):
        kind = forms.ChoiceField(choices=CHOICES[:3], required=False, widget=QuickSelect)

    html = str(F({"kind": "none"})["kind"])
    assert '<option value="none" selected>Nobody</option>' in html
    assert html.startswith('<select name="kind" id="id_kind">')
