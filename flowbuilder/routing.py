"""WebSocket URL patterns of every app, in one list for asgi.py."""

from __future__ import annotations

from typing import Any

from journeys.routing import websocket_urlpatterns as journeys_routes

websocket_urlpatterns: list[Any] = [*journeys_routes]
