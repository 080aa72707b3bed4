"""Importing contacts from a CSV file in real Chromium."""

from __future__ import annotations

import pytest
from django_q.conf import Conf
from playwright.sync_api import expect

from contacts.models import Contact, StageChange

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CSV = (
    "E-Mail;Vorname;Stage;Plan;Tags\n"
    "kim@example.com;Kim;lead;pro;vip,beta\n"
    "lee@example.com;Lee;customer;free;\n"
    "not-an-email;Bad;lead;pro;\n"
)


@pytest.fixture
def tasks_run_at_once(monkeypatch):
    """django-q2's own synchronous mode: queued tasks run in the process that queues them."""
    monkeypatch.setattr(Conf, "SYNC", True)


def test_a_marketer_uploads_maps_and_imports_a_file(
    page, live_server, marketer, log_in, screenshot, tmp_path, settings, tasks_run_at_once
):
    settings.MEDIA_ROOT = tmp_path
    upload = tmp_path / "leads.csv"
    upload.write_text(CSV, encoding="utf-8")
    log_in(page, marketer)
    page.goto(f"{live_server.url}/contacts/")
    page.get_by_role("link", name="Import CSV").click()
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="Match the columns")).to_be_visible()
    assert page.get_by_label("Import “E-Mail” as").input_value() == "email"
    assert page.get_by_label("Import “Vorname” as").input_value() == "first_name"
    assert page.get_by_label("Import “Plan” as").input_value() == "attributes.plan"
    screenshot(page, "import-mapping")
    page.get_by_role("button", name="Start import").click()
    expect(page.get_by_text("Done", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Rejected rows")).to_be_visible()
    screenshot(page, "import-done")
    assert set(Contact.objects.values_list("email", flat=True)) == {"kim@example.com", "lee@example.com"}
    kim = Contact.objects.get(email="kim@example.com")
    assert (kim.first_name, kim.attributes, kim.stage.key) == ("Kim", {"plan": "pro"}, "lead")
    assert StageChange.objects.filter(contact=kim, cause="import").exists()
