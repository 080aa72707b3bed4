"""PostgreSQL-only indexes: GIN on contact attributes.

Rule leaves compile attribute equality to containment (``@>``) and presence to ``?`` on
PostgreSQL, both served by this index.

Not expressed on the model because SQLite, the embedded default, has no GIN.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS contact_attributes_gin ON contacts_contact USING gin (attributes)"
        )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS contact_attributes_gin")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0002_default_stages")]
    operations = [migrations.RunPython(create, drop)]
