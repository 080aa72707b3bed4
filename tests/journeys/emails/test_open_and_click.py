"""The open pixel and the click redirect, as a mail client meets them: public, signed, recorded on
the message and as an event on the contact, and never a way to send anyone anywhere else."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest

from contacts.models import Event
from journeys.emails import sender, tracking
from journeys.emails.services.outbox import QueueItem, messages_queue
from journeys.models import MessageEvent, OutboundMessage

TWO_LINKS = (
    "<html><body><p>Hi {{ contact.first_name }}</p>"
    '<a href="https://shop.example.com/start?utm_source=email&amp;step=1">Start</a>'
    '<a href="https://shop.example.com/pricing">Pricing</a>'
    "</body></html>"
)


@pytest.fixture
def journey(welcome_journey):
    return welcome_journey


@pytest.fixture
def delivered(kim, make_template, journey, now):
    """A two-link email from the journey's "mail" step, delivered to Kim (to the local outbox)."""
    template = make_template(name="Two links", html_body=TWO_LINKS)
    journey_row, version = journey
    (row,) = messages_queue(
        items=[QueueItem(contact=kim, template=template, journey=journey_row, version=version, node_id="mail")],
        now=now,
    )
    assert sender.messages_send(now=now).sent == 1
    return OutboundMessage.objects.select_related("template").get(message_id=row.message_id)


def _path(url: str) -> str:
    return urlsplit(url).path


def _pixel(message: OutboundMessage) -> str:
    (url,) = re.findall(r'<img src="([^"]+/t/o/[^"]+\.gif)"', message.html_body)
    return _path(url)


def _clicks(message: OutboundMessage) -> list[str]:
    return [_path(url) for url in re.findall(r'href="([^"]+/t/c/[^"]+)"', message.html_body)]


def _public_id(message: OutboundMessage) -> str:
    return message.message_id.strip("<>").split("@")[0]


def test_the_pixel_is_a_gif_that_is_never_cached(client, delivered):
    response = client.get(_pixel(delivered))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert response.content.startswith(b"GIF89a")
    assert "no-cache" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_an_open_is_recorded_on_the_message_and_on_the_contact_with_where_it_came_from(client, delivered, kim, journey):
    journey_row, _version = journey
    client.get(_pixel(delivered))
    (event,) = MessageEvent.objects.filter(message=delivered)
    assert event.kind == MessageEvent.Kind.OPENED
    (opened,) = Event.objects.filter(contact=kim, name="email_opened")
    assert opened.source == "email"
    assert opened.properties["template"] == "Two links"
    assert opened.properties["template_id"] == delivered.template_id
    assert opened.properties["journey_id"] == journey_row.pk
    assert opened.properties["node_id"] == "mail"
    assert opened.properties["message_id"] == delivered.message_id


def test_every_open_is_recorded(client, delivered, kim):
    client.get(_pixel(delivered))
    client.get(_pixel(delivered))
    assert MessageEvent.objects.filter(message=delivered, kind=MessageEvent.Kind.OPENED).count() == 2
    assert Event.objects.filter(contact=kim, name="email_opened").count() == 2


def test_a_click_redirects_to_exactly_the_url_in_the_email(client, delivered, kim):
    start, pricing = _clicks(delivered)
    response = client.get(start)
    assert response.status_code == 302
    assert response["Location"] == "https://shop.example.com/start?utm_source=email&step=1"
    assert client.get(pricing)["Location"] == "https://shop.example.com/pricing"
    assert "no-cache" in response["Cache-Control"]


def test_a_click_is_recorded_with_the_url(client, delivered, kim, journey):
    journey_row, _version = journey
    _start, pricing = _clicks(delivered)
    client.get(pricing)
    (event,) = MessageEvent.objects.filter(message=delivered)
    assert (event.kind, event.url) == (MessageEvent.Kind.CLICKED, "https://shop.example.com/pricing")
    (clicked,) = Event.objects.filter(contact=kim, name="email_clicked")
    assert clicked.properties["url"] == "https://shop.example.com/pricing"
    assert clicked.properties["template"] == "Two links"
    assert clicked.properties["journey_id"] == journey_row.pk
    assert clicked.properties["node_id"] == "mail"


def test_a_link_index_outside_the_message_is_a_404_and_nothing_is_recorded(client, delivered):
    public_id = _public_id(delivered)
    for index in (2, 99999):
        response = client.get(_path(tracking.url(tracking.CLICK, public_id, index)))
        assert response.status_code == 404
    assert not MessageEvent.objects.exists()
    assert not Event.objects.filter(name__startswith="email_").exists()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda p: p[:-1] + ("A" if p[-1] != "A" else "B"), id="signature changed"),
        pytest.param(lambda p: p[:-4], id="signature cut short"),
        pytest.param(lambda p: re.sub(r"\.(\d+)\.", lambda m: f".{int(m.group(1)) + 1}.", p, count=1), id="index"),
        pytest.param(lambda p: p + "%C3%A9", id="non-ASCII added"),
        pytest.param(lambda p: p.replace("/t/c/", "/t/c/x"), id="id changed"),
    ],
)
def test_a_tampered_click_token_is_a_404_and_nothing_is_recorded(client, delivered, change):
    start, _pricing = _clicks(delivered)
    response = client.get(change(start))
    assert response.status_code == 404
    assert not MessageEvent.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda p: p.replace(".gif", "A.gif"), id="signature lengthened"),
        pytest.param(lambda p: p.replace("/t/o/", "/t/o/0"), id="id changed"),
        pytest.param(lambda p: p.replace(".gif", "%E2%82%AC.gif"), id="non-ASCII"),
    ],
)
def test_a_tampered_open_token_is_a_404_and_nothing_is_recorded(client, delivered, change):
    assert client.get(change(_pixel(delivered))).status_code == 404
    assert not MessageEvent.objects.exists()


