"""Demo data for ``make run``: a few hundred contacts across the lifecycle, with a realistic history.

Everything goes through the real services (so stage rules fire, totals are derived and segment
membership is computed exactly as in production). Deterministic: the same data every time.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from contacts.models import Contact, LifecycleStage, Segment, StageRule
from contacts.services.audiences import audience_members_add, audience_save
from contacts.services.contacts import contact_update, contact_upsert
from contacts.services.events import events_record
from contacts.services.refresh import dirty_contacts_drain
from contacts.services.segments import segment_save

FIRST = [
    "Anna",
    "Lukas",
    "Sofie",
    "Daan",
    "Elin",
    "Oskar",
    "Emma",
    "Noah",
    "Mila",
    "Finn",
    "Lena",
    "Jonas",
    "Saga",
    "Liam",
    "Julia",
    "Hugo",
    "Maja",
    "Sem",
    "Clara",
    "Erik",
    "Olivia",
    "Felix",
    "Ida",
    "Max",
    "Nora",
    "Leon",
    "Freya",
    "Milan",
    "Alice",
    "Ben",
]
LAST = [
    "Müller",
    "de Vries",
    "Andersson",
    "Smith",
    "Schmidt",
    "Jansen",
    "Johansson",
    "Brown",
    "Fischer",
    "Bakker",
    "Karlsson",
    "Taylor",
    "Weber",
    "Visser",
    "Nilsson",
    "Wilson",
    "Becker",
    "Smit",
    "Eriksson",
    "Clarke",
]
PLACES = [
    ("de", "Europe/Berlin", "Berlin"),
    ("de-AT", "Europe/Vienna", "Wien"),
    ("nl", "Europe/Amsterdam", "Utrecht"),
    ("sv", "Europe/Stockholm", "Göteborg"),
    ("en", "Europe/London", "Leeds"),
    ("en", "America/New_York", "Boston"),
]
PAGES = ["/", "/pricing", "/features", "/blog/lifecycle-marketing", "/blog/win-back-emails", "/customers", "/demo"]
# (stage key, share of contacts)
MIX = [
    ("subscriber", 0.22),
    ("lead", 0.22),
    ("qualified", 0.12),
    ("customer", 0.16),
    ("repeat_customer", 0.1),
    ("advocate", 0.04),
    ("at_risk", 0.06),
    ("churned", 0.05),
    ("reactivated", 0.03),
]

SEGMENTS: list[dict[str, Any]] = [
    {
        "name": "Engaged leads",
        "description": "Leads and qualified prospects who viewed at least 3 pages in the last 30 days.",
        "rule": {
            "all": [
                {"type": "stage", "op": "in", "value": ["lead", "qualified"]},
                {"type": "event", "name": "page_viewed", "count": {"op": "gte", "value": 3}, "within_days": 30},
            ]
        },
    },
    {
        "name": "At risk customers",
        "description": "Ordered before, but not in the last 60 days.",
        "rule": {
            "all": [
                {"type": "event", "name": "order_completed"},
                {"not": {"type": "event", "name": "order_completed", "within_days": 60}},
            ]
        },
    },
    {
        "name": "Big budget leads",
        "description": "Sent a form with a budget of 5,000 or more.",
        "rule": {
            "type": "event",
            "name": "form_submitted",
            "where": [{"property": "budget", "op": "gte", "value": 5000}],
        },
    },
    {
        "name": "VIP customers",
        "description": "Spent 500 or more in total.",
        "rule": {"type": "rfm", "metric": "monetary", "op": "gte", "value": 500},
    },
    {
        "name": "New this week",
        "description": "Contacts created in the last 7 days.",
        "rule": {"type": "attribute", "field": "created_at", "op": "within_last", "value": 7},
    },
]


def _stage_for(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for key, share in MIX:
        total += share
        if roll < total:
            return key
    return "subscriber"


def _history(
    rng: random.Random, stage: str, joined: datetime, now: datetime
) -> list[tuple[str, dict[str, Any], datetime]]:
    """Events that make sense for someone who ended up in ``stage``."""
    events: list[tuple[str, dict[str, Any], datetime]] = [
        ("signed_up", {"source": rng.choice(["ad", "blog", "referral", "webinar"])}, joined)
    ]
    span = max(1, (now - joined).days)

    def at(low: float, high: float) -> datetime:
        return joined + timedelta(days=span * rng.uniform(low, high), minutes=rng.randint(0, 1440))

    if stage != "subscriber":
        for _ in range(rng.randint(2, 9)):
            events.append(("page_viewed", {"path": rng.choice(PAGES)}, at(0.05, 1.0)))
    if stage in ("qualified", "customer", "repeat_customer", "advocate", "at_risk", "churned", "reactivated"):
        budget = rng.choice([800, 1500, 2500, 4000, 6000, 9000, 15000])
        events.append(("form_submitted", {"form": "contact", "budget": budget}, at(0.1, 0.4)))
    orders = {
        "customer": 1,
        "repeat_customer": rng.randint(2, 5),
        "advocate": rng.randint(2, 6),
        "at_risk": rng.randint(1, 3),
        "churned": rng.randint(1, 2),
        "reactivated": rng.randint(2, 3),
    }.get(stage, 0)
    for index in range(orders):
        if stage in ("at_risk", "churned"):
            when = now - timedelta(days=rng.randint(65, 300) + 30 * index)
        elif stage == "reactivated" and index == orders - 1:
            when = now - timedelta(days=rng.randint(1, 20))
        else:
            when = at(0.4, 1.0)
        when = max(joined + timedelta(hours=1), min(when, now - timedelta(hours=1)))
        events.append(
            ("order_completed", {"revenue": round(rng.uniform(19, 320), 2), "items": rng.randint(1, 4)}, when)
        )
    if stage == "advocate":
        events.append(("review_submitted", {"stars": 5}, at(0.8, 1.0)))
    return events


@transaction.atomic
def demo_load(*, now: datetime, contacts: int = 300, seed: int = 42) -> dict[str, int]:
    """Create demo contacts, events, segments and an audience unless contacts exist already."""
    if Contact.objects.exists():
        return {}
    rng = random.Random(seed)  # noqa: S311 - demo data, reproducible on purpose
    stages = {s.key: s for s in LifecycleStage.objects.all()}
    batch: list[dict[str, Any]] = []
    wanted_stage: dict[str, str] = {}
    for number in range(contacts):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        locale, zone, city = rng.choice(PLACES)
        email = (
            f"{first}.{last}.{number}".lower().replace(" ", "").replace("ü", "ue").replace("ö", "oe") + "@example.com"
        )
        joined = now - timedelta(days=rng.randint(0, 420), hours=rng.randint(0, 23))
        stage = _stage_for(rng)
        contact_upsert(
            email=email,
            data={
                "first_name": first,
                "last_name": last,
                "locale": locale,
                "timezone": zone,
                "attributes": {
                    "plan": rng.choice(["free", "free", "pro", "business"]),
                    "city": city,
                    "company": {"size": rng.choice([1, 5, 20, 80, 250, 1200])},
                },
                "tags": rng.sample(["newsletter", "webinar", "beta", "partner"], k=rng.randint(0, 2)),
            },
            now=joined,
        )
        Contact.objects.filter(email=email).update(created_at=joined)
        wanted_stage[email] = stage
        for name, properties, when in _history(rng, stage, joined, now):
            batch.append({"email": email, "name": name, "properties": properties, "occurred_at": when.isoformat()})
    for start in range(0, len(batch), 1000):
        events_record(items=batch[start : start + 1000], source="demo", now=now)
    for email, key in wanted_stage.items():
        contact = Contact.objects.get(email=email)
        if contact.stage_id != stages[key].pk:
            contact_update(contact=contact, data={"stage": key}, cause="import", source="demo data", now=now)
    segments = {
        spec["name"]: segment_save(name=spec["name"], description=spec["description"], rule=spec["rule"], now=now)
        for spec in SEGMENTS
    }
    StageRule.objects.get_or_create(
        name="Gone quiet makes at risk",
        defaults={
            "trigger": StageRule.Trigger.SEGMENT_ENTERED,
            "segment": segments["At risk customers"],
            "to_stage": stages["at_risk"],
            "only_forward": False,
            "position": 10,
            "is_active": False,
        },
    )
    audience = audience_save(name="Win-back retargeting", provider="list", config={}, secrets={})
    at_risk = list(Segment.objects.get(name="At risk customers").memberships.values_list("contact_id", flat=True))
    audience_members_add(audience=audience, contact_ids=at_risk, now=now)
    dirty_contacts_drain(now=now)
    return {"contacts": contacts, "events": len(batch), "segments": len(segments)}
