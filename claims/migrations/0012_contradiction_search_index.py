"""The contradictions' rationale in the full-text index (claims/search_schema.py): the
review queue's search finds it by index instead of scanning every rationale."""

from django.db import migrations


def forward(apps, schema_editor):
    from claims import search_schema

    search_schema.forward(schema_editor.connection, (search_schema.CONTRADICTIONS,), common=False)


def backward(apps, schema_editor):
    from claims import search_schema

    search_schema.backward(schema_editor.connection, (search_schema.CONTRADICTIONS,), common=False)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0011_review_waiting_indexes"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
