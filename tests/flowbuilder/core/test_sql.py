"""flowbuilder/core/sql.py: batch lookups by id, and the cursor that binds on the server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from contacts.models import AudienceMember
from contacts.services.audiences import audience_members_add, audience_save
from contacts.services.contacts import contact_upsert
from flowbuilder.core.sql import bound_cursor, rows_for_ids, rows_insert
from journeys.models import Journey
from journeys.services import journey_create

pytestmark = pytest.mark.django_db


def test_rows_for_ids_returns_the_columns_of_every_row_whose_field_is_one_of_the_ids():
    ads = audience_save(name="Ads", provider="list", config={}, secrets={})
    other = audience_save(name="Other", provider="list", config={}, secrets={})
    kim, _ = contact_upsert(email="kim@example.com", data={})
    lee, _ = contact_upsert(email="lee@example.com", data={})
    audience_members_add(audience=ads, contact_ids=[kim.pk, lee.pk])
    audience_members_add(audience=other, contact_ids=[kim.pk])

    rows = rows_for_ids(AudienceMember, "contact", [kim.pk, lee.pk, 999_999], ("contact", "wanted"), audience=ads)
    assert sorted(rows) == [(kim.pk, "in"), (lee.pk, "in")]
    assert sorted(rows_for_ids(AudienceMember, "contact", [kim.pk], ("audience",))) == [(ads.pk,), (other.pk,)]
    assert rows_for_ids(AudienceMember, "contact", [], ("audience",)) == []


def test_rows_for_ids_refuses_a_name_that_is_not_a_column():
    with pytest.raises(TypeError, match="not a column"):
        rows_for_ids(Journey, "id", [1], ("versions",))


def test_rows_insert_leaves_out_what_a_unique_constraint_refuses_and_counts_what_went_in():
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    ads = audience_save(name="Ads", provider="list", config={}, secrets={})
    kim, _ = contact_upsert(email="kim@example.com", data={})
    lee, _ = contact_upsert(email="lee@example.com", data={})
    columns = ("audience", "contact", "email_hash", "state", "wanted", "attempts", "last_error", "updated_at")

    def member(contact):
        return (ads.pk, contact.pk, f"hash-{contact.pk}", "pending_add", "in", 0, "", now)

    assert rows_insert(AudienceMember, columns, [member(kim)]) == 1
    assert rows_insert(AudienceMember, columns, [member(kim), member(lee)]) == 1  # Kim is in already
    assert rows_insert(AudienceMember, columns, []) == 0
    stored = AudienceMember.objects.order_by("contact_id").values_list("contact_id", "email_hash", "updated_at")
    assert list(stored) == [(kim.pk, f"hash-{kim.pk}", now), (lee.pk, f"hash-{lee.pk}", now)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the server-binding cursor is PostgreSQL's")
def test_the_bound_cursor_works_in_the_same_transaction_as_the_orm():
    journey = journey_create(name="Seen by both", graph={"nodes": [], "edges": []}, settings={})
    with bound_cursor() as cursor:
        cursor.execute("SELECT name FROM journeys_journey WHERE id = ANY(%b::int8[])", [[journey.pk, 0]])
        assert cursor.fetchall() == [("Seen by both",)]


def test_the_any_lookup_matches_one_of_a_list_on_fields_and_foreign_keys_and_nothing_for_none():
    from django.db.models import Q

    from contacts.models import Contact, Event
    from contacts.services.events import events_record

    kim, _ = contact_upsert(email="kim@example.com", data={})
    lee, _ = contact_upsert(email="lee@example.com", data={})
    events_record(items=[{"name": "signed_up", "email": "kim@example.com", "idempotency_key": "k-1"}])
    assert set(Contact.objects.filter(email__any=["kim@example.com", "nobody@example.com"])) == {kim}
    assert set(Contact.objects.filter(pk__any=[kim.pk, lee.pk])) == {kim, lee}
    assert Contact.objects.filter(email__any=[]).count() == 0
    assert Contact.objects.filter(Q(pk__any=[]) | Q(email__any=["lee@example.com"])).get() == lee
    assert Event.objects.filter(contact_id__any=[kim.pk]).get().idempotency_key == "k-1"
    assert Event.objects.filter(idempotency_key__any=["k-1", "k-2"]).count() == 1
    sql = str(Contact.objects.filter(email__any=["a@example.com", "b@example.com"]).query)
    assert ("= ANY(" in sql) if connection.vendor == "postgresql" else (" IN (" in sql)
