"""Signed tracking tokens and link rewriting: a token names one message (and one of its links),
for one purpose only, and nothing but the secret key can make one."""

from __future__ import annotations

import pytest

from journeys.emails import tracking

PUBLIC_ID = "3f2a9c0e4b5d6a7f8e9d0c1b2a394857"
OTHER_ID = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("purpose", "index"),
    [(tracking.OPEN, None), (tracking.CLICK, 0), (tracking.CLICK, 12), (tracking.UNSUBSCRIBE, None)],
)
def test_a_token_reads_back_as_the_message_and_link_it_was_made_for(purpose, index):
    token = tracking.sign(purpose, PUBLIC_ID, index)
    assert tracking.read(token, purpose) == (PUBLIC_ID, index)


def test_tokens_are_short_and_safe_in_a_url():
    token = tracking.sign(tracking.CLICK, PUBLIC_ID, 3)
    assert token.startswith(f"{PUBLIC_ID}.3.")
    assert len(token) < 60
    assert all(c.isalnum() or c in "-_." for c in token)


def test_the_urls_point_at_the_public_endpoints(settings):
    settings.SITE_URL = "https://mail.example.com"
    assert tracking.url(tracking.OPEN, PUBLIC_ID).startswith(f"https://mail.example.com/t/o/{PUBLIC_ID}.")
    assert tracking.url(tracking.OPEN, PUBLIC_ID).endswith(".gif")
    assert tracking.url(tracking.CLICK, PUBLIC_ID, 2).startswith(f"https://mail.example.com/t/c/{PUBLIC_ID}.2.")
    assert tracking.url(tracking.UNSUBSCRIBE, PUBLIC_ID).startswith(f"https://mail.example.com/u/{PUBLIC_ID}.")
    assert tracking.url(tracking.UNSUBSCRIBE, PUBLIC_ID).endswith("/")


def _flip(character: str) -> str:
    return "A" if character != "A" else "B"


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda t: t[:-1] + _flip(t[-1]), id="last signature character changed"),
        pytest.param(lambda t: t[:-1], id="signature truncated"),
        pytest.param(lambda t: t.rpartition(".")[0], id="signature missing"),
        pytest.param(lambda t: t.rpartition(".")[0] + ".", id="signature empty"),
        pytest.param(lambda t: OTHER_ID + t[32:], id="another message's id"),
        pytest.param(lambda t: t.replace(".4.", ".5.", 1), id="another link's index"),
        pytest.param(lambda t: t.replace(".4.", ".04.", 1), id="the index written differently"),
        pytest.param(lambda t: t.replace(".4.", ".-4.", 1), id="a negative index"),
        pytest.param(lambda t: t.upper(), id="upper case"),
        pytest.param(lambda t: t[1:], id="id truncated"),
        pytest.param(lambda t: "", id="empty"),
        pytest.param(lambda t: "...", id="dots only"),
        pytest.param(lambda t: t + ".x", id="something appended"),
        pytest.param(lambda t: t[:-1] + "é", id="a non-ASCII signature"),
        pytest.param(lambda t: t.replace(".4.", ".\u0664.", 1), id="a non-ASCII digit"),
        pytest.param(lambda t: t.replace(".4.", ".\u00b2.", 1), id="a superscript digit"),
    ],
)
def test_a_changed_click_token_is_refused(tamper):
    token = tracking.sign(tracking.CLICK, PUBLIC_ID, 4)
    assert tracking.read(tamper(token), tracking.CLICK) is None


@pytest.mark.parametrize(
    ("made_for", "used_for"),
    [
        (tracking.OPEN, tracking.UNSUBSCRIBE),
        (tracking.UNSUBSCRIBE, tracking.OPEN),
        (tracking.OPEN, tracking.CLICK),
        (tracking.UNSUBSCRIBE, tracking.CLICK),
    ],
)
def test_a_token_made_for_one_purpose_is_refused_for_another(made_for, used_for):
    assert tracking.read(tracking.sign(made_for, PUBLIC_ID), used_for) is None


def test_a_click_token_with_its_index_cut_off_does_not_become_an_open_or_unsubscribe_token():
    token = tracking.sign(tracking.CLICK, PUBLIC_ID, 0)
    public_id, _index, signature = token.split(".")
    for purpose in (tracking.OPEN, tracking.UNSUBSCRIBE):
        assert tracking.read(token, purpose) is None
        assert tracking.read(f"{public_id}.{signature}", purpose) is None


def test_a_token_signed_with_another_key_is_refused(settings):
    settings.SECRET_KEY = "an attacker's guess"
    forged = tracking.sign(tracking.UNSUBSCRIBE, PUBLIC_ID)
    settings.SECRET_KEY = "the real key"
    assert tracking.read(forged, tracking.UNSUBSCRIBE) is None


def test_a_token_signed_before_a_key_rotation_still_verifies(settings):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "the old key", []
    old = tracking.sign(tracking.CLICK, PUBLIC_ID, 1)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "the new key", ["the old key"]
    assert tracking.read(old, tracking.CLICK) == (PUBLIC_ID, 1)
    # New tokens use the new key: they do not verify once the old one is the only key.
    new = tracking.sign(tracking.CLICK, PUBLIC_ID, 1)
    assert new != old
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "the old key", []
    assert tracking.read(new, tracking.CLICK) is None


def test_a_token_is_refused_once_its_key_is_dropped_from_the_fallbacks(settings):
    settings.SECRET_KEY = "the old key"
    old = tracking.sign(tracking.OPEN, PUBLIC_ID)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "the new key", []
    assert tracking.read(old, tracking.OPEN) is None


# --- rewriting links ---------------------------------------------------------------------------


