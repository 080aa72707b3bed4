"""Journey graphs: read the shape the canvas saves, and check a graph is fit to publish.

``graph_parse`` accepts any *structurally* sound graph (a draft may be half-built) and
normalises it to the documented shape (docs/graph-format.md); anything it cannot read is
refused with problems naming the node and field. ``graph_check`` then finds what blocks
publishing (errors) and what deserves a look (warnings), each as
``{"node_id", "edge_id", "field", "code", "message"}`` so the canvas can mark the spot.
"""

from __future__ import annotations

import copy
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from contacts.models import Audience, LifecycleStage, Segment
from flowbuilder.core.api import flatten_errors
from flowbuilder.core.validation import nul_path
from journeys.models import EmailTemplate
from journeys.nodes import NODE_TYPES, node_type
from journeys.nodes.base import NodeType, Reference, json_ready

MAX_NODES = 500
MAX_EDGES = 2000
MAX_BYTES = 1_000_000
MAX_DEPTH = 24
_ID = re.compile(r"[A-Za-z0-9_.:-]{1,100}")


@dataclass
class Problem:
    code: str
    message: str
    node_id: str | None = None
    field: str = ""
    edge_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class GraphInvalid(Exception):
    """The graph cannot be read at all; ``problems`` say where."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems[:5]))
        self.problems = problems


@dataclass
class CheckResult:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # node id -> config as validated (defaults filled in), for nodes whose config is valid
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "errors": [p.as_dict() for p in self.errors],
            "warnings": [p.as_dict() for p in self.warnings],
        }


def _depth(value: Any, limit: int) -> bool:
    """Whether ``value`` nests deeper than ``limit`` (iterative: safe against hostile input)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if level > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item)
    return False


def graph_parse(raw: Any) -> dict[str, Any]:
    """The graph in its stored shape, or ``GraphInvalid``.

    Keeps per node ``id``, ``type``, ``config``, ``position`` (and an optional ``label``), per
    edge ``id``, ``source``, ``sourceHandle``, ``target``; other keys the canvas may send are
    dropped. Configs are not checked here (drafts may be unfinished): see ``graph_check``.
    """
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        raise GraphInvalid([Problem("invalid_graph", _("A graph is an object with “nodes” and “edges”."))])
    if _depth(raw, MAX_DEPTH):
        raise GraphInvalid([Problem("too_deep", _("The graph is nested too deeply."))])
    try:
        size = len(json.dumps(raw, allow_nan=False))
    except (TypeError, ValueError):
        raise GraphInvalid([Problem("invalid_graph", _("The graph holds values that are not JSON."))]) from None
    if size > MAX_BYTES:
        raise GraphInvalid([Problem("too_large", _("The graph is too large (at most 1 MB)."))])
    if (bad := nul_path(raw)) is not None:
        raise GraphInvalid(
            [Problem("invalid_graph", _("Texts may not contain the NUL character (\\u0000)."), field=bad)]
        )
    nodes_raw, edges_raw = raw.get("nodes", []), raw.get("edges", [])
    if not isinstance(nodes_raw, list) or not isinstance(edges_raw, list):
        raise GraphInvalid([Problem("invalid_graph", _("“nodes” and “edges” must be lists."))])
    if len(nodes_raw) > MAX_NODES or len(edges_raw) > MAX_EDGES:
        raise GraphInvalid(
            [
                Problem(
                    "too_large",
                    _("A journey has at most %(n)s steps and %(e)s connections.") % {"n": MAX_NODES, "e": MAX_EDGES},
                )
            ]
        )
    nodes: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, node in enumerate(nodes_raw):
        where = f"nodes.{index}"
        if not isinstance(node, dict):
            problems.append(Problem("invalid_node", _("Each step is an object."), field=where))
            continue
        node_id = node.get("id")
        if not isinstance(node_id, str) or not _ID.fullmatch(node_id):
            problems.append(
                Problem("invalid_id", _("Each step needs an id: 1–100 letters, digits, _ . : -"), field=f"{where}.id")
            )
            continue
        if node_id in seen:
            problems.append(
                Problem(
                    "duplicate_id", _("Two steps have the id %(id)r.") % {"id": node_id}, node_id=node_id, field="id"
                )
            )
            continue
        seen.add(node_id)
        kind = node.get("type")
        if kind not in NODE_TYPES:
            problems.append(
                Problem(
                    "unknown_type", _("Unknown step type %(type)r.") % {"type": kind}, node_id=node_id, field="type"
                )
            )
            continue
        config = node.get("config", {})
        if config is None:
            config = {}
        if not isinstance(config, dict):
            problems.append(
                Problem("invalid_config", _("The settings of a step are an object."), node_id=node_id, field="config")
            )
            continue
        position = node.get("position")
        if not (isinstance(position, dict) and all(_is_number(position.get(axis)) for axis in ("x", "y"))):
            problems.append(
                Problem(
                    "invalid_position",
                    _("A step needs a position with numbers x and y."),
                    node_id=node_id,
                    field="position",
                )
            )
            continue
        clean: dict[str, Any] = {
            "id": node_id,
            "type": kind,
            "config": copy.deepcopy(config),
            "position": {"x": float(position["x"]), "y": float(position["y"])},
        }
        label = node.get("label")
        if label is not None:
            if not isinstance(label, str) or len(label) > 150:
                problems.append(
                    Problem(
                        "invalid_label",
                        _("A step's name is a text of at most 150 characters."),
                        node_id=node_id,
                        field="label",
                    )
                )
                continue
            if label.strip():
                clean["label"] = label.strip()
        nodes.append(clean)
    edges: list[dict[str, Any]] = []
    edge_ids: set[str] = set()
    for index, edge in enumerate(edges_raw):
        where = f"edges.{index}"
        if not isinstance(edge, dict):
            problems.append(Problem("invalid_edge", _("Each connection is an object."), field=where))
            continue
        edge_id = edge.get("id")
        if not isinstance(edge_id, str) or not _ID.fullmatch(edge_id):
            problems.append(
                Problem(
                    "invalid_id", _("Each connection needs an id: 1–100 letters, digits, _ . : -"), field=f"{where}.id"
                )
            )
            continue
        if edge_id in edge_ids:
            problems.append(
                Problem(
                    "duplicate_id",
                    _("Two connections have the id %(id)r.") % {"id": edge_id},
                    edge_id=edge_id,
                    field="id",
                )
            )
            continue
        edge_ids.add(edge_id)
        source, target, handle = edge.get("source"), edge.get("target"), edge.get("sourceHandle")
        if not isinstance(source, str) or not isinstance(target, str):
            problems.append(
                Problem(
                    "invalid_edge", _("A connection needs a source and a target step."), edge_id=edge_id, field="source"
                )
            )
            continue
        if handle is not None and (not isinstance(handle, str) or len(handle) > 100):
            problems.append(
                Problem("invalid_edge", _("An output name is a text."), edge_id=edge_id, field="sourceHandle")
            )
            continue
        edges.append({"id": edge_id, "source": source, "sourceHandle": handle or None, "target": target})
    if problems:
        raise GraphInvalid(problems)
    return {"nodes": nodes, "edges": edges}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value and abs(value) < 1e9


