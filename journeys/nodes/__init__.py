"""The node types of journeys: the canvas palette and what the executor runs.

``NODE_TYPES`` maps a node's ``type`` (as stored in graphs) to the dotted path of its class,
imported lazily. To add a node type:

1. write ``journeys/nodes/<kind>.py`` with a subclass of ``base.NodeType``: ``kind``, ``label``,
   ``description``, ``category``, ``icon`` (a Lucide name listed in frontend/icons.json), its
   ``outputs`` (or ``outputs_for(config)``), a ``Config`` serializer (what the inspector edits;
   every field labelled and translatable), and ``references(config)`` for rows it names;
2. add one line here;
3. add ``tests/journeys/nodes/test_<kind>.py``.

The system check ``journeys.E001`` fails when an entry does not import or is incomplete.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from journeys.nodes.base import NodeType

NODE_TYPES: dict[str, str] = {
    "trigger": "journeys.nodes.trigger.Trigger",
    "wait": "journeys.nodes.wait.Wait",
    "condition": "journeys.nodes.condition.Condition",
    "split": "journeys.nodes.split.Split",
    "send_email": "journeys.nodes.send_email.SendEmail",
    "add_to_audience": "journeys.nodes.add_to_audience.AddToAudience",
    "remove_from_audience": "journeys.nodes.remove_from_audience.RemoveFromAudience",
    "update_contact": "journeys.nodes.update_contact.UpdateContact",
    "webhook": "journeys.nodes.webhook.Webhook",
    "notify": "journeys.nodes.notify.Notify",
    "exit": "journeys.nodes.exit.Exit",
}


@cache
def _load(path: str) -> type[NodeType]:
    module, _dot, name = path.rpartition(".")
    cls = getattr(import_module(module), name)
    if not (isinstance(cls, type) and issubclass(cls, NodeType)):
        raise TypeError(f"{path} is not a NodeType")
    return cls


def node_type(kind: str) -> type[NodeType]:
    """The class of a node type; ``KeyError`` for an unknown type."""
    return _load(NODE_TYPES[kind])


def node_types() -> list[type[NodeType]]:
    return [node_type(kind) for kind in NODE_TYPES]
