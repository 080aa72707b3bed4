// The journey editor: toolbar, palette | canvas | inspector, and the dialogs. State lives in
// store.js; this file wires React Flow, the keyboard and the server together.
import {
  Background,
  BackgroundVariant,
  Controls,
  MarkerType,
  MiniMap,
  Panel,
  ReactFlow,
  SelectionMode,
  useReactFlow,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api } from "../api.js";
import { Icon } from "../icon.jsx";
import { gettext, interpolate, ngettext } from "../i18n.js";
import {
  ContextMenu,
  EmailPreview,
  NodeContactsDialog,
  PublishDialog,
  SettingsDrawer,
  ShortcutsDialog,
  TestRunPanel,
  ValidationDialog,
  VersionsPanel,
} from "./dialogs.jsx";
import { outputsOf } from "./graph.js";
import { useAutosave, useLiveCounts } from "./hooks.js";
import { Inspector } from "./Inspector.jsx";
import { StepNode } from "./nodes/StepNode.jsx";
import { DRAG_TYPE, Palette } from "./Palette.jsx";
import { useEditor } from "./store.js";
import { keyLabel } from "./keys.js";

const GRID = 15;
const STEP_WIDTH = 240;
const defaultEdgeOptions = { type: "smoothstep", markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 } };
const fitViewOptions = { maxZoom: 1, padding: 0.15 };

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

const NOT_SAVED = () => gettext("Your latest changes are not saved, so this would check or publish an older draft. See the save state at the top.");

function SaveState({ save }) {
  const labels = {
    saved: gettext("All changes saved"),
    unsaved: gettext("Unsaved changes…"),
    saving: gettext("Saving…"),
    failed: gettext("Not saved"),
    conflict: gettext("Changed elsewhere"),
  };
  const trouble = save.status === "failed" || save.status === "conflict";
  return (
    <span className={`save-indicator save-${save.status}`} role="status" title={save.message || labels[save.status]}>
      <Icon name={trouble ? "circle-alert" : save.status === "saved" ? "circle-check" : "save"} />
      <span>{labels[save.status]}</span>
      {save.status === "failed" && (
        <>
          <span className="save-message">{save.message}</span>
          <button type="button" className="link-button" onClick={() => save.saveNow()}>{gettext("Try again")}</button>
        </>
      )}
    </span>
  );
}

// Another tab or person saved the draft after this tab opened it: say so across the editor and
// let the marketer choose; nothing is saved over theirs until then.
function ConflictBanner({ save }) {
  if (save.status !== "conflict") return null;
  return (
    <div className="alert alert-warning canvas-conflict" role="alert">
      <Icon name="circle-alert" />
      <span>{save.message}</span>
      <span className="toolbar-spacer" />
      <button type="button" className="button button-small" onClick={save.reload}>{gettext("Load their version")}</button>
      <button type="button" className="button button-small" onClick={() => save.keepMine()} title={gettext("Save this tab’s version over theirs")}>{gettext("Keep mine")}</button>
    </div>
  );
}

function LiveIndicator() {
  const status = useEditor((s) => s.live.status);
  const labels = {
    connecting: gettext("Connecting…"),
    live: gettext("Live"),
    polling: gettext("Live (refreshing every few seconds)"),
    offline: gettext("Live counts unavailable"),
  };
  return (
    <span className={`live-indicator live-${status}`} role="status" title={labels[status]}>
      <span className="live-dot" aria-hidden="true" />
      {labels[status]}
    </span>
  );
}

function Toast({ toast, onDone }) {
  useEffect(() => {
    if (!toast) return undefined;
    const timer = setTimeout(onDone, 4000);
    return () => clearTimeout(timer);
  }, [toast]);
  if (!toast) return null;
  return <div className={`toast toast-${toast.kind || "info"}`} role="status">{toast.text}</div>;
}

