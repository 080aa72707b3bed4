from __future__ import annotations

from journeys.nodes.webhook import Webhook


def test_a_webhook_has_next_and_failed(check):
    config, errors = check(
        "webhook", {"url": "https://crm.example.com/leads", "body": '{"email": "{{ contact.email }}"}'}
    )
    assert errors == {}
    assert config["method"] == "POST"
    assert [o.key for o in Webhook.outputs] == ["next", "failed"]


def test_only_http_addresses_and_clean_headers(check):
    assert "url" in check("webhook", {"url": "file:///etc/passwd"})[1]
    assert "headers" in check("webhook", {"url": "https://x.example", "headers": {"X-Ok": "a\r\nInjected: b"}})[1]
    assert "method" in check("webhook", {"url": "https://x.example", "method": "TRACE"})[1]
