"""Segment's browser SDK (``@segment/analytics-next``, the library behind analytics.js) on a
customer's website, pointed at Flowbuilder: it loads its settings from Flowbuilder and sends a
page view there. Nothing leaves the machine: the test fails on any other request."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect

from contacts.models import Event
from flowbuilder.accounts.services import write_key_create

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
ENTRY = """
import { AnalyticsBrowser } from "@segment/analytics-next";
window.startAnalytics = (writeKey, cdnURL) => {
  window.analytics = AnalyticsBrowser.load({ writeKey, cdnURL });
  return window.analytics;
};
"""


@pytest.fixture(scope="module")
def analytics_bundle(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The npm package bundled the way a website would (esbuild from our node_modules)."""
    out = tmp_path_factory.mktemp("analytics") / "analytics.js"
    subprocess.run(  # the entry on stdin resolves packages from the repository (cwd)
        [str(REPO / "node_modules" / ".bin" / "esbuild"), "--bundle", "--format=iife", f"--outfile={out}"],
        input=ENTRY.encode(),
        check=True,
        cwd=REPO,
        capture_output=True,
    )
    return out.read_text()


PAGE = (
    '<!doctype html><html><head><title>Pricing — Shop</title><script src="/analytics.js"></script></head>'
    "<body><h1>Pricing</h1></body></html>"
)


@pytest.fixture
def shop(analytics_bundle: str) -> Iterator[str]:
    """The customer's website: a page and its bundle on its own (loopback) server and origin."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            script = self.path.startswith("/analytics.js")
            body = (analytics_bundle if script else PAGE).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript" if script else "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_website_with_analytics_js_sends_a_page_view_to_flowbuilder(page, live_server, marketer, shop):
    _row, key = write_key_create(name="Shop website", user=marketer)
    elsewhere: list[str] = []

    def anything_else(route):
        elsewhere.append(route.request.url)
        route.abort()

    page.route(lambda url: not url.startswith((shop, live_server.url)), anything_else)
    page.goto(f"{shop}/pricing?utm_source=newsletter&utm_campaign=winter", referer="https://search.test/")
    sent = page.evaluate(
        """([key, host]) => Promise.race([
            window.startAnalytics(key, host).page("Pricing", { plan: "team" }).then(() => "sent"),
            new Promise((resolve) => setTimeout(() => resolve("no answer in 15 s"), 15000)),
        ])""",
        [key, live_server.url],
    )
    assert sent == "sent"
    expect(page.locator("h1")).to_have_text("Pricing")
    for _ in range(50):
        if Event.objects.exists():
            break
        page.wait_for_timeout(100)
    event = Event.objects.get()
    assert event.name == "page_viewed"
    assert event.properties["path"] == "/pricing"
    assert event.properties["url"].startswith(f"{shop}/pricing")
    assert event.properties["title"] == "Pricing — Shop"
    assert event.properties["name"] == "Pricing"
    assert event.properties["plan"] == "team"
    assert event.context["campaign"] == {"source": "newsletter", "name": "winter"}
    assert event.context["userAgent"].startswith("Mozilla/")
    assert event.contact.external_id.startswith("anonymous:")
    assert elsewhere == []
