"""Drop indexes that every event (and contact) insert paid for and no query used.

- ``contacts_event.contact_id`` had an index of its own beside ``event_contact_name_time_idx``,
  which starts with the contact and serves every lookup by contact (and the cascade delete);
- ``unique=True`` on ``idempotency_key`` also built a ``varchar_pattern_ops`` index for
  ``LIKE`` on PostgreSQL; a ``UniqueConstraint`` keeps the uniqueness without it;
- ``contacts_contact.stage_id`` was indexed twice (the foreign key's own index and
  ``contact_stage_idx``).

bench/ingest.py: an insert of 1,000 events went from ~24 ms to ~19 ms with two fewer indexes.

Only the model state changes everywhere. The database changes run on PostgreSQL alone, as
plain ``DROP INDEX``/constraint statements: Django's own ``AlterField`` would also drop and
re-create (and so re-validate, under lock) the foreign keys of the two largest tables.
SQLite, the embedded default, keeps its extra indexes; they cost nothing there.
"""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.db import migrations, models


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    Contact = apps.get_model("contacts", "Contact")
    Event = apps.get_model("contacts", "Event")
    execute = schema_editor.execute
    execute('ALTER TABLE "contacts_event" ADD CONSTRAINT "event_idempotency_key_unique" UNIQUE ("idempotency_key")')
    for name in schema_editor._constraint_names(Event, ["idempotency_key"], unique=True):
        if name != "event_idempotency_key_unique":
            execute(f'ALTER TABLE "contacts_event" DROP CONSTRAINT "{name}"')
    for model, column, keep in (
        (Event, "idempotency_key", ()),
        (Event, "contact_id", ()),
        (Contact, "stage_id", ("contact_stage_idx",)),
    ):
        for name in schema_editor._constraint_names(model, [column], index=True, unique=False, primary_key=False):
            if name not in keep and name != "event_idempotency_key_unique":
                execute(f'DROP INDEX IF EXISTS "{name}"')


def restore(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute('CREATE INDEX IF NOT EXISTS "contacts_contact_stage_id_f675174e" ON "contacts_contact" ("stage_id")')
    execute('CREATE INDEX IF NOT EXISTS "contacts_event_contact_id_6a5dd8b9" ON "contacts_event" ("contact_id")')
    execute(
        'CREATE INDEX IF NOT EXISTS "contacts_event_idempotency_key_8762515f_like" '
        'ON "contacts_event" ("idempotency_key" varchar_pattern_ops)'
    )
    execute(
        'ALTER TABLE "contacts_event" ADD CONSTRAINT "contacts_event_idempotency_key_key" UNIQUE ("idempotency_key")'
    )
    execute('ALTER TABLE "contacts_event" DROP CONSTRAINT "event_idempotency_key_unique"')


class Migration(migrations.Migration):
    dependencies = [("contacts", "0003_postgres_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="contact",
                    name="stage",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="contacts",
                        to="contacts.lifecyclestage",
                        verbose_name="lifecycle stage",
                    ),
                ),
                migrations.AlterField(
                    model_name="event",
                    name="contact",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="contacts.contact",
                        verbose_name="contact",
                    ),
                ),
                migrations.AlterField(
                    model_name="event",
                    name="idempotency_key",
                    field=models.CharField(blank=True, max_length=255, null=True, verbose_name="idempotency key"),
                ),
                migrations.AddConstraint(
                    model_name="event",
                    constraint=models.UniqueConstraint(
                        fields=("idempotency_key",), name="event_idempotency_key_unique"
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop, restore)],
        )
    ]
