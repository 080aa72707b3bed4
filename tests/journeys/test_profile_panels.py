"""The Journeys panel of the contact profile, as a marketer reads it."""

from __future__ import annotations

from datetime import timedelta

from journeys.emails.sender import messages_send
from journeys.emails.services.feedback import message_opened
from journeys.models import OutboundMessage


def panel_of(client, contact):
    html = client.get(f"/contacts/{contact.pk}/").content.decode()
    start = html.index('id="journeys"')
    return html[start : html.index("</section>", start)]


def test_the_profile_shows_each_journey_with_its_path_in_plain_words(
    client, viewer, welcome_series, person, happen, run, now
):
    kim = person("kim@example.com", first_name="Kim")
    happen(kim, "signed_up")
    run()
    messages_send(now=now)
    message_opened(message=OutboundMessage.objects.get(node_id="mail"), now=now + timedelta(hours=1))
    run(timedelta(days=2))
    client.force_login(viewer)
    panel = panel_of(client, kim)
    assert f'href="/journeys/{welcome_series.pk}/"' in panel
    assert "Welcome series" in panel
    assert "version 1" in panel
    assert "badge-enrollment-completed" in panel
    assert "Went through to the end." in panel
    assert panel.index("Welcome mail") < panel.index("Opened the welcome?")
    assert "→ Yes" in panel
    assert "Kim, welcome to Flowbuilder Shop" in panel
    assert 'aria-label="Opened"' in panel


def test_a_skipped_step_and_a_waiting_contact_are_explained(client, viewer, welcome_series, person, happen, run):
    ann = person("ann@example.com", email_consent="unsubscribed")
    happen(ann, "signed_up")
    run()
    client.force_login(viewer)
    panel = panel_of(client, ann)
    assert "Skipped: The contact unsubscribed from marketing email." in panel
    assert "At “Wait”, moves on" in panel
    assert "badge-enrollment-active" in panel


def test_a_contact_in_no_journey_says_so(client, viewer, person):
    client.force_login(viewer)
    assert "Not in any journey yet." in panel_of(client, person())


def test_the_profile_reads_the_journeys_in_the_same_queries_however_many(
    client, viewer, build, publish, person, run, now, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from journeys.entries import journey_enroll

    kim = person()

    def enroll_in(count):
        for index in range(count):
            graph = build(("t", "trigger", {"kind": "manual"}), ("end", "exit", {}), edges=[("t", "end")])
            journey_enroll(journey=publish(graph, name=f"Journey {index}"), contact_ids=[kim.pk], now=now)
        run()

    enroll_in(1)
    client.force_login(viewer)
    client.get(f"/contacts/{kim.pk}/")  # warm up: sessions, permissions
    with CaptureQueriesContext(connection) as one:
        client.get(f"/contacts/{kim.pk}/")
    enroll_in(5)
    with django_assert_max_num_queries(len(one.captured_queries)) as counted:
        panel = panel_of(client, kim)
    assert panel.count('class="trace-item"') == 6
    assert len([q for q in counted.captured_queries if "journeys_step" in q["sql"]]) == 1