def config_check(kind: str, config: Mapping[str, Any]) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    """Validate one node's config: (validated config, {} ) or (None, {field path: messages})."""
    serializer = node_type(kind).Config(data=dict(config))
    if serializer.is_valid():
        return json_ready(serializer.validated_data), {}
    return None, flatten_errors(serializer.errors)


def graph_check(graph: Mapping[str, Any]) -> CheckResult:
    """Everything that keeps a parsed graph from being published, and what deserves a look."""
    result = CheckResult()
    nodes = {node["id"]: node for node in graph["nodes"]}
    types: dict[str, type[NodeType]] = {node_id: node_type(node["type"]) for node_id, node in nodes.items()}

    for node_id, node in nodes.items():
        validated, errors = config_check(node["type"], node["config"])
        for path, messages in errors.items():
            for message in messages:
                result.errors.append(
                    Problem("invalid_config", message, node_id=node_id, field=f"config.{path}" if path else "config")
                )
        if validated is not None:
            result.configs[node_id] = validated
            for field_name, message in types[node_id].warnings(validated):
                result.warnings.append(
                    Problem("config_warning", message, node_id=node_id, field=f"config.{field_name}")
                )

    triggers = [node_id for node_id, cls in types.items() if cls.is_trigger]
    if not triggers:
        result.errors.append(Problem("missing_trigger", _("Add a trigger: it decides who starts the journey.")))

    outgoing: dict[str, list[str]] = defaultdict(list)
    used_outputs: dict[tuple[str, str], str] = {}
    for edge in graph["edges"]:
        source, target = edge["source"], edge["target"]
        if source not in nodes:
            result.errors.append(
                Problem(
                    "dangling_edge",
                    _("This connection starts at a step that does not exist."),
                    edge_id=edge["id"],
                    field="source",
                )
            )
            continue
        if target not in nodes:
            result.errors.append(
                Problem(
                    "dangling_edge",
                    _("This connection leads to a step that does not exist."),
                    node_id=source,
                    edge_id=edge["id"],
                    field="target",
                )
            )
            continue
        config = result.configs.get(source, nodes[source]["config"])
        outputs = [o.key for o in types[source].outputs_for(config)]
        handle = edge["sourceHandle"] or ("next" if outputs == ["next"] else None)
        if handle is None or handle not in outputs:
            message = (
                _("This step has no outputs.")
                if not outputs
                else _("Connect from one of the outputs: %(outputs)s.") % {"outputs": ", ".join(outputs)}
            )
            result.errors.append(
                Problem("unknown_output", message, node_id=source, edge_id=edge["id"], field="sourceHandle")
            )
            continue
        if (source, handle) in used_outputs:
            result.errors.append(
                Problem(
                    "output_taken",
                    _("The output “%(output)s” is already connected.") % {"output": handle},
                    node_id=source,
                    edge_id=edge["id"],
                    field="sourceHandle",
                )
            )
            continue
        if types[target].is_trigger:
            result.errors.append(
                Problem(
                    "edge_into_trigger",
                    _("Nothing can lead into a trigger; it starts the journey."),
                    node_id=target,
                    edge_id=edge["id"],
                    field="target",
                )
            )
            continue
        used_outputs[(source, handle)] = edge["id"]
        outgoing[source].append(target)

    reachable = _reachable(triggers, outgoing)
    for node_id in nodes:
        if node_id not in reachable:
            result.errors.append(Problem("unreachable", _("No trigger leads to this step."), node_id=node_id))

    for cycle in _loops_without_pause(nodes, outgoing, types, result.configs):
        for node_id in cycle:
            result.errors.append(
                Problem(
                    "loop_without_wait",
                    _("This step is in a loop without a wait; contacts would go round forever."),
                    node_id=node_id,
                )
            )

    result.errors += _reference_problems(
        [
            (node_id, ref)
            for node_id, cls in types.items()
            if node_id in result.configs
            for ref in cls.references(result.configs[node_id])
        ]
    )

    for node_id, cls in types.items():
        config = result.configs.get(node_id)
        if config is None:
            continue
        for output in cls.outputs_for(config):
            if (node_id, output.key) not in used_outputs:
                result.warnings.append(
                    Problem(
                        "open_output",
                        _("Nothing is connected to “%(output)s”: contacts leaving this way end the journey here.")
                        % {"output": output.label},
                        node_id=node_id,
                        field=f"outputs.{output.key}",
                    )
                )
    return result


