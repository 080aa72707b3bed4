"""The default lifecycle funnel from shared/PRODUCT.md, and the first-order rule."""

from __future__ import annotations

from typing import Any

from django.db import migrations

FUNNEL = [
    ("subscriber", "Subscriber", "Knows the brand, gave an email (awareness)."),
    ("lead", "Lead", "Interacts: opens, clicks, visits, follows (engagement)."),
    ("qualified", "Qualified", "Compares, asks, tries (consideration)."),
    ("customer", "Customer", "Bought once (purchase)."),
    ("repeat_customer", "Repeat customer", "Buys again (retention)."),
    ("advocate", "Advocate", "Recommends, reviews, refers (loyalty)."),
]
SIDE = [
    ("at_risk", "At risk", "Went quiet."),
    ("churned", "Churned", "Left."),
    ("reactivated", "Reactivated", "Came back."),
]


def create(apps: Any, schema_editor: Any) -> None:
    Stage = apps.get_model("contacts", "LifecycleStage")
    StageRule = apps.get_model("contacts", "StageRule")
    for kind, rows in (("funnel", FUNNEL), ("side", SIDE)):
        for position, (key, name, description) in enumerate(rows, start=1):
            Stage.objects.get_or_create(
                key=key, defaults={"name": name, "description": description, "kind": kind, "position": position}
            )
    StageRule.objects.get_or_create(
        name="First order makes a customer",
        defaults={
            "trigger": "event",
            "event_name": "order_completed",
            "condition": {"type": "rfm", "metric": "frequency", "op": "eq", "value": 1},
            "to_stage": Stage.objects.get(key="customer"),
            "only_forward": True,
            "position": 1,
        },
    )
    StageRule.objects.get_or_create(
        name="Second order makes a repeat customer",
        defaults={
            "trigger": "event",
            "event_name": "order_completed",
            "condition": {"type": "rfm", "metric": "frequency", "op": "gte", "value": 2},
            "to_stage": Stage.objects.get(key="repeat_customer"),
            "only_forward": True,
            "position": 2,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
