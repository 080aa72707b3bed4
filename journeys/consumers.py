"""WebSocket consumers of the journeys app: the canvas's live per-node counts."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from flowbuilder.accounts.roles import role_of
from journeys.live import LIVE_INTERVAL, group_name, live_counts_message
from journeys.models import Journey

log = logging.getLogger(__name__)

# Close codes the canvas tells apart (4000-4999 are the application's own).
NOT_LOGGED_IN = 4401
NO_ROLE = 4403
NO_SUCH_JOURNEY = 4404


def _refusal(user: Any, journey_id: int) -> int | None:
    """Why ``user`` may not follow the journey (a close code), or ``None`` when they may."""
    if not getattr(user, "is_authenticated", False):
        return NOT_LOGGED_IN
    if role_of(user) is None:  # every role may view journeys
        return NO_ROLE
    if not Journey.objects.filter(pk=journey_id).exists():
        return NO_SUCH_JOURNEY
    return None


class JourneyLiveConsumer(AsyncJsonWebsocketConsumer):
    """``ws/journeys/<id>/live/``: the journey's per-node counts (``journeys.live``), sent on
    connect and again whenever they change, at most once per ``interval`` seconds.

    Changes that arrive within the interval after a read are coalesced into one read at its end,
    so a burst gives one message at once and at most one more, with the final state. A slow read
    (a journey with a long history) spaces the next one out by as long as it took: following a
    journey never keeps the database busy more than half the time.

    The connection is accepted and then closed with 4401 (not logged in), 4403 (no role) or 4404
    (no such journey), so the browser learns why. What the client sends is ignored.
    """

    interval: float = LIVE_INTERVAL

    def __init__(self, *args: Any, interval: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if interval is not None:
            self.interval = interval
        self.journey_id: int | None = None
        self.next_read_at = -float("inf")  # time.monotonic() before which no read starts
        self.later: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        await self.accept()
        journey_id = int(self.scope["url_route"]["kwargs"]["journey_id"])
        refusal = await database_sync_to_async(_refusal)(self.scope.get("user"), journey_id)
        if refusal is not None:
            await self.close(code=refusal)
            return
        self.journey_id = journey_id
        # Join before the first read: a change between the two is then told, not lost.
        await self.channel_layer.group_add(group_name(journey_id), self.channel_name)
        await self.send_counts()

    async def disconnect(self, code: int) -> None:
        if self.later is not None:
            self.later.cancel()
        if self.journey_id is not None:
            await self.channel_layer.group_discard(group_name(self.journey_id), self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        """The canvas only listens."""

    async def counts_changed(self, event: dict[str, Any]) -> None:
        """A group message: the counts changed. Read now, or at the end of the interval."""
        if self.later is not None:
            return  # a read at the end of this interval is planned and will see this change
        wait = self.next_read_at - time.monotonic()
        if wait <= 0:
            await self.send_counts()
        else:
            self.later = asyncio.get_running_loop().create_task(self._send_later(wait))

    async def _send_later(self, wait: float) -> None:
        while wait > 0:  # a read still running when this was planned may have pushed the time on
            await asyncio.sleep(wait)
            wait = self.next_read_at - time.monotonic()
        self.later = None
        try:
            await self.send_counts()
        except Exception:  # a failed read must not end the connection; the next change reads again
            log.exception("live counts of journey %s could not be sent", self.journey_id)

    async def send_counts(self) -> None:
        if self.journey_id is None:
            return
        # Set before reading: a change told while this reads is read again after the interval.
        started = time.monotonic()
        self.next_read_at = started + self.interval
        message = await database_sync_to_async(live_counts_message)(journey_id=self.journey_id)
        finished = time.monotonic()
        self.next_read_at = max(self.next_read_at, finished + (finished - started))
        if message is None:
            await self.close(code=NO_SUCH_JOURNEY)
            return
        await self.send_json(message)
