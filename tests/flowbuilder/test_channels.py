"""The configured channel layer (in-memory by default, Redis with REDIS_URL) carries group messages."""

from __future__ import annotations

import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def test_a_message_sent_to_a_group_reaches_its_members():
    layer = get_channel_layer()
    assert layer is not None
    group = f"test-{uuid.uuid4().hex}"

    async def round_trip() -> dict[str, object]:
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        await layer.group_send(group, {"type": "counts.changed", "journey": 7})
        message: dict[str, object] = await layer.receive(channel)
        await layer.group_discard(group, channel)
        return message

    assert async_to_sync(round_trip)() == {"type": "counts.changed", "journey": 7}
