"""The app shell in real Chromium: log in, find your way around, log out."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SECTIONS = ["Journeys", "Contacts", "Segments", "Audiences", "Templates", "Analytics", "Settings"]


def test_a_marketer_logs_in_and_sees_the_app_shell(page, live_server, marketer, log_in, screenshot):
    log_in(page, marketer)
    assert page.url == f"{live_server.url}/journeys/"
    rail = page.get_by_role("navigation", name="Main")
    for name in SECTIONS:
        assert rail.get_by_role("link", name=name).is_visible()
    assert page.get_by_role("heading", level=1).inner_text() == "Journeys"
    assert page.get_by_role("heading", name="No journeys yet").is_visible()
    assert "Mia Marketer" in page.get_by_label("Account menu").inner_text()
    screenshot(page, "shell-journeys")


def test_every_section_opens_from_the_rail_and_is_marked_current(page, live_server, viewer, log_in):
    log_in(page, viewer)
    rail = page.get_by_role("navigation", name="Main")
    for name in SECTIONS:
        rail.get_by_role("link", name=name).click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1).inner_text() == name
        assert rail.get_by_role("link", name=name).get_attribute("aria-current") == "page"


def test_the_user_menu_shows_the_role_and_logs_out(page, live_server, viewer, log_in, screenshot):
    log_in(page, viewer)
    page.get_by_label("Account menu").click()
    menu = page.get_by_role("menu")
    assert menu.get_by_text("Viewer", exact=True).is_visible()
    screenshot(page, "shell-user-menu")
    page.keyboard.press("Escape")
    assert not menu.is_visible()
    page.get_by_label("Account menu").click()
    page.get_by_role("menuitem", name="Log out").click()
    page.wait_for_url(re.compile(r"/login/$"))
    page.goto(f"{live_server.url}/contacts/")
    assert "/login/?next=/contacts/" in page.url


def test_a_wrong_password_is_refused_with_a_clear_message(page, live_server, marketer):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text().startswith("Please enter a correct username and password")


def test_an_api_key_is_created_copied_and_revoked_in_the_browser(page, live_server, marketer, log_in, screenshot):
    log_in(page, marketer)
    page.goto(f"{live_server.url}/settings/")
    page.get_by_label("New key name").fill("Web shop backend")
    page.get_by_role("button", name="Create key").click()
    key = page.get_by_label("New API key").input_value()
    assert re.fullmatch(r"fb_[a-z0-9]{12}_[\w-]{43}", key)
    screenshot(page, "settings-new-api-key")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").click()
    page.wait_for_load_state()
    assert page.get_by_text("revoked", exact=True).is_visible()
