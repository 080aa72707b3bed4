"""The Journeys panel of the contact profile in real Chromium, as a marketer reads it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from contacts.services.contacts import contact_upsert
from contacts.services.events import event_record
from journeys.demo import demo_load
from journeys.emails.sender import messages_send
from journeys.emails.services.feedback import message_opened
from journeys.entries import journey_enroll
from journeys.executor import executor_drain
from journeys.models import EmailTemplate, OutboundMessage
from journeys.services import journey_create, journey_publish

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _node(node_id, kind, config, label=None):
    node = {"id": node_id, "type": kind, "config": config, "position": {"x": 0, "y": 0}}
    if label:
        node["label"] = label
    return node


def _edge(source, target, handle=None):
    return {"id": f"{source}-{handle}-{target}", "source": source, "sourceHandle": handle, "target": target}


def _publish(name, nodes, edges, settings=None):
    journey = journey_create(name=name, graph={"nodes": nodes, "edges": edges}, settings=settings or {})
    journey_publish(journey=journey, now=NOW)
    return journey


@pytest.fixture
def kim(db):
    """Kim went through a welcome series (opened it, got the tips, ordered), left a cart
    reminder by ordering, and waits in a sales follow-up."""
    demo_load()
    welcome, tips = EmailTemplate.objects.get(name="Welcome"), EmailTemplate.objects.get(name="Getting started")
    _publish(
        "Welcome series",
        [
            _node("t", "trigger", {"kind": "event", "event": "signed_up"}, "Signed up"),
            _node("mail", "send_email", {"template": welcome.pk}, "Welcome email"),
            _node("wait", "wait", {"mode": "duration", "amount": 2, "unit": "days"}, "Wait 2 days"),
            _node("opened", "condition", {"rule": {"type": "event", "name": "email_opened"}}, "Opened the welcome?"),
            _node("tips", "send_email", {"template": tips.pk}, "Tips"),
            _node("end", "exit", {}),
        ],
        [
            _edge("t", "mail"),
            _edge("mail", "wait"),
            _edge("wait", "opened"),
            _edge("opened", "tips", "yes"),
            _edge("opened", "end", "no"),
            _edge("tips", "end"),
        ],
        settings={"goal": {"event": "order_completed", "within_days": 14}},
    )
    _publish(
        "Cart reminder",
        [
            _node("t", "trigger", {"kind": "event", "event": "cart_abandoned"}),
            _node("wait", "wait", {"mode": "duration", "amount": 4, "unit": "hours"}, "Wait 4 hours"),
            _node("mail", "send_email", {"template": welcome.pk}, "Reminder"),
        ],
        [_edge("t", "wait"), _edge("wait", "mail")],
        settings={"exit_rules": [{"kind": "event", "event": "order_completed"}]},
    )
    follow_up = _publish(
        "Sales follow-up",
        [
            _node("t", "trigger", {"kind": "manual"}),
            _node("wait", "wait", {"mode": "duration", "amount": 3, "unit": "days"}, "Give them 3 days"),
            _node("end", "exit", {}),
        ],
        [_edge("t", "wait"), _edge("wait", "end")],
    )
    contact, _created = contact_upsert(email="kim@example.com", data={"first_name": "Kim"}, now=NOW)
    event_record(name="signed_up", contact=contact, now=NOW, occurred_at=NOW)
    executor_drain(now=NOW)
    messages_send(now=NOW)
    message_opened(message=OutboundMessage.objects.get(node_id="mail"), now=NOW + timedelta(hours=2))
    executor_drain(now=NOW + timedelta(days=2))
    later = NOW + timedelta(days=2, hours=1)
    event_record(name="cart_abandoned", contact=contact, now=later, occurred_at=later)
    executor_drain(now=later)
    event_record(name="order_completed", contact=contact, now=later, occurred_at=later + timedelta(minutes=30))
    executor_drain(now=later + timedelta(minutes=30))
    journey_enroll(journey=follow_up, contact_ids=[contact.pk], now=later + timedelta(hours=1))
    executor_drain(now=later + timedelta(hours=1))
    return contact


def test_a_marketer_reads_which_journeys_a_contact_went_through_and_why(
    page, live_server, marketer, log_in, screenshot, kim
):
    log_in(page, marketer)
    page.goto(f"{live_server.url}/contacts/{kim.pk}/")
    panel = page.locator("#journeys")
    expect(panel.get_by_role("heading", name="Journeys")).to_be_visible()
    items = panel.locator(".trace-item")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_contain_text("Sales follow-up")
    expect(items.nth(0)).to_contain_text("At “Give them 3 days”, moves on")
    expect(items.nth(1)).to_contain_text("Left when order_completed happened (exit rule).")
    expect(items.nth(2)).to_contain_text("→ Yes")
    expect(items.nth(2)).to_contain_text("Goal reached: order_completed,")
    panel.scroll_into_view_if_needed()
    screenshot(page, "contact-journeys")
    page.set_viewport_size({"width": 1280, "height": 1600})
    panel.screenshot(path=str(screenshot(page, "contact-journeys-panel")))  # the panel alone, over the page
    items.nth(2).get_by_role("link", name="Welcome series").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome series")
