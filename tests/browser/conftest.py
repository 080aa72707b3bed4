"""Browser-test helpers for pages that need the whole app: HTTP *and* WebSockets.

``app_server`` serves the ASGI application (Channels routing: pages, API, ``ws/…``) with Daphne
in a child process that shares the test database, the way the app runs in production. Tasks the
server queues (the executor after an event enrolled someone) run inline in that process, so a
test sees journeys move without a task cluster.

On an in-memory SQLite test database (the default without DATABASE_URL) no second process can
see the data; there the fixture falls back to the WSGI ``live_server``: the canvas's socket is
refused and it falls back to polling, which the test then exercises instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
from django.db import connections


@dataclass
class AppServer:
    url: str
    websockets: bool  # False: the WSGI fallback, where the canvas polls for live counts


def _make_application() -> Any:
    from channels.routing import get_default_application
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    return ASGIStaticFilesHandler(get_default_application())


def _child_setup(allowed_hosts: list[str]) -> None:
    """In the server process: run queued tasks at once, accept the test host."""
    from django.conf import settings
    from django_q.conf import Conf

    Conf.SYNC = True
    settings.ALLOWED_HOSTS = allowed_hosts


@pytest.fixture
def app_server(request: pytest.FixtureRequest, transactional_db: None, settings: Any) -> Iterator[AppServer]:
    in_memory = any(c.vendor == "sqlite" and c.is_in_memory_db() for c in connections.all())  # type: ignore[attr-defined]
    if in_memory:
        from django_q.conf import Conf

        live_server = request.getfixturevalue("live_server")
        console_allows = request.getfixturevalue("console_allows")
        console_allows.append("WebSocket connection to")  # the WSGI server has no sockets
        previous, Conf.SYNC = Conf.SYNC, True
        yield AppServer(url=live_server.url, websockets=False)
        Conf.SYNC = previous
        return

    from daphne.testing import DaphneProcess

    hosts = ["127.0.0.1", "localhost"]
    connections.close_all()  # the child must open its own connections, not share the parent's sockets
    server = DaphneProcess("127.0.0.1", _make_application, setup=partial(_child_setup, hosts))
    server.start()
    while not server.ready.wait(timeout=1):
        if not server.is_alive():
            raise RuntimeError("the Daphne test server stopped before it was ready")
    try:
        yield AppServer(url=f"http://127.0.0.1:{server.port.value}", websockets=True)
    finally:
        failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
        if "page" in request.fixturenames and not failed:
            # Leave the page before its server goes (no refused reconnects); a failed test's page
            # stays for its screenshot.
            request.getfixturevalue("page").goto("about:blank")
        server.terminate()
        server.join()
