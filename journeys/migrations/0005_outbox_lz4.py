"""Email bodies in the outbox are compressed with LZ4 instead of pglz on PostgreSQL.

A batch of the executor writes a few hundred rendered emails (about 7.5 KB each); PostgreSQL
compresses every body over 2 KB as it stores it, and pglz is several times slower than LZ4 at
that: 100,000 contacts through a send step drained in 18.7 s instead of 20.2 s
(bench/executor.py). Only rows written afterwards are affected; a server built without LZ4
support keeps pglz.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

COLUMNS = ("html_body", "text_body")


def _compression(schema_editor: Any, method: str) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'", [method])
        row = cursor.fetchone()
        if not row or not row[0]:
            return
        alters = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION {method}" for column in COLUMNS)
        cursor.execute(f"ALTER TABLE journeys_outboundmessage {alters}")


def lz4(apps: Any, schema_editor: Any) -> None:
    _compression(schema_editor, "lz4")


def pglz(apps: Any, schema_editor: Any) -> None:
    _compression(schema_editor, "pglz")


class Migration(migrations.Migration):
    dependencies = [("journeys", "0004_step_tally")]

    operations = [migrations.RunPython(lz4, pglz)]
