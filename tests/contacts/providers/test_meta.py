"""The Meta provider adds and removes hashed emails on a custom audience through the Marketing API."""

from __future__ import annotations

import hashlib
import json

import pytest

from contacts.providers.base import Member, ProviderError, email_hash
from contacts.providers.meta import MetaProvider

TOKEN = "EAAB-secret-token"
KIM = Member(email="kim@example.com", email_hash=email_hash("kim@example.com"), external_id="u-1")
LEE = Member(email="lee@example.com", email_hash=email_hash("lee@example.com"), external_id=None)
NO_EMAIL = Member(email=None, email_hash="", external_id="u-9")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def payload(request) -> dict:
    return json.loads(request.form()["payload"])


@pytest.fixture
def meta(http_server):
    return MetaProvider({"audience_id": "23851234567890", "base_url": http_server.url}, {"access_token": TOKEN})


def test_an_addition_posts_hashed_emails_with_the_token_as_form_fields(meta, http_server):
    meta.add([KIM, LEE])
    [request] = http_server.requests
    assert (request.method, request.path) == ("POST", "/v21.0/23851234567890/users")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.form()["access_token"] == TOKEN
    assert payload(request) == {"schema": "EMAIL", "data": [sha256("kim@example.com"), sha256("lee@example.com")]}


def test_a_removal_sends_the_same_body_with_delete(meta, http_server):
    meta.remove([KIM])
    [request] = http_server.requests
    assert (request.method, request.path) == ("DELETE", "/v21.0/23851234567890/users")
    assert request.form()["access_token"] == TOKEN
    assert payload(request) == {"schema": "EMAIL", "data": [sha256("kim@example.com")]}


def test_no_plain_email_ever_leaves(meta, http_server):
    meta.add([KIM, LEE])
    meta.remove([KIM])
    for request in http_server.requests:
        assert b"example.com" not in request.body
        assert "example.com" not in request.path


def test_emails_are_hashed_after_trimming_and_lower_casing(meta, http_server):
    messy = " Kim@Example.COM "
    meta.add([Member(email=messy, email_hash=email_hash(messy), external_id=None)])
    meta.add([Member(email=messy, email_hash="", external_id=None)])
    assert [payload(r)["data"] for r in http_server.requests] == [[sha256("kim@example.com")]] * 2


def test_contacts_without_an_email_are_skipped(meta, http_server):
    meta.add([KIM, NO_EMAIL])
    assert payload(http_server.requests[0])["data"] == [sha256("kim@example.com")]


def test_a_batch_without_any_email_sends_nothing(meta, http_server):
    meta.add([NO_EMAIL])
    meta.remove([NO_EMAIL])
    assert http_server.requests == []


def test_at_most_ten_thousand_hashes_go_in_one_call():
    assert MetaProvider.batch_size == 10_000


def test_calls_never_exceed_the_batch_size(meta, http_server, monkeypatch):
    monkeypatch.setattr(MetaProvider, "batch_size", 3)
    people = [
        Member(email=f"p{n}@example.com", email_hash=email_hash(f"p{n}@example.com"), external_id=None)
        for n in range(7)
    ]
    meta.remove(people)
    assert [len(payload(r)["data"]) for r in http_server.requests] == [3, 3, 1]
    assert {r.method for r in http_server.requests} == {"DELETE"}
    assert [h for r in http_server.requests for h in payload(r)["data"]] == [
        sha256(f"p{n}@example.com") for n in range(7)
    ]


def test_the_api_version_and_address_can_be_set(http_server):
    provider = MetaProvider(
        {"audience_id": " 42 ", "api_version": "v19.0", "base_url": f"{http_server.url}/graph/"},
        {"access_token": TOKEN},
    )
    provider.add([KIM])
    assert http_server.requests[0].path == "/graph/v19.0/42/users"


def test_the_real_graph_api_is_the_default_address():
    assert MetaProvider.setting("base_url").default == "https://graph.facebook.com"
    assert MetaProvider.setting("access_token").secret


def test_an_audience_id_that_is_not_a_number_fails_permanently_without_a_call(http_server):
    provider = MetaProvider({"audience_id": "win-back", "base_url": http_server.url}, {"access_token": TOKEN})
    with pytest.raises(ProviderError) as caught:
        provider.add([KIM])
    assert caught.value.permanent
    assert http_server.requests == []


def test_a_refused_token_is_permanent_and_the_token_stays_out_of_the_error(meta, http_server):
    http_server.reply(
        400, body={"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}}
    )
    with pytest.raises(ProviderError) as caught:
        meta.add([KIM])
    assert caught.value.permanent
    assert "Invalid OAuth access token." in caught.value.message
    assert TOKEN not in caught.value.message


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_and_server_errors_are_worth_retrying(meta, http_server, status):
    http_server.reply(status)
    with pytest.raises(ProviderError) as caught:
        meta.remove([KIM])
    assert not caught.value.permanent
    assert f"HTTP {status}" in caught.value.message