def _click_index(url: str) -> int:
    token = url.rsplit("/", 1)[1]
    value = tracking.read(token, tracking.CLICK)
    assert value is not None, url
    assert value[0] == PUBLIC_ID
    return int(value[1] or 0)


def test_every_http_and_https_link_is_tracked_in_order():
    html = (
        "<html><body>"
        '<a href="https://shop.example.com/a">A</a>'
        "<a class='button' href='http://shop.example.com/b'>B</a>"
        '<A HREF="HTTPS://shop.example.com/C">C</A>'
        '<a href="https://shop.example.com/a">A again</a>'
        "</body></html>"
    )
    rewritten, links = tracking.rewrite_links(html, PUBLIC_ID)
    assert links == [
        "https://shop.example.com/a",
        "http://shop.example.com/b",
        "HTTPS://shop.example.com/C",
        "https://shop.example.com/a",
    ]
    assert "shop.example.com" not in rewritten
    click = tracking.url(tracking.CLICK, PUBLIC_ID, 0).rsplit("/", 1)[0]
    hrefs = [part.split('"')[0].split("'")[0] for part in rewritten.split(f"{click}/")[1:]]
    assert [_click_index(f"{click}/{href}") for href in hrefs] == [0, 1, 2, 3]
    assert "class='button'" in rewritten  # the rest of the tag stays


def test_a_link_with_a_quote_of_the_other_kind_in_it_is_tracked_whole():
    html = """<a href="https://shop.example.com/it's-here">x</a><a href='https://shop.example.com/say"hi"'>y</a>"""
    _rewritten, links = tracking.rewrite_links(html, PUBLIC_ID)
    assert links == ["https://shop.example.com/it's-here", 'https://shop.example.com/say"hi"']


@pytest.mark.parametrize(
    "href",
    [
        "mailto:help@shop.example.com",
        "tel:+4930123456",
        "/relative/path",
        "#top",
        "//shop.example.com/scheme-relative",
        "javascript:alert(1)",
        "ftp://files.example.com/x",
    ],
)
def test_other_links_are_not_tracked(href):
    html = f'<body><a href="{href}">x</a></body>'
    rewritten, links = tracking.rewrite_links(html, PUBLIC_ID)
    assert links == []
    assert f'href="{href}"' in rewritten


def test_the_unsubscribe_link_is_left_alone():
    unsubscribe = tracking.url(tracking.UNSUBSCRIBE, PUBLIC_ID)
    html = f'<body><a href="https://shop.example.com/">Shop</a><a href="{unsubscribe}">Unsubscribe</a></body>'
    rewritten, links = tracking.rewrite_links(html, PUBLIC_ID, skip=(unsubscribe,))
    assert links == ["https://shop.example.com/"]
    assert f'href="{unsubscribe}"' in rewritten


def test_stored_urls_are_unescaped_so_the_redirect_goes_to_the_real_address():
    html = '<body><a href="https://shop.example.com/start?utm_source=email&amp;step=1&#38;x=%20">Go</a></body>'
    _rewritten, links = tracking.rewrite_links(html, PUBLIC_ID)
    assert links == ["https://shop.example.com/start?utm_source=email&step=1&x=%20"]


def test_stored_urls_are_what_a_browser_would_follow():
    html = "<body><a href=\"  https://shop.example.com/a\n\tb?x=1\r\n \">x</a><a href='\x01https://shop.example.com/c'>y</a>"
    _rewritten, links = tracking.rewrite_links(html, PUBLIC_ID)
    assert links == ["https://shop.example.com/ab?x=1"]  # the second starts with a control character: no URL


def test_only_the_href_of_an_anchor_is_rewritten():
    html = (
        '<body><img src="https://cdn.example.com/logo.png">'
        '<a data-href="https://shop.example.com/not-this" href="https://shop.example.com/this">x</a>'
        "<p>Visit https://shop.example.com/plain today</p></body>"
    )
    rewritten, links = tracking.rewrite_links(html, PUBLIC_ID)
    assert links == ["https://shop.example.com/this"]
    assert 'src="https://cdn.example.com/logo.png"' in rewritten
    assert 'data-href="https://shop.example.com/not-this"' in rewritten
    assert "Visit https://shop.example.com/plain today" in rewritten


def test_the_open_pixel_goes_just_before_the_closing_body_tag():
    html = "<html><body><p>Hi</p></BODY></html>"
    rewritten, _links = tracking.rewrite_links(html, PUBLIC_ID)
    pixel = tracking.url(tracking.OPEN, PUBLIC_ID)
    assert rewritten.count(pixel) == 1
    assert rewritten.index(pixel) < rewritten.index("</BODY>")
    assert rewritten.index("<p>Hi</p>") < rewritten.index(pixel)
    assert f'<img src="{pixel}" width="1" height="1" alt=""' in rewritten


def test_the_pixel_goes_before_the_last_closing_body_tag():
    html = "<html><body><p>Write <code>&lt;/body&gt;</code> like </body> this</p></body></html>"
    rewritten, _links = tracking.rewrite_links(html, PUBLIC_ID)
    pixel = tracking.url(tracking.OPEN, PUBLIC_ID)
    assert rewritten.endswith(f'{pixel}" width="1" height="1" alt="" style="display:block;border:0"></body></html>')


def test_html_without_a_body_tag_gets_the_pixel_at_the_end_and_no_html_gets_none():
    pixel = tracking.url(tracking.OPEN, PUBLIC_ID)
    rewritten, _links = tracking.rewrite_links("<p>Hi</p>", PUBLIC_ID)
    assert rewritten.startswith("<p>Hi</p><img")
    assert pixel in rewritten
    assert tracking.rewrite_links("", PUBLIC_ID) == ("", [])
