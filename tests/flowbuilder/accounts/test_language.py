"""Which language and time zone people see: browser first, their saved choice above that."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.utils import timezone

from flowbuilder.accounts.roles import Role
from flowbuilder.accounts.services import api_key_create


def test_the_login_page_speaks_the_browsers_language(client, db):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5").content.decode()
    assert '<html lang="de">' in page
    assert "Anmelden" in page


def test_a_language_picked_on_the_login_page_is_kept_in_a_cookie(client, db):
    response = client.post("/language/", {"language": "sv", "next": "/login/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "sv"
    assert int(cookie["max-age"]) == settings.LANGUAGE_COOKIE_AGE
    assert "Logga in" in client.get("/login/", HTTP_ACCEPT_LANGUAGE="de").content.decode()


def test_a_logged_in_users_choice_is_saved_and_beats_the_browser(client, marketer):
    client.force_login(marketer)
    client.post("/language/", {"language": "nl", "next": "/journeys/"})
    marketer.refresh_from_db()
    assert marketer.language == "nl"
    client.cookies.clear()  # another browser: only the saved preference can say Dutch
    client.force_login(marketer)
    page = client.get("/journeys/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Nog geen journeys" in page


def test_django_admin_follows_the_users_language(client, make_user):
    admin = make_user(Role.ADMIN, language="de")
    client.force_login(admin)
    page = client.get("/admin/").content.decode()
    assert "Flowbuilder-Verwaltung" in page
    assert "Benutzer" in page


def test_an_empty_choice_goes_back_to_the_browser_language(client, make_user):
    user = make_user(Role.VIEWER, language="sv")
    client.force_login(user)
    response = client.post("/language/", {"language": "", "next": "/journeys/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # deleted
    user.refresh_from_db()
    assert user.language == ""
    assert "Noch keine Journeys" in client.get("/journeys/", HTTP_ACCEPT_LANGUAGE="de").content.decode()


def test_an_unknown_language_is_refused_with_a_clear_message_and_nothing_changes(client, make_user):
    user = make_user(Role.VIEWER, language="de")
    client.force_login(user)
    response = client.post("/language/", {"language": "klingon", "next": "/journeys/"})
    assert response.status_code == 400
    assert "„klingon“ ist keine Sprache, die Flowbuilder unterstützt" in response.content.decode()
    user.refresh_from_db()
    assert user.language == "de"


def test_switching_language_never_redirects_off_site(client, db):
    response = client.post("/language/", {"language": "de", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_preferences_are_saved_from_the_settings_page(client, viewer):
    client.force_login(viewer)
    response = client.post("/settings/preferences/", {"language": "de", "timezone": "Europe/Berlin"})
    assert response.status_code == 302
    viewer.refresh_from_db()
    assert (viewer.language, viewer.timezone) == ("de", "Europe/Berlin")


def test_bad_preferences_name_the_field_and_keep_what_was_stored(client, make_user):
    user = make_user(Role.VIEWER, language="nl", timezone="Europe/Amsterdam")
    client.force_login(user)
    response = client.post("/settings/preferences/", {"language": "fr", "timezone": "Mars/Base"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "‘fr’ is geen taal die Flowbuilder ondersteunt" in page
    assert "Mars/Base" in page
    user.refresh_from_db()
    assert (user.language, user.timezone) == ("nl", "Europe/Amsterdam")


def test_times_are_shown_in_the_users_time_zone(client, make_user):
    user = make_user(Role.VIEWER, timezone="Asia/Tokyo", language="en")
    # Minutes that are not :00 (Django's "P" format leaves those out: "5 a.m.").
    with time_machine.travel(datetime(2026, 11, 23, 20, 17, tzinfo=UTC), tick=False):
        row, _ = api_key_create(user=user, name="k")
    client.force_login(user)
    page = client.get("/settings/").content.decode()
    local = timezone.localtime(row.created_at, ZoneInfo("Asia/Tokyo"))
    assert (local.hour, local.minute) == (5, 17)
    assert "5:17" in page


def test_api_errors_follow_accept_language(api_client, db):
    response = api_client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Anmeldedaten fehlen."