def test_tokens_for_a_message_that_does_not_exist_are_a_404(client, delivered):
    unknown = uuid.uuid4().hex
    assert client.get(_path(tracking.url(tracking.CLICK, unknown, 0))).status_code == 404
    assert client.get(_path(tracking.url(tracking.OPEN, unknown))).status_code == 404
    assert not MessageEvent.objects.exists()


def test_an_open_token_does_not_work_as_a_click_and_the_other_way_round(client, delivered):
    pixel_token = _pixel(delivered).removeprefix("/t/o/").removesuffix(".gif")
    click_token = _clicks(delivered)[0].removeprefix("/t/c/")
    assert client.get(f"/t/c/{pixel_token}").status_code == 404
    assert client.get(f"/t/o/{click_token}.gif").status_code == 404
    assert not MessageEvent.objects.exists()


@pytest.mark.parametrize("query", ["?url=https://evil.example.com/", "?next=https://evil.example.com/"])
def test_query_parameters_cannot_change_where_a_click_goes(client, delivered, query):
    start, _pricing = _clicks(delivered)
    response = client.get(start + query)
    assert response.status_code == 302
    assert response["Location"] == "https://shop.example.com/start?utm_source=email&step=1"


@pytest.mark.parametrize("suffix", ["/https://evil.example.com/", "%2F%2Fevil.example.com", "/..%2F..%2Fevil"])
def test_an_address_tacked_onto_the_token_is_a_404(client, delivered, suffix):
    start, _pricing = _clicks(delivered)
    response = client.get(start + suffix)
    assert response.status_code == 404
    assert not MessageEvent.objects.exists()


def test_a_token_only_ever_leads_to_its_own_messages_links(client, delivered, make_contact, now):
    other = make_contact("lee@example.com")
    (row,) = messages_queue(items=[QueueItem(contact=other, template=delivered.template)], now=now)
    other_message = OutboundMessage.objects.get(message_id=row.message_id)
    # Lee's email has the same links; its token for link 0 leads to Lee's link 0, and is
    # recorded on Lee's message, never on Kim's.
    response = client.get(_clicks(other_message)[0])
    assert response["Location"] == "https://shop.example.com/start?utm_source=email&step=1"
    assert MessageEvent.objects.get().message == other_message
    assert not Event.objects.filter(contact=delivered.contact, name="email_clicked").exists()


def test_a_message_whose_contact_was_erased_still_redirects_but_records_no_contact_event(client, delivered, kim):
    kim.delete()
    response = client.get(_clicks(delivered)[0])
    assert response.status_code == 302
    assert MessageEvent.objects.filter(message=delivered, kind=MessageEvent.Kind.CLICKED).count() == 1
    assert not Event.objects.filter(name="email_clicked").exists()


def test_only_get_is_answered(client, delivered):
    assert client.post(_clicks(delivered)[0]).status_code == 405
    assert client.post(_pixel(delivered)).status_code == 405
    assert not MessageEvent.objects.exists()


def test_a_link_broken_over_lines_redirects_where_a_browser_would_go(client, kim, make_template, now):
    # Browsers drop tabs and line breaks from URLs; a name with a line break in a link must not
    # make the redirect header fail either.
    template = make_template(
        name="Broken link",
        html_body='<body><a href=" https://shop.example.com/\n\twelcome?name={{ contact.first_name }}">Go</a></body>',
    )
    kim.first_name = "Kim\r\nSet-Cookie: x=1"
    (row,) = messages_queue(items=[QueueItem(contact=kim, template=template)], now=now)
    message = OutboundMessage.objects.get(message_id=row.message_id)
    assert message.links == ["https://shop.example.com/welcome?name=KimSet-Cookie: x=1"]
    response = client.get(_clicks(message)[0])
    assert response.status_code == 302
    assert response["Location"] == "https://shop.example.com/welcome?name=KimSet-Cookie:%20x=1"
    assert "x" not in response.cookies


def test_a_stored_link_with_a_line_break_cannot_inject_a_header(client, delivered):
    OutboundMessage.objects.filter(pk=delivered.pk).update(links=["https://shop.example.com/\r\nSet-Cookie: x=1"])
    response = client.get(_clicks(delivered)[0])
    assert response.status_code == 302
    assert response["Location"] == "https://shop.example.com/Set-Cookie:%20x=1"
    assert "x" not in response.cookies