export function Editor({ data, typesList, settingsSchema }) {
  const flow = useReactFlow();
  const nodes = useEditor((s) => s.nodes);
  const edges = useEditor((s) => s.edges);
  const trace = useEditor((s) => s.trace);
  const edgeProblems = useEditor((s) => s.problems.edges);
  const viewing = useEditor((s) => s.viewing);
  const canUndo = useEditor((s) => s.past.length > 0);
  const canRedo = useEditor((s) => s.future.length > 0);
  const store = useEditor.getState();
  const readOnly = !data.canEdit;
  const locked = readOnly || Boolean(viewing);
  const [journey, setJourney] = useState({ status: data.journey.status, liveVersion: data.journey.live_version });
  const [dialog, setDialog] = useState(null); // {kind, ...}
  const [drawer, setDrawer] = useState(null); // "settings" | "versions" | "test"
  const [menu, setMenu] = useState(null);
  const [toast, setToast] = useState(null);
  const liveValidation = useRef(false);
  // Fit the view to the journey it opens with; an empty one starts at 100 % (fitting the first
  // dropped step would zoom and pan under the marketer's hand).
  const [fitOnOpen] = useState(() => useEditor.getState().nodes.length > 0);
  const wrapper = useRef();
  const urls = data.urls;

  const validate = useCallback(async () => {
    const check = await api(urls.validate, { method: "POST" });
    useEditor.getState().setProblems(check.errors, check.warnings);
    return check;
  }, [urls.validate]);
  const revalidate = useCallback(() => {
    if (liveValidation.current) validate().catch(() => {});
  }, [validate]);
  const save = useAutosave({ url: urls.journey, enabled: !readOnly, revalidate, draftRevision: data.journey.draft_revision });
  useLiveCounts({ journeyId: data.journey.id, pollUrl: urls.live, enabled: true });

  // React Flow wants the same object every render: one component for every journey type.
  const types = useEditor((s) => s.types);
  const nodeTypes = useMemo(() => Object.fromEntries(Object.keys(types).map((kind) => [kind, StepNode])), [types]);
  const shownEdges = useMemo(() => {
    if (!trace && !Object.keys(edgeProblems).length) return edges;
    return edges.map((e) => {
      const lit = trace?.edges.has(`${e.source}|${e.sourceHandle}`);
      const bad = edgeProblems[e.id];
      if (!lit && !bad && !trace) return e;
      return { ...e, className: [lit && "is-lit", trace && !lit && "is-dimmed", bad && "has-problems"].filter(Boolean).join(" "), animated: Boolean(lit) };
    });
  }, [edges, trace, edgeProblems]);

  // Where a click-added step goes: under the selected step (connected to its first free output),
  // else in the middle of what is on screen.
  const addFromPalette = useCallback((kind) => {
    const { nodes: all, edges: links, types: known } = useEditor.getState();
    const anchor = all.find((n) => n.selected);
    let position;
    let connectFrom = null;
    if (anchor) {
      const height = anchor.measured?.height || 110;
      position = { x: anchor.position.x, y: anchor.position.y + height + 60 };
      const free = outputsOf(known[anchor.type], anchor.data.config).find((o) => !links.some((e) => e.source === anchor.id && e.sourceHandle === o.key));
      if (free && !known[kind]?.is_trigger) connectFrom = { source: anchor.id, sourceHandle: free.key };
    } else {
      const box = wrapper.current.getBoundingClientRect();
      position = flow.screenToFlowPosition({ x: box.left + box.width / 2 - STEP_WIDTH / 2, y: box.top + box.height / 3 });
    }
    position = { x: Math.round(position.x / GRID) * GRID, y: Math.round(position.y / GRID) * GRID };
    useEditor.getState().addNode(kind, position, { connectFrom });
  }, [flow]);

  const onDrop = useCallback((event) => {
    event.preventDefault();
    const kind = event.dataTransfer.getData(DRAG_TYPE);
    if (!kind || locked) return;
    const point = flow.screenToFlowPosition({ x: event.clientX - STEP_WIDTH / 2, y: event.clientY - 24 });
    useEditor.getState().addNode(kind, { x: Math.round(point.x / GRID) * GRID, y: Math.round(point.y / GRID) * GRID });
  }, [flow, locked]);

  const onDragOver = useCallback((event) => {
    if (event.dataTransfer.types.includes(DRAG_TYPE)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
    }
  }, []);

  // Keyboard shortcuts, unless the focus is in a form field.
  useEffect(() => {
    const onKey = (event) => {
      if (typing(event.target) || dialog) return;
      const s = useEditor.getState();
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      if (mod && key === "s") {
        event.preventDefault();
        save.saveNow();
      } else if (mod && key === "z") {
        event.preventDefault();
        if (event.shiftKey) s.redo();
        else s.undo();
      } else if (mod && key === "y") {
        event.preventDefault();
        s.redo();
      } else if (mod && key === "c") {
        s.copySelected();
      } else if (mod && key === "v") {
        event.preventDefault();
        s.paste();
      } else if (mod && key === "d") {
        event.preventDefault();
        s.duplicateSelected();
      } else if (mod && key === "a") {
        event.preventDefault();
        s.selectAll();
      } else if (!mod && (event.key === "Delete" || event.key === "Backspace")) {
        event.preventDefault();
        s.deleteSelected();
      } else if (!mod && event.key.startsWith("Arrow") && s.nodes.some((n) => n.selected)) {
        event.preventDefault();
        const step = event.shiftKey ? GRID * 4 : GRID;
        const [dx, dy] = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[event.key];
        s.nudge(dx, dy);
      } else if (event.key === "?") {
        setDialog({ kind: "shortcuts" });
      } else if (event.key === "Escape") {
        s.selectOnly(null);
        setMenu(null);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [dialog, save.saveNow]);

  // Badges and test-run steps ask for dialogs through window events (they live inside React Flow).
  useEffect(() => {
    const contacts = (e) => setDialog({ kind: "contacts", request: e.detail });
    const preview = (e) => {
      const step = useEditor.getState().trace?.steps[e.detail.id];
      if (step?.email) setDialog({ kind: "email", email: step.email });
    };
    window.addEventListener("canvas:node-contacts", contacts);
    window.addEventListener("canvas:email-preview", preview);
    return () => {
      window.removeEventListener("canvas:node-contacts", contacts);
      window.removeEventListener("canvas:email-preview", preview);
    };
  }, []);

  async function runValidate() {
    liveValidation.current = true;
    try {
      if (!(await save.saveNow())) throw new Error(NOT_SAVED());
      setDialog({ kind: "validation", check: await validate() });
    } catch (e) {
      setToast({ kind: "error", text: e.message });
    }
  }

  function openPublish() {
    liveValidation.current = true;
    setDialog({ kind: "publish" });
  }

  async function setStatus(action) {
    try {
      const result = await api(action === "pause" ? urls.pause : urls.resume, { method: "POST" });
      setJourney((j) => ({ ...j, status: result.status }));
      setToast({ text: action === "pause" ? gettext("Paused: nobody enters or moves on until you resume.") : gettext("Resumed: contacts move on again.") });
    } catch (e) {
      setToast({ kind: "error", text: e.message });
    }
  }

  async function importFile(file) {
    try {
      const document = JSON.parse(await file.text());
      const created = await api(urls.import, { method: "POST", body: document });
      window.location.assign(urls.editor.replace("__id__", String(created.id)));
    } catch (e) {
      setToast({ kind: "error", text: e instanceof SyntaxError ? gettext("That file is not a journey export (not valid JSON).") : e.message });
    }
  }

  // The page's heading and the tab's title follow the journey's name as it is edited.
  const name = useEditor((s) => s.meta.name);
  useEffect(() => {
    if (!name) return;
    const heading = document.querySelector(".topbar-title h1");
    if (heading) heading.textContent = name;
    document.title = `${name} · Flowbuilder`;
  }, [name]);

  const [starting, setStarting] = useState(null);
  async function startFrom(item) {
    setStarting(item.key);
    try {
      const found = await api(urls.galleryJourney.replace("__key__", encodeURIComponent(item.key)));
      const meta = {};
      if (data.untitled) meta.name = found.name;
      if (!useEditor.getState().meta.description) meta.description = found.description;
      useEditor.getState().replaceGraph(found.graph, found.settings, meta);
      window.requestAnimationFrame(() => flow.fitView(fitViewOptions)); // once React Flow has measured the steps
      const missing = found.unresolved.filter((u) => u.node_id);
      useEditor.getState().setProblems(missing.map((u) => ({ node_id: u.node_id, field: u.field, code: "unresolved", message: u.message })), []);
      const undo = keyLabel("Ctrl+Z");
      setToast({
        text: found.unresolved.length
          ? interpolate(ngettext("Started from “%(name)s”. %(n)s field names something this workspace does not have yet: it is marked, pick it. Undo (%(keys)s) empties the journey again.", "Started from “%(name)s”. %(n)s fields name something this workspace does not have yet: they are marked, pick them. Undo (%(keys)s) empties the journey again.", found.unresolved.length), { name: found.name, n: found.unresolved.length, keys: undo })
          : interpolate(gettext("Started from “%(name)s”. Undo (%(keys)s) empties the journey again."), { name: found.name, keys: undo }),
      });
    } catch (e) {
      setToast({ kind: "error", text: e.message });
    } finally {
      setStarting(null);
    }
  }

  function restore(version) {
    useEditor.getState().leaveVersion();
    useEditor.getState().replaceGraph(version.graph, version.settings);
    setDrawer(null);
    setToast({ text: interpolate(gettext("Version %(n)s is now the draft. Undo (%(keys)s) brings your previous draft back."), { n: version.number, keys: keyLabel("Ctrl+Z") }) });
  }

  const nodeMenu = (event, node) => {
    event.preventDefault();
    const s = useEditor.getState();
    if (!node.selected) s.selectOnly(node.id);
    setMenu({
      x: event.clientX,
      y: event.clientY,
      items: [
        { label: gettext("Contacts here"), icon: "users", run: () => setDialog({ kind: "contacts", request: { id: node.id, state: "waiting" } }) },
        { label: gettext("Duplicate"), icon: "copy", keys: "Ctrl+D", disabled: locked, run: () => s.duplicateSelected() },
        { label: gettext("Copy"), icon: "copy", keys: "Ctrl+C", run: () => s.copySelected() },
        { label: gettext("Delete"), icon: "trash-2", keys: "Del", danger: true, disabled: locked, run: () => s.deleteSelected() },
      ],
    });
  };
  const paneMenu = (event) => {
    event.preventDefault();
    const s = useEditor.getState();
    const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
    setMenu({
      x: event.clientX,
      y: event.clientY,
      items: [
        {
          label: gettext("Paste here"), icon: "copy", keys: "Ctrl+V", disabled: locked,
          run: () => {
            const first = JSON.parse(localStorage.getItem("flowbuilder.canvas.clipboard") || "null")?.nodes?.[0];
            s.paste(first ? { x: at.x - first.position.x, y: at.y - first.position.y } : undefined);
          },
        },
        { label: gettext("Select all"), keys: "Ctrl+A", run: () => s.selectAll() },
        { label: gettext("Fit to screen"), icon: "monitor", run: () => flow.fitView(fitViewOptions) },
        { label: gettext("Undo"), keys: "Ctrl+Z", disabled: locked || !s.past.length, run: () => s.undo() },
        { label: gettext("Redo"), keys: "Ctrl+Shift+Z", disabled: locked || !s.future.length, run: () => s.redo() },
        { label: gettext("Keyboard shortcuts"), keys: "?", run: () => setDialog({ kind: "shortcuts" }) },
      ],
    });
  };
  const edgeMenu = (event, edge) => {
    event.preventDefault();
    setMenu({
      x: event.clientX,
      y: event.clientY,
      items: [{
        label: gettext("Delete connection"), icon: "trash-2", danger: true, disabled: locked,
        run: () => useEditor.getState().onEdgesChange([{ type: "remove", id: edge.id }]),
      }],
    });
  };

  const statusLabels = { draft: gettext("Draft"), active: gettext("Active"), paused: gettext("Paused"), archived: gettext("Archived") };
  return (
    <div className="canvas-app">
      <div className="canvas-toolbar" role="toolbar" aria-label={gettext("Journey")}>
        <span className={`badge badge-journey-${journey.status}`}>{statusLabels[journey.status]}</span>
        <span className="muted toolbar-version">{journey.liveVersion ? interpolate(gettext("Live: version %(n)s"), { n: journey.liveVersion }) : gettext("Not published")}</span>
        {readOnly ? <span className="badge badge-viewer">{gettext("View only")}</span> : <SaveState save={save} />}
        <span className="toolbar-spacer" />
        {!readOnly && (
          <>
            <button type="button" className="icon-button" onClick={() => store.undo()} disabled={!canUndo || locked} aria-label={gettext("Undo")} title={`${gettext("Undo")} (${keyLabel("Ctrl+Z")})`}><span aria-hidden="true">↶</span></button>
            <button type="button" className="icon-button" onClick={() => store.redo()} disabled={!canRedo || locked} aria-label={gettext("Redo")} title={`${gettext("Redo")} (${keyLabel("Ctrl+Shift+Z")})`}><span aria-hidden="true">↷</span></button>
          </>
        )}
        <button type="button" className="button button-small" onClick={runValidate}><Icon name="circle-check" />{gettext("Validate")}</button>
        <button type="button" className={`button button-small${drawer === "test" ? " is-on" : ""}`} onClick={() => setDrawer(drawer === "test" ? null : "test")}><Icon name="zap" />{gettext("Test run")}</button>
        <button type="button" className={`button button-small${drawer === "versions" ? " is-on" : ""}`} onClick={() => setDrawer(drawer === "versions" ? null : "versions")}><Icon name="file-text" />{gettext("Versions")}</button>
        <button type="button" className={`button button-small${drawer === "settings" ? " is-on" : ""}`} onClick={() => setDrawer(drawer === "settings" ? null : "settings")}><Icon name="settings" />{gettext("Settings")}</button>
        <details className="toolbar-more" data-menu>
          <summary className="button button-small" aria-label={gettext("More")}>⋯</summary>
          <div className="menu-panel" role="menu">
            <a role="menuitem" href={urls.export} download={`${data.journey.name}.json`}><Icon name="external-link" />{gettext("Export JSON")}</a>
            {!readOnly && (
              <label role="menuitem" className="menu-file">
                <Icon name="upload" />{gettext("Import JSON as a new journey")}
                <input type="file" accept="application/json,.json" className="visually-hidden" onChange={(e) => e.target.files[0] && importFile(e.target.files[0])} />
              </label>
            )}
            <button type="button" role="menuitem" onClick={() => setDialog({ kind: "shortcuts" })}><Icon name="book-open" />{gettext("Keyboard shortcuts")}</button>
          </div>
        </details>
        {!readOnly && journey.status === "active" && <button type="button" className="button button-small" onClick={() => setStatus("pause")}>{gettext("Pause")}</button>}
        {!readOnly && journey.status === "paused" && <button type="button" className="button button-small" onClick={() => setStatus("resume")}>{gettext("Resume")}</button>}
        {!readOnly && journey.status !== "archived" && <button type="button" className="button button-small button-primary" onClick={openPublish} disabled={Boolean(viewing)}><Icon name="send" />{gettext("Publish")}</button>}
      </div>
      {!readOnly && <ConflictBanner save={save} />}
      <div className="canvas-main">
        <Palette types={typesList} onAdd={addFromPalette} readOnly={locked} />
        <div className="canvas-area" ref={wrapper} onDrop={onDrop} onDragOver={onDragOver}>
          <ReactFlow
            nodes={nodes}
            edges={shownEdges}
            nodeTypes={nodeTypes}
            onNodesChange={store.onNodesChange}
            onEdgesChange={store.onEdgesChange}
            onConnect={store.connect}
            isValidConnection={store.canConnect}
            onNodeDragStart={() => useEditor.getState().checkpoint()}
            onSelectionDragStart={() => useEditor.getState().checkpoint()}
            onNodeContextMenu={nodeMenu}
            onPaneContextMenu={paneMenu}
            onSelectionContextMenu={(e) => { e.preventDefault(); const first = useEditor.getState().nodes.find((n) => n.selected); if (first) nodeMenu(e, first); }}
            onEdgeContextMenu={edgeMenu}
            onPaneClick={() => setMenu(null)}
            defaultEdgeOptions={defaultEdgeOptions}
            nodesDraggable={!locked}
            nodesConnectable={!locked}
            edgesReconnectable={!locked}
            onReconnectStart={(_event, edge) => useEditor.setState({ reconnecting: edge.id })}
            onReconnect={(old, connection) => useEditor.getState().reconnect(old, connection)}
            onReconnectEnd={() => useEditor.setState({ reconnecting: null })}
            deleteKeyCode={null}
            selectionKeyCode="Shift"
            multiSelectionKeyCode={["Shift", "Meta", "Control"]}
            selectionMode={SelectionMode.Partial}
            snapToGrid
            snapGrid={[GRID, GRID]}
            fitView={fitOnOpen}
            fitViewOptions={fitViewOptions}
            minZoom={0.2}
            maxZoom={2}
            connectionRadius={30}
            onlyRenderVisibleElements={nodes.length > 80}
            proOptions={{ hideAttribution: false }}
            onInit={() => {
              window.__journeyEditorInteractive = performance.now(); // read by the browser test's timing report
            }}
          >
            <Background variant={BackgroundVariant.Dots} gap={GRID} size={1} />
            <Controls showInteractive={false} />
            <MiniMap pannable zoomable ariaLabel={gettext("Overview of the journey")} nodeStrokeWidth={3} />
            {journey.liveVersion && <Panel position="top-left"><LiveIndicator /></Panel>}
            {viewing && (
              <Panel position="top-center" className="viewing-banner" role="status">
                <Icon name="eye" />
                <span>{interpolate(gettext("You are looking at version %(n)s. It cannot be changed."), { n: viewing.number })}</span>
                {!readOnly && <button type="button" className="button button-small" onClick={() => restore(viewing.version)}>{gettext("Restore as draft")}</button>}
                <button type="button" className="button button-small button-primary" onClick={() => useEditor.getState().leaveVersion()}>{gettext("Back to the draft")}</button>
              </Panel>
            )}
          </ReactFlow>
          {!nodes.length && (
            <div className="canvas-empty">
              <Icon name="route" />
              <h2>{gettext("An empty journey")}</h2>
              <p>{readOnly ? gettext("Nothing has been added to this journey yet.") : gettext("Drag a Trigger from the left to say who enters and when, then add the steps they go through. Or start from one of these ready-made journeys:")}</p>
              {!readOnly && data.gallery?.length > 0 && (
                <ul className="canvas-gallery" aria-label={gettext("Ready-made journeys")}>
                  {data.gallery.map((item) => (
                    <li key={item.key}>
                      <button type="button" className="canvas-gallery-item" onClick={() => startFrom(item)} disabled={Boolean(starting)} aria-busy={starting === item.key}>
                        <strong>{item.name}</strong>
                        <span>{item.description}</span>
                      </button>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </div>
        {drawer === "settings" && <SettingsDrawer schema={settingsSchema} errors={save.fields} onClose={() => setDrawer(null)} />}
        {drawer === "versions" && <VersionsPanel urls={urls} onClose={() => { useEditor.getState().leaveVersion(); setDrawer(null); }} onRestore={restore} />}
        {drawer === "test" && <TestRunPanel urls={urls} onClose={() => setDrawer(null)} onEmail={(email) => setDialog({ kind: "email", email })} />}
        {!drawer && <Inspector onOpenSettings={() => setDrawer("settings")} />}
      </div>
      {menu && <ContextMenu menu={menu} onClose={() => setMenu(null)} />}
      {dialog?.kind === "shortcuts" && <ShortcutsDialog onClose={() => setDialog(null)} />}
      {dialog?.kind === "validation" && <ValidationDialog check={dialog.check} onClose={() => setDialog(null)} />}
      {dialog?.kind === "contacts" && <NodeContactsDialog request={dialog.request} urls={urls} onClose={() => setDialog(null)} />}
      {dialog?.kind === "email" && <EmailPreview email={dialog.email} onClose={() => setDialog(null)} />}
      {dialog?.kind === "publish" && (
        <PublishDialog
          urls={urls}
          liveVersion={journey.liveVersion}
          beforePublish={async () => {
            if (!(await save.saveNow())) throw new Error(NOT_SAVED());
          }}
          onClose={() => setDialog(null)}
          onPublished={(result) => {
            setDialog(null);
            setJourney((j) => ({ ...j, status: j.status === "draft" ? "active" : j.status, liveVersion: result.version }));
            setToast({ kind: "success", text: interpolate(gettext("Version %(n)s is live."), { n: result.version }) });
          }}
        />
      )}
      <Toast toast={toast} onDone={() => setToast(null)} />
    </div>
  );
}
