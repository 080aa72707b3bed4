"""Switching the app to German in real Chromium: shell, contacts list, login page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_marketer_switches_to_german_from_the_user_menu_and_it_sticks(
    page, live_server, marketer, log_in, screenshot
):
    log_in(page, marketer)
    page.get_by_label("Account menu").click()
    page.get_by_role("menuitemradio", name="Deutsch").click()
    page.wait_for_load_state()

    rail = page.get_by_role("navigation", name="Hauptnavigation")
    for name in ["Journeys", "Kontakte", "Segmente", "Zielgruppen", "Vorlagen", "Analysen", "Einstellungen"]:
        assert rail.get_by_role("link", name=name).is_visible()
    assert page.get_by_role("heading", name="Noch keine Journeys").is_visible()
    assert page.locator("html").get_attribute("lang") == "de"
    screenshot(page, "shell-german")

    rail.get_by_role("link", name="Kontakte").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Kontakte"
    assert page.get_by_role("heading", name="Noch keine Kontakte").is_visible()

    page.context.clear_cookies(name="django_language")
    page.reload()
    assert page.get_by_role("heading", level=1).inner_text() == "Kontakte"  # the saved preference, not a cookie
    marketer.refresh_from_db()
    assert marketer.language == "de"


def test_the_login_page_switches_language_before_anyone_logs_in(page, live_server, screenshot):
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("menuitemradio", name="Svenska").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Logga in").is_visible()
    assert page.get_by_label("Användarnamn").is_visible()
    screenshot(page, "login-swedish")


def test_the_copy_button_says_copied_in_the_users_language(page, live_server, make_user, log_in):
    from flowbuilder.accounts.roles import Role

    user = make_user(Role.VIEWER, language="nl")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, user)
    page.goto(f"{live_server.url}/settings/")
    page.get_by_label("Naam van de nieuwe sleutel").fill("Webshop")
    page.get_by_role("button", name="Sleutel aanmaken").click()
    page.get_by_role("button", name="Kopiëren").click()
    expect(page.get_by_role("button", name="Gekopieerd")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == page.get_by_label("Nieuwe API-sleutel").input_value()
