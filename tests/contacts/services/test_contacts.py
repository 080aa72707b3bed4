from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from contacts import signals
from contacts.models import Contact, Event, StageChange
from contacts.services.contacts import consent_set, contact_erase, contact_update, contact_upsert, normalise_locale
from contacts.services.events import event_record


def test_upsert_creates_then_updates_the_same_contact_by_email_in_any_case(db, now):
    contact, created = contact_upsert(email="Kim@Example.com", data={"first_name": "Kim"}, now=now)
    again, created_again = contact_upsert(email="KIM@example.COM", data={"last_name": "Lee"}, now=now)
    assert (created, created_again) == (True, False)
    assert again.pk == contact.pk
    assert (again.email, again.first_name, again.last_name) == ("kim@example.com", "Kim", "Lee")


def test_upsert_by_external_id_fills_in_a_missing_email(db, now):
    contact, _ = contact_upsert(external_id="u-1", now=now)
    same, created = contact_upsert(email="kim@example.com", external_id="u-1", now=now)
    assert (same.pk, created, same.email) == (contact.pk, False, "kim@example.com")


def test_attributes_merge_and_null_removes_a_key(db, now):
    contact, _ = contact_upsert(email="kim@example.com", data={"attributes": {"plan": "free", "seats": 3}}, now=now)
    contact_update(contact=contact, data={"attributes": {"plan": "pro", "seats": None, "region": "EU"}}, now=now)
    contact.refresh_from_db()
    assert contact.attributes == {"plan": "pro", "region": "EU"}


def test_tags_can_be_replaced_added_and_removed(db, now):
    contact, _ = contact_upsert(email="kim@example.com", data={"tags": ["vip", "beta"]}, now=now)
    contact_update(contact=contact, data={"add_tags": ["newsletter"], "remove_tags": ["beta"]}, now=now)
    assert set(contact.tags.values_list("name", flat=True)) == {"vip", "newsletter"}
    contact_update(contact=contact, data={"tags": []}, now=now)
    assert not contact.tags.exists()


def test_a_stage_change_is_recorded_with_its_cause_and_announced(db, now):
    heard = []
    signals.stage_changed.connect(receiver := lambda sender, changes, **kw: heard.extend(changes))
    try:
        contact, _ = contact_upsert(email="kim@example.com", data={"stage": "lead"}, now=now)
        contact_update(contact=contact, data={"stage": "qualified"}, cause="import", source="import #3", now=now)
        contact_update(contact=contact, data={"stage": "qualified"}, now=now)  # no change, not recorded
    finally:
        signals.stage_changed.disconnect(receiver)
    rows = list(
        StageChange.objects.order_by("id").values_list(
            "from_stage__key", "to_stage__key", "cause", "detail", "changed_at"
        )
    )
    assert rows == [(None, "lead", "api", "api", now), ("lead", "qualified", "import", "import #3", now)]
    assert len(heard) == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"timezone": "Mars/Base"}, "timezone", "is not a time zone"),
        ({"locale": "xx"}, "locale", "not a language Flowbuilder supports"),
        ({"stage": "vip"}, "stage", "There is no lifecycle stage 'vip'"),
        ({"email_consent": "maybe"}, "email_consent", "Use one of"),
        ({"attributes": ["a"]}, "attributes", "Expected an object"),
        ({"tags": ["", "x"]}, "tags", "tag names"),
        ({"first_name": 5}, "first_name", "Expected a text"),
    ],
)
def test_bad_fields_are_refused_by_name_and_nothing_is_stored(db, now, data, field, message):
    with pytest.raises(ValidationError) as caught:
        contact_upsert(email="kim@example.com", data=data, now=now)
    assert field in caught.value.message_dict
    assert message in caught.value.message_dict[field][0]
    assert not Contact.objects.exists()


def test_an_invalid_email_or_no_identity_is_refused(db, now):
    with pytest.raises(ValidationError, match="not a valid email"):
        contact_upsert(email="kim@", now=now)
    with pytest.raises(ValidationError, match="email address or an external id"):
        contact_upsert(now=now)


def test_locales_keep_the_region_and_normalise_case(db):
    assert normalise_locale("de_at") == "de-AT"
    assert normalise_locale("SV") == "sv"


def test_changing_an_email_to_one_in_use_is_refused(db, now):
    contact_upsert(email="kim@example.com", now=now)
    other, _ = contact_upsert(email="lee@example.com", now=now)
    with pytest.raises(ValidationError, match="Another contact already has this value"):
        contact_update(contact=other, data={"email": "KIM@example.com"}, now=now)
    other.refresh_from_db()
    assert other.email == "lee@example.com"


def test_consent_changes_record_when_and_where(db, now):
    contact, _ = contact_upsert(email="kim@example.com", now=now)
    assert consent_set(contact=contact, consent="unsubscribed", source="unsubscribe link", now=now)
    assert not consent_set(contact=contact, consent="unsubscribed", source="again", now=now)
    contact.refresh_from_db()
    assert (contact.email_consent, contact.consent_source, contact.consent_changed_at) == (
        "unsubscribed",
        "unsubscribe link",
        now,
    )
    assert not contact.can_receive_marketing


def test_erasing_a_contact_deletes_their_data_and_events(db, now):
    contact, _ = contact_upsert(email="kim@example.com", data={"tags": ["vip"], "stage": "lead"}, now=now)
    event_record(name="signed_up", contact=contact, now=now)
    contact_erase(contact=contact)
    assert not Contact.objects.exists()
    assert not Event.objects.exists()
    assert not StageChange.objects.exists()
