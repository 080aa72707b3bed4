"""WebSocket routes of the journeys app (collected by ``flowbuilder/routing.py``)."""

from __future__ import annotations

from typing import Any

from django.urls import path

from journeys.consumers import JourneyLiveConsumer

websocket_urlpatterns: list[Any] = [
    path("ws/journeys/<int:journey_id>/live/", JourneyLiveConsumer.as_asgi(), name="journey-live"),
]
