"""A small world of contacts and events, built through the real services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contacts.models import Contact
from contacts.services.contacts import contact_update, contact_upsert
from contacts.services.events import events_record

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def world(db):
    """Five contacts with attributes, tags, stages and a history of events (times relative to NOW)."""
    people = {
        "ann": {
            "email": "ann@example.com",
            "data": {
                "first_name": "Ann",
                "attributes": {"plan": "pro", "seats": 12, "company": {"size": 250}, "trial_ends_at": "2026-11-30"},
                "tags": ["vip"],
            },
            "stage": "customer",
        },
        "bob": {
            "email": "bob@example.com",
            "data": {"first_name": "Bob", "attributes": {"plan": "free", "seats": 1}},
            "stage": "lead",
        },
        "cem": {"email": "cem@sample.org", "data": {"attributes": {"plan": "Pro"}, "email_consent": "unsubscribed"}},
        "dee": {"email": "dee@example.com", "data": {"attributes": {}}, "stage": "at_risk"},
        "eve": {"external_id": "u-5", "data": {"attributes": {"signed_up_at": "2026-11-20T08:00:00+00:00"}}},
    }
    contacts = {}
    for key, spec in people.items():
        contact, _ = contact_upsert(
            email=spec.get("email"),
            external_id=spec.get("external_id"),
            data=spec["data"],
            now=NOW - timedelta(days=400),
        )
        contacts[key] = contact
    history = [
        ("ann", "order_completed", {"revenue": 120}, 200),
        ("ann", "order_completed", {"revenue": 80}, 30),
        ("ann", "order_completed", {"revenue": 45.5}, 3),
        ("bob", "order_completed", {"revenue": 20}, 100),
        ("bob", "page_viewed", {"path": "/pricing"}, 2),
        ("bob", "form_submitted", {"budget": 3000, "form": "Contact us"}, 1),
        ("cem", "form_submitted", {"budget": 9000, "form": "contact"}, 5),
        ("dee", "order_completed", {"revenue": 300}, 90),
    ]
    events_record(
        items=[
            {
                "contact_id": contacts[who].pk,
                "name": name,
                "properties": props,
                "occurred_at": (NOW - timedelta(days=days)).isoformat(),
            }
            for who, name, props, days in history
        ],
        now=NOW,
    )
    # Stages last, so the default stage rules (first order → customer…) do not move them.
    for key, spec in people.items():
        if "stage" in spec:
            contact_update(contact=contacts[key], data={"stage": spec["stage"]}, now=NOW)
    for contact in contacts.values():
        contact.refresh_from_db()
    return contacts


@pytest.fixture
def matching(world):
    """``matching(rule)`` → short names (email local part or external id) of contacts matching it at NOW."""
    from contacts.rules import compile_rule, validate
    from contacts.services.segments import rule_context

    def run(rule) -> set[str]:
        validate(rule)
        q = compile_rule(rule, rule_context(now=NOW))
        return {str(c.email or c.external_id).split("@")[0] for c in Contact.objects.filter(q)}

    return run
