"""The executor at scale (bench/executor.py, docs/executor.md "Speed"):

- ``StepTally``: the step log counted as it is written, filled here from the log so far;
- foreign keys to rows every writer shares (journey, version, template) lose their database
  constraint (Django still cascades, protects and sets to NULL), the step log has none at all,
  and foreign keys another index leads lose their own index;
- the (version, node) index of enrollments holds active ones only; the step log's
  (journey, node, outcome) index goes (the tally answers that);
- outbox bodies are compressed with LZ4 instead of pglz on PostgreSQL, when the server has it
  (only rows written afterwards).
"""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count


def tally_the_log(apps: Any, schema_editor: Any) -> None:
    """Count the steps logged before the tally existed (shard 0)."""
    Step = apps.get_model("journeys", "Step")
    StepTally = apps.get_model("journeys", "StepTally")
    rows = (
        Step.objects.values("journey_id", "node_id", "outcome", "output", "reason")
        .annotate(count=Count("pk"))
        .order_by()
    )
    StepTally.objects.bulk_create([StepTally(shard=0, **row) for row in rows.iterator()], batch_size=1000)


def _compression(schema_editor: Any, method: str) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'", [method])
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute(
                f"ALTER TABLE journeys_outboundmessage ALTER COLUMN html_body SET COMPRESSION {method}, "
                f"ALTER COLUMN text_body SET COMPRESSION {method}"
            )


def lz4(apps: Any, schema_editor: Any) -> None:
    _compression(schema_editor, "lz4")


def pglz(apps: Any, schema_editor: Any) -> None:
    _compression(schema_editor, "pglz")


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0005_fewer_constraints_and_indexes_on_hot_tables"),
        ("journeys", "0003_executor"),
    ]

    operations = [
        migrations.CreateModel(
            name="StepTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("node_id", models.CharField(max_length=100, verbose_name="step")),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("passed", "Passed"),
                            ("skipped", "Skipped"),
                            ("exited", "Left the journey"),
                            ("failed", "Failed"),
                            ("converted", "Reached the goal"),
                        ],
                        max_length=10,
                        verbose_name="outcome",
                    ),
                ),
                ("output", models.CharField(blank=True, max_length=30, verbose_name="output")),
                ("reason", models.CharField(blank=True, max_length=300, verbose_name="reason")),
                ("shard", models.PositiveSmallIntegerField(default=0)),
                ("count", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "step count",
                "verbose_name_plural": "step counts",
            },
        ),
        migrations.RemoveIndex(
            model_name="enrollment",
            name="enrollment_node_idx",
        ),
        migrations.RemoveIndex(
            model_name="step",
            name="step_node_idx",
        ),
        migrations.AlterField(
            model_name="enrollment",
            name="contact",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="enrollments",
                to="contacts.contact",
                verbose_name="contact",
            ),
        ),
        migrations.AlterField(
            model_name="enrollment",
            name="journey",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="enrollments",
                to="journeys.journey",
                verbose_name="journey",
            ),
        ),
        migrations.AlterField(
            model_name="enrollment",
            name="version",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="enrollments",
                to="journeys.journeyversion",
                verbose_name="version",
            ),
        ),
        migrations.AlterField(
            model_name="outboundmessage",
            name="journey",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="messages",
                to="journeys.journey",
            ),
        ),
        migrations.AlterField(
            model_name="outboundmessage",
            name="template",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="messages",
                to="journeys.emailtemplate",
            ),
        ),
        migrations.AlterField(
            model_name="outboundmessage",
            name="version",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="messages",
                to="journeys.journeyversion",
            ),
        ),
        migrations.AlterField(
            model_name="step",
            name="enrollment",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="log",
                to="journeys.enrollment",
            ),
        ),
        migrations.AlterField(
            model_name="step",
            name="journey",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="journeys.journey",
            ),
        ),
        migrations.AlterField(
            model_name="step",
            name="version",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="journeys.journeyversion",
            ),
        ),
        migrations.AddIndex(
            model_name="enrollment",
            index=models.Index(
                condition=models.Q(("state", "active")), fields=["version", "node_id"], name="enrollment_node_idx"
            ),
        ),
        migrations.AddField(
            model_name="steptally",
            name="journey",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="journeys.journey"
            ),
        ),
        migrations.AddConstraint(
            model_name="steptally",
            constraint=models.UniqueConstraint(
                fields=("journey", "node_id", "outcome", "output", "reason", "shard"), name="step_tally_unique"
            ),
        ),
        migrations.RunPython(tally_the_log, migrations.RunPython.noop),
        migrations.RunPython(lz4, pglz),
    ]
