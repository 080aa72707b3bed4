"""The list provider keeps the audience in Flowbuilder: syncing it calls nobody and always succeeds."""

from __future__ import annotations

import socket

import pytest

from contacts.models import AudienceMember
from contacts.providers import PROVIDERS, provider_class
from contacts.providers.base import Member, email_hash
from contacts.providers.list import ListProvider
from contacts.services.audiences import audience_members_add, audience_members_remove, audience_save, audience_sync

KIM = Member(email="kim@example.com", email_hash=email_hash("kim@example.com"), external_id=None)


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a socket fails the test: the list provider must not call out."""

    def refuse(*args, **kwargs):
        raise AssertionError("the list provider opened a network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_it_is_registered_under_its_key():
    assert PROVIDERS["list"] == "contacts.providers.list.ListProvider"
    assert provider_class("list") is ListProvider
    assert ListProvider.key == "list"


def test_it_needs_no_settings():
    assert ListProvider.fields == ()
    assert ListProvider({}, {}).config == {}


def test_adding_and_removing_accept_any_batch_and_call_nobody(no_network):
    provider = ListProvider({}, {})
    erased = Member(email=None, email_hash=KIM.email_hash, external_id=None)
    assert provider.add([KIM] * ListProvider.batch_size) is None
    assert provider.remove([KIM, erased]) is None
    assert provider.add([]) is None


def test_a_list_audience_syncs_every_member_in_one_pass(world, now, no_network, monkeypatch):
    monkeypatch.setattr(ListProvider, "batch_size", 2)
    audience = audience_save(name="Newsletter fans", provider="list")
    everyone = [c.pk for c in world.values()]
    assert audience_members_add(audience=audience, contact_ids=everyone, now=now) == 5
    report = audience_sync(audience=audience, now=now)
    assert (report.added, report.failed, report.retrying) == (5, 0, 0)
    assert set(AudienceMember.objects.filter(audience=audience).values_list("state", flat=True)) == {"added"}

    audience_members_remove(audience=audience, contact_ids=[world["ann"].pk], now=now)
    assert audience_sync(audience=audience, now=now).removed == 1
    assert AudienceMember.objects.get(audience=audience, contact=world["ann"]).state == "removed"


def test_settings_for_another_provider_are_refused(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        audience_save(name="Fans", provider="list", config={"url": "https://example.com"})
    assert set(caught.value.message_dict) == {"config.url"}
