"""Building a segment in real Chromium, the way a marketer does it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from contacts.models import Segment
from contacts.services.events import events_record

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def shoppers(db):
    items = []
    for index in range(6):
        email = f"shopper{index}@example.com"
        items.append({"name": "signed_up", "email": email})
        for _ in range(index):
            items.append({"name": "order_completed", "email": email, "properties": {"revenue": 20 * (index + 1)}})
    events_record(items=items)


def test_a_marketer_builds_a_segment_with_a_live_count_and_saves_it(
    page, live_server, marketer, log_in, screenshot, shoppers
):
    log_in(page, marketer)
    page.goto(f"{live_server.url}/segments/")
    page.get_by_role("link", name="New segment").first.click()
    page.get_by_label("Name", exact=True).fill("Frequent buyers")
    condition = page.locator(".rule-condition").first
    condition.get_by_label("Event name").fill("order_completed")
    condition.get_by_label("Number of times").fill("3")
    expect(page.locator(".preview-count strong")).to_have_text("3")
    condition.get_by_label("How often").select_option("lte")
    expect(page.locator(".preview-count strong")).to_have_text("4")  # 0, 1, 2 or 3 orders
    condition.get_by_label("How often").select_option("gte")
    page.get_by_role("button", name="+ Condition").click()
    second = page.locator(".rule-condition").nth(1)
    second.get_by_label("Condition type").select_option("rfm")
    second.get_by_label("Measure").select_option("monetary")
    second.get_by_label("Operator").select_option("gte")
    second.get_by_label("Value").fill("400")
    expect(page.locator(".preview-count strong")).to_have_text("2")
    screenshot(page, "segment-builder")
    page.get_by_role("button", name="Create segment").click()
    page.wait_for_url(re.compile(r"/segments/\d+/$"))
    segment = Segment.objects.get(name="Frequent buyers")
    assert segment.member_count == 2
    assert segment.rules["all"][0]["count"] == {"op": "gte", "value": 3}


def test_an_invalid_condition_is_marked_where_it_is_and_nothing_is_lost(
    page, live_server, marketer, log_in, shoppers, console_allows
):
    console_allows.append("status of 400")  # the API's answer to the invalid rule
    log_in(page, marketer)
    page.goto(f"{live_server.url}/segments/new/")
    page.get_by_label("Name", exact=True).fill("Broken")
    condition = page.locator(".rule-condition").first
    condition.get_by_label("Event name").fill("")
    expect(condition.locator(".field-error")).to_contain_text("Name the event")
    page.get_by_role("button", name="Create segment").click()
    expect(page.locator(".save-state")).to_contain_text("not valid")
    assert page.get_by_label("Name", exact=True).input_value() == "Broken"
    assert not Segment.objects.exists()