def _reachable(starts: Iterable[str], outgoing: Mapping[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        node_id = stack.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        stack.extend(outgoing.get(node_id, []))
    return seen


def _loops_without_pause(
    nodes: Mapping[str, Any],
    outgoing: Mapping[str, list[str]],
    types: Mapping[str, type[NodeType]],
    configs: Mapping[str, Mapping[str, Any]],
) -> list[list[str]]:
    """Strongly connected groups of steps (Tarjan, iterative) made only of steps that do not
    pause (a wait of 0 does not)."""
    busy = {
        node_id
        for node_id in nodes
        if not types[node_id].pauses_for(configs.get(node_id, nodes[node_id].get("config") or {}))
    }
    graph = {node_id: [t for t in outgoing.get(node_id, []) if t in busy] for node_id in busy}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    loops: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node_id, child = work.pop()
            if child == 0:
                index[node_id] = low[node_id] = counter
                counter += 1
                stack.append(node_id)
                on_stack.add(node_id)
            recurse = False
            targets = graph[node_id]
            for position in range(child, len(targets)):
                target = targets[position]
                if target not in index:
                    work.append((node_id, position + 1))
                    work.append((target, 0))
                    recurse = True
                    break
                if target in on_stack:
                    low[node_id] = min(low[node_id], index[target])
            if recurse:
                continue
            if low[node_id] == index[node_id]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node_id:
                        break
                if len(group) > 1 or node_id in graph[node_id]:
                    loops.append(sorted(group))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node_id])
    return loops


def _reference_problems(refs: list[tuple[str, Reference]]) -> list[Problem]:
    """Referenced rows that do not exist or are switched off, checked with one query per kind."""
    wanted: dict[str, set[Any]] = defaultdict(set)
    for _node_id, ref in refs:
        wanted[ref.to].add(ref.value)
    found: dict[str, dict[Any, bool]] = {
        "segment": dict(Segment.objects.filter(pk__in=wanted["segment"]).values_list("pk", "is_active")),
        "audience": dict(Audience.objects.filter(pk__in=wanted["audience"]).values_list("pk", "is_active")),
        "template": dict(EmailTemplate.objects.filter(pk__in=wanted["template"]).values_list("pk", "is_active")),
        "stage": dict(LifecycleStage.objects.filter(key__in=wanted["stage"]).values_list("key", "is_active")),
    }
    names = {
        "segment": _("segment"),
        "audience": _("audience"),
        "template": _("email template"),
        "stage": _("lifecycle stage"),
    }
    problems = []
    for node_id, ref in refs:
        state = found[ref.to].get(ref.value)
        if state is None:
            problems.append(
                Problem(
                    "missing_reference",
                    _("The %(kind)s %(value)r does not exist.") % {"kind": names[ref.to], "value": ref.value},
                    node_id=node_id,
                    field=f"config.{ref.field}",
                )
            )
        elif not state:
            problems.append(
                Problem(
                    "inactive_reference",
                    _("The %(kind)s %(value)r is switched off.") % {"kind": names[ref.to], "value": ref.value},
                    node_id=node_id,
                    field=f"config.{ref.field}",
                )
            )
    return problems
