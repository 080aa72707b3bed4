"""The journeys list, the gallery and the read-only journey page."""

from __future__ import annotations

from django.urls import reverse

from journeys.models import Journey


def test_the_list_shows_journeys_and_the_gallery(client, marketer, refs, welcome_graph):
    Journey.objects.create(name="Welcome", draft_graph=welcome_graph, settings={"stages": ["subscriber"]})
    client.force_login(marketer)
    page = client.get(reverse("journeys:list")).content.decode()
    assert "Welcome" in page
    assert "Subscriber" in page
    assert "Win back customers at risk" in page


def test_a_gallery_journey_becomes_a_draft_and_its_steps_show(client, marketer, refs):
    client.force_login(marketer)
    response = client.post(reverse("journeys:from_gallery", args=["win-back"]), follow=True)
    journey = Journey.objects.get()
    assert journey.status == "draft"
    page = response.content.decode()
    assert "ready to publish" in page
    assert "Add to audience" in page


def test_problems_are_shown_at_the_step(client, viewer, build, refs):
    journey = Journey.objects.create(name="Bad", draft_graph=build(("t", "trigger", {"kind": "event"})))
    client.force_login(viewer)
    page = client.get(reverse("journeys:detail", args=[journey.pk])).content.decode()
    assert "This field is required for this kind of trigger." in page


def test_viewers_cannot_create_from_the_gallery(client, viewer, refs):
    client.force_login(viewer)
    assert client.post(reverse("journeys:from_gallery", args=["welcome"])).status_code == 403
