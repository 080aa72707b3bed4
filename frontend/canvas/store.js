// The editor's state: the graph React Flow draws, its undo history, and what the server told us
// (problems, live counts, a test run). One zustand store (React Flow itself runs on zustand), so a
// step re-renders only when its own slice changes, not on every mouse move elsewhere.
import { applyEdgeChanges, applyNodeChanges } from "@xyflow/react";
import { create } from "zustand";
import { defaultsOf, flowEdge, freshId, fromFlow, outputsOf, problemsIndex, toFlow } from "./graph.js";

const HISTORY = 200;
const COALESCE_MS = 1200; // typing into one field is one undo step

let clipboard = null; // {nodes, edges} copied in this tab (also kept in localStorage)
const CLIPBOARD_KEY = "flowbuilder.canvas.clipboard";

export const useEditor = create((set, get) => {
  const locked = () => get().readOnly || Boolean(get().viewing);
  return {
  types: {}, // kind -> node type from GET /api/v1/node-types/
  lookups: {}, // templates, segments, audiences, stages, eventNames, attributeNames
  readOnly: false,
  viewing: null, // a version shown read-only: {number, graph}
  nodes: [],
  edges: [],
  settings: {},
  meta: { name: "", description: "" },
  past: [],
  future: [],
  lastCommit: null,
  revision: 0, // bumps on every change the server should store
  problems: problemsIndex(),
  live: { nodes: {}, status: "connecting", at: null },
  reconnecting: null, // the id of an edge whose end is being dragged to another step
  trace: null, // a test run: {steps: {nodeId: step}, edges: Set("source|output"), result}

  init({ types, lookups, graph, settings, meta, readOnly }) {
    const flow = toFlow(graph, types);
    set({ types, lookups, readOnly, ...flow, settings: settings || {}, meta, past: [], future: [], revision: 0 });
  },

  document() {
    const { nodes, edges, types } = get();
    return fromFlow(nodes, edges, types);
  },

  // Remember the graph before a change, for undo. `key` coalesces a burst of the same change.
  checkpoint(key = null) {
    const { nodes, edges, settings, meta, past, lastCommit } = get();
    const now = Date.now();
    if (key && lastCommit && lastCommit.key === key && now - lastCommit.at < COALESCE_MS) {
      set({ lastCommit: { key, at: now } });
      return;
    }
    set({ past: [...past.slice(-HISTORY + 1), { nodes, edges, settings, meta }], future: [], lastCommit: key ? { key, at: now } : null });
  },

  changed(patch) {
    set((s) => ({ ...patch, revision: s.revision + 1 }));
  },

  undo() {
    const { past, future, nodes, edges, settings, meta } = get();
    if (locked() || !past.length) return;
    const previous = past[past.length - 1];
    set({ past: past.slice(0, -1), future: [{ nodes, edges, settings, meta }, ...future], lastCommit: null });
    get().changed(previous);
  },

  redo() {
    const { past, future, nodes, edges, settings, meta } = get();
    if (locked() || !future.length) return;
    const next = future[0];
    set({ future: future.slice(1), past: [...past, { nodes, edges, settings, meta }], lastCommit: null });
    get().changed(next);
  },

  onNodesChange(changes) {
    const { nodes } = get();
    const allowed = locked() ? changes.filter((c) => c.type === "select" || c.type === "dimensions") : changes;
    if (!allowed.length) return;
    const removing = allowed.some((c) => c.type === "remove");
    if (removing) get().checkpoint();
    const next = applyNodeChanges(allowed, nodes);
    // A drag's last move (dragging: false) or a removal is a change worth saving.
    const saves = allowed.some((c) => c.type === "remove" || (c.type === "position" && c.dragging === false));
    if (saves) get().changed({ nodes: next });
    else set({ nodes: next });
  },

  onEdgesChange(changes) {
    const { edges } = get();
    const allowed = locked() ? changes.filter((c) => c.type === "select") : changes;
    if (!allowed.length) return;
    const removing = allowed.some((c) => c.type === "remove");
    if (removing) get().checkpoint();
    const next = applyEdgeChanges(allowed, edges);
    if (removing) get().changed({ edges: next });
    else set({ edges: next });
  },

  // Whether a connection may be made: one connection per output, nothing into a trigger or itself.
  // While an edge's end is dragged elsewhere (`reconnecting`), its own output does not count as taken.
  canConnect({ source, sourceHandle, target }) {
    const { nodes, edges: all, types, reconnecting } = get();
    const edges = reconnecting ? all.filter((e) => e.id !== reconnecting) : all;
    if (!source || !target || source === target) return false;
    const targetNode = nodes.find((n) => n.id === target);
    if (!targetNode || types[targetNode.type]?.is_trigger) return false;
    const sourceNode = nodes.find((n) => n.id === source);
    const handle = sourceHandle || outputsOf(types[sourceNode?.type], sourceNode?.data.config)[0]?.key;
    return !edges.some((e) => e.source === source && e.sourceHandle === handle);
  },

  // The edge a connection makes (its output defaulting to the step's first), or null when it may not be made.
  edgeFor(connection, id) {
    if (locked() || !get().canConnect(connection)) return null;
    const { nodes, types } = get();
    const source = nodes.find((n) => n.id === connection.source);
    const type = types[source.type];
    const sourceHandle = connection.sourceHandle || outputsOf(type, source.data.config)[0]?.key || "next";
    return flowEdge({ id, source: connection.source, sourceHandle, target: connection.target }, type, source.data.config);
  },

  connect(connection) {
    const { edges } = get();
    const edge = get().edgeFor(connection, freshId("e", new Set(edges.map((e) => e.id))));
    if (!edge) return;
    get().checkpoint();
    get().changed({ edges: [...edges, edge] });
  },

  // Dragging one end of a connection to another step (or output): the same checks as drawing it.
  reconnect(old, connection) {
    const edge = get().edgeFor(connection, old.id);
    if (!edge || (edge.source === old.source && edge.sourceHandle === old.sourceHandle && edge.target === old.target)) return;
    get().checkpoint();
    get().changed({ edges: get().edges.map((e) => (e.id === old.id ? edge : e)) });
  },

  addNode(kind, position, { connectFrom } = {}) {
    const { types, nodes, edges } = get();
    const type = types[kind];
    if (locked() || !type) return null;
    get().checkpoint();
    const id = freshId(kind.replace(/_/g, "-"), new Set(nodes.map((n) => n.id)));
    const node = { id, type: kind, position, data: { config: defaultsOf(type.config_schema), label: "" }, selected: true };
    const patch = { nodes: [...nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node] };
    if (connectFrom) {
      const edgeId = freshId("e", new Set(edges.map((e) => e.id)));
      const src = nodes.find((n) => n.id === connectFrom.source);
      patch.edges = [...edges, flowEdge({ id: edgeId, source: connectFrom.source, sourceHandle: connectFrom.sourceHandle, target: id }, types[src.type], src.data.config)];
    }
    get().changed(patch);
    return id;
  },

  updateNode(id, { config, label }, key) {
    const { nodes, edges, types } = get();
    if (locked()) return;
    get().checkpoint(key ? `${id}:${key}` : null);
    const node = nodes.find((n) => n.id === id);
    if (!node) return;
    const data = { ...node.data, ...(config !== undefined ? { config } : {}), ...(label !== undefined ? { label } : {}) };
    const patch = { nodes: nodes.map((n) => (n.id === id ? { ...n, data } : n)) };
    if (config !== undefined) {
      // The outputs may follow the settings: relabel this step's connections, drop ones whose output is gone.
      const type = types[node.type];
      const keys = new Set(outputsOf(type, config).map((o) => o.key));
      patch.edges = edges
        .filter((e) => e.source !== id || keys.has(e.sourceHandle))
        .map((e) => (e.source === id ? flowEdge({ id: e.id, source: e.source, sourceHandle: e.sourceHandle, target: e.target, selected: e.selected }, type, config) : e));
    }
    get().changed(patch);
  },

  updateJourney({ settings, meta }, key) {
    if (locked()) return;
    get().checkpoint(key ? `journey:${key}` : null);
    get().changed({ ...(settings ? { settings } : {}), ...(meta ? { meta: { ...get().meta, ...meta } } : {}) });
  },

  deleteSelected() {
    const { nodes, edges } = get();
    if (locked()) return;
    const gone = new Set(nodes.filter((n) => n.selected).map((n) => n.id));
    const keptEdges = edges.filter((e) => !e.selected && !gone.has(e.source) && !gone.has(e.target));
    if (!gone.size && keptEdges.length === edges.length) return;
    get().checkpoint();
    get().changed({ nodes: nodes.filter((n) => !gone.has(n.id)), edges: keptEdges });
  },

  selectAll() {
    set((s) => ({ nodes: s.nodes.map((n) => ({ ...n, selected: true })) }));
  },

  selectOnly(id) {
    set((s) => ({
      nodes: s.nodes.map((n) => (n.selected === (n.id === id) ? n : { ...n, selected: n.id === id })),
      edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
    }));
  },

  copySelected() {
    const { nodes, edges } = get();
    const picked = nodes.filter((n) => n.selected);
    if (!picked.length) return 0;
    const ids = new Set(picked.map((n) => n.id));
    clipboard = {
      nodes: picked.map(({ id, type, position, data }) => ({ id, type, position, data })),
      edges: edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map(({ id, source, sourceHandle, target }) => ({ id, source, sourceHandle, target })),
    };
    try {
      localStorage.setItem(CLIPBOARD_KEY, JSON.stringify(clipboard));
    } catch {
      // private mode or full storage: the in-memory copy still works in this tab
    }
    return picked.length;
  },

  paste(offset = { x: 40, y: 40 }) {
    let source = clipboard;
    try {
      source = JSON.parse(localStorage.getItem(CLIPBOARD_KEY)) || clipboard;
    } catch {
      // keep the in-memory copy
    }
    const { nodes, edges, types } = get();
    if (locked() || !source?.nodes?.length) return 0;
    const known = source.nodes.filter((n) => types[n.type]);
    const takenNodes = new Set(nodes.map((n) => n.id));
    const takenEdges = new Set(edges.map((e) => e.id));
    const rename = {};
    const added = known.map((n) => {
      const id = freshId(n.type.replace(/_/g, "-"), takenNodes);
      takenNodes.add(id);
      rename[n.id] = id;
      return { id, type: n.type, position: { x: n.position.x + offset.x, y: n.position.y + offset.y }, data: structuredClone(n.data), selected: true };
    });
    const addedEdges = source.edges
      .filter((e) => rename[e.source] && rename[e.target])
      .map((e) => {
        const id = freshId("e", takenEdges);
        takenEdges.add(id);
        const src = added.find((n) => n.id === rename[e.source]);
        return flowEdge({ id, source: rename[e.source], sourceHandle: e.sourceHandle, target: rename[e.target] }, types[src.type], src.data.config);
      });
    get().checkpoint();
    get().changed({
      nodes: [...nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...added],
      edges: [...edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...addedEdges],
    });
    return added.length;
  },

  duplicateSelected() {
    if (get().copySelected()) get().paste();
  },

  nudge(dx, dy) {
    const { nodes } = get();
    if (locked() || !nodes.some((n) => n.selected)) return;
    get().checkpoint("nudge");
    get().changed({ nodes: nodes.map((n) => (n.selected ? { ...n, position: { x: n.position.x + dx, y: n.position.y + dy } } : n)) });
  },

  // Restoring a version, or starting the empty draft from a ready-made journey (then with its
  // name and description too): one undoable change.
  replaceGraph(graph, settings, meta) {
    get().checkpoint();
    const flow = toFlow(graph, get().types);
    get().changed({ ...flow, ...(settings ? { settings } : {}), ...(meta ? { meta: { ...get().meta, ...meta } } : {}) });
  },

  // Look at a published version read-only; the draft waits untouched (and unsaved-free) meanwhile.
  viewVersion(version) {
    const { viewing, nodes, edges, settings, types } = get();
    const backup = viewing ? viewing.backup : { nodes, edges, settings };
    set({ viewing: { number: version.number, version, backup }, ...toFlow(version.graph, types), settings: version.settings || {} });
  },

  leaveVersion() {
    const { viewing } = get();
    if (!viewing) return;
    set({ viewing: null, ...viewing.backup });
  },

  setProblems(errors, warnings) {
    set({ problems: problemsIndex(errors, warnings) });
  },

  setLive(live) {
    set((s) => ({ live: { ...s.live, ...live } }));
  },

  setTrace(result) {
    if (!result) {
      set({ trace: null });
      return;
    }
    const steps = {};
    const lit = new Set();
    for (const step of result.path) {
      steps[step.node_id] = step;
      if (step.output) lit.add(`${step.node_id}|${step.output}`);
    }
    set({ trace: { steps, edges: lit, result } });
  },
  };
});

// The subscription helper for "has the saved document changed": revision only.
export const selectRevision = (s) => s.revision;
