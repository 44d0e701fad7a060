"""Full-text search indexes: SQLite FTS5 tables kept by triggers, or PostgreSQL tsvector
columns kept by triggers with GIN and trigram indexes (claims/search_schema.py)."""

from django.db import migrations


def forward(apps, schema_editor):
    from claims import search_schema

    search_schema.forward(schema_editor.connection)


def backward(apps, schema_editor):
    from claims import search_schema

    search_schema.backward(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0008_unique_natural_keys"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
