"""Fixtures for the service tests; the local HTTP server is the one the provider tests use."""

from __future__ import annotations

from tests.contacts.providers.conftest import closed_port_url, http_server, short_timeouts

__all__ = ["closed_port_url", "http_server", "short_timeouts"]
