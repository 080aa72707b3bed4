// The journey graph as the server stores it (docs/graph-format.md) and as React Flow draws it.
// A step keeps its journey type as React Flow's node `type`, so nothing is renamed either way;
// React Flow's own keys (selected, measured, dragging) are dropped on the way back.
import { gettext } from "../i18n.js";

// The outputs a step has now: fixed ones from the node type, or the ones its settings make
// (a split's branches, a wait for an event's event/timeout).
export function outputsOf(type, config = {}) {
  if (!type) return [];
  if (type.type === "split") {
    return (config.branches || [])
      .filter((b) => b && b.key)
      .map((b) => ({ key: b.key, label: `${b.label || b.key} (${b.percent ?? "?"} %)` }));
  }
  if (type.type === "wait" && config.mode === "event") {
    return [
      { key: "event", label: outputLabel("event") },
      { key: "timeout", label: outputLabel("timeout") },
    ];
  }
  return type.outputs.map((o) => ({ key: o.key, label: o.label }));
}

function outputLabel(key) {
  return { event: gettext("Event happened"), timeout: gettext("Time ran out") }[key] || key;
}

// Only steps with several ways out show the way on their connections.
export function edgeLabel(type, config, handle) {
  const outputs = outputsOf(type, config);
  if (outputs.length < 2) return undefined;
  return outputs.find((o) => o.key === handle)?.label || handle;
}

const SOLE_NEXT = (type, config) => {
  const outputs = outputsOf(type, config);
  return outputs.length === 1 && outputs[0].key === "next";
};

export function toFlow(graph, types) {
  const byId = {};
  const nodes = (graph?.nodes || []).map((n) => {
    byId[n.id] = n;
    return {
      id: n.id,
      type: n.type,
      position: { x: Number(n.position?.x) || 0, y: Number(n.position?.y) || 0 },
      data: { config: n.config || {}, label: n.label || "" },
    };
  });
  const edges = (graph?.edges || []).map((e) => {
    const source = byId[e.source];
    const type = source && types[source.type];
    const handle = e.sourceHandle || (type ? outputsOf(type, source.config)[0]?.key : null) || "next";
    return flowEdge({ id: e.id, source: e.source, sourceHandle: handle, target: e.target }, type, source?.config);
  });
  return { nodes, edges };
}

export function flowEdge(edge, type, config) {
  const label = edgeLabel(type, config || {}, edge.sourceHandle);
  return { ...edge, type: "step", label, data: undefined };
}

export function fromFlow(nodes, edges, types) {
  const byId = Object.fromEntries(nodes.map((n) => [n.id, n]));
  return {
    nodes: nodes.map((n) => {
      const out = {
        id: n.id,
        type: n.type,
        config: n.data.config || {},
        position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
      };
      if (n.data.label) out.label = n.data.label;
      return out;
    }),
    edges: edges.map((e) => {
      const source = byId[e.source];
      const sole = source && SOLE_NEXT(types[source.type], source.data.config);
      return { id: e.id, source: e.source, sourceHandle: sole && e.sourceHandle === "next" ? null : e.sourceHandle, target: e.target };
    }),
  };
}

// "send_email-3": readable, unique, and within the id rules (letters, digits, _ . : -).
export function freshId(prefix, taken) {
  let n = 1;
  while (taken.has(`${prefix}-${n}`)) n += 1;
  return `${prefix}-${n}`;
}

// Default settings of a new step, from its schema's defaults.
export function defaultsOf(schema) {
  const out = {};
  for (const field of schema || []) {
    if (field.default !== undefined) out[field.name] = structuredClone(field.default);
    else if (field.type === "object" && field.required) out[field.name] = defaultsOf(field.fields);
  }
  return out;
}

// Problems from the validator or from a refused save, per step and per setting.
// Validator: {node_id, edge_id, field: "config.rule", code, message}.
// Refused save: fields {"graph.nodes[<id>].config.amount": ["…"]}.
export function problemsIndex(errors = [], warnings = []) {
  const index = { nodes: {}, edges: {}, general: [], warnings, errors, count: errors.length };
  for (const problem of errors) {
    if (problem.node_id) {
      const entry = (index.nodes[problem.node_id] ||= { messages: [], fields: {} });
      if (problem.field && problem.field.startsWith("config.")) {
        (entry.fields[problem.field.slice(7)] ||= []).push(problem.message);
      } else if (problem.field === "label") {
        (entry.fields.$label ||= []).push(problem.message);
      } else {
        entry.messages.push(problem.message);
      }
    } else if (problem.edge_id) {
      (index.edges[problem.edge_id] ||= []).push(problem.message);
    } else {
      index.general.push(problem);
    }
  }
  return index;
}

export function problemsFromRefusal(fields) {
  const errors = [];
  for (const [path, messages] of Object.entries(fields || {})) {
    const match = path.match(/^graph\.nodes\[(.+?)\]\.?(.*)$/);
    for (const message of messages) {
      if (match) errors.push({ node_id: match[1], field: match[2] || null, code: "refused", message });
      else errors.push({ node_id: null, field: path, code: "refused", message });
    }
  }
  return errors;
}
