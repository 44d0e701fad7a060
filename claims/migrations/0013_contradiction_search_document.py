"""The review queue's search document: one per contradiction (its rationale and claim, and
each statement's quote, summary, speaker's name and aliases, and claim), kept by triggers
on the five tables it reads (claims/search_schema.py). It replaces 0012's rationale index."""

from django.db import migrations


def forward(apps, schema_editor):
    from claims import search_schema

    search_schema.doc_forward(schema_editor.connection)


def backward(apps, schema_editor):
    from claims import search_schema

    search_schema.doc_backward(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0012_contradiction_search_index"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
