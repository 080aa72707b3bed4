"""Outgoing provider requests: every failure becomes a ProviderError, sorted into retry or give up."""

from __future__ import annotations

import time

import pytest

from contacts.providers.base import ProviderError
from contacts.providers.http import send


def failure(method, url, **kwargs) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        send(method, url, **kwargs)
    return caught.value


def test_a_success_returns_the_response(http_server):
    http_server.reply(200, body={"num_received": 2})
    response = send("POST", f"{http_server.url}/users", data={"a": "1"})
    assert response.json() == {"num_received": 2}
    assert http_server.requests[0].form() == {"a": "1"}


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_every_2xx_counts_as_delivered(http_server, status):
    http_server.reply(status, body=b"")
    assert send("POST", http_server.url).status_code == status


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_client_errors_are_permanent(http_server, status):
    http_server.reply(status, body="nope")
    error = failure("POST", f"{http_server.url}/hook")
    assert error.permanent
    assert error.message == f"POST {http_server.url}/hook: HTTP {status}: nope"


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_timeouts_throttling_and_server_errors_are_transient(http_server, status):
    http_server.reply(status)
    assert not failure("DELETE", http_server.url).permanent


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirects_are_permanent_failures_not_deliveries(http_server, status):
    http_server.reply(status, headers={"Location": "https://example.com/moved"})
    error = failure("POST", http_server.url)
    assert error.permanent
    assert "https://example.com/moved" in error.message
    assert len(http_server.requests) == 1  # not followed


def test_a_long_error_body_is_cut_short(http_server):
    http_server.reply(500, body="x" * 5000)
    assert len(failure("POST", http_server.url).message) < 600


def test_a_slow_server_times_out_and_may_be_retried(http_server, short_timeouts):
    http_server.reply(200, delay=short_timeouts * 10)
    started = time.monotonic()
    error = failure("POST", http_server.url)
    assert time.monotonic() - started < short_timeouts * 5
    assert not error.permanent
    assert "timed out" in error.message


def test_a_refused_connection_may_be_retried(closed_port_url):
    error = failure("POST", f"{closed_port_url}/hook")
    assert not error.permanent
    assert "ConnectError" in error.message


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "http:///no-host", "http://[::1/"])
def test_an_address_that_cannot_be_used_is_permanent(url):
    assert failure("POST", url).permanent
