// The inspector: the selected step's name and settings, its ways out, and its problems.
import { Icon } from "../icon.jsx";
import { formatNumber, gettext, interpolate, ngettext } from "../i18n.js";
import { outputsOf } from "./graph.js";
import { Fields, NameLists } from "./SchemaForm.jsx";
import { useShallow } from "zustand/react/shallow";
import { useEditor } from "./store.js";
import { keyLabel } from "./keys.js";

function Outputs({ node, type }) {
  const edges = useEditor((s) => s.edges);
  const nodes = useEditor((s) => s.nodes);
  const types = useEditor((s) => s.types);
  const outputs = outputsOf(type, node.data.config);
  if (!outputs.length) return null;
  return (
    <section className="inspector-section">
      <h3>{outputs.length > 1 ? gettext("Ways out") : gettext("Next step")}</h3>
      <ul className="inspector-outputs">
        {outputs.map((o) => {
          const edge = edges.find((e) => e.source === node.id && e.sourceHandle === o.key);
          const target = edge && nodes.find((n) => n.id === edge.target);
          return (
            <li key={o.key}>
              {outputs.length > 1 && <strong>{o.label}</strong>}
              {target ? <span>→ {target.data.label || types[target.type]?.label}</span> : <span className="muted">{gettext("Not connected: contacts leaving this way end the journey here.")}</span>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function Skipped({ counts }) {
  const reasons = Object.entries(counts?.skipped || {});
  if (!reasons.length) return null;
  return (
    <section className="inspector-section">
      <h3>{gettext("Skipped, and why")}</h3>
      <ul className="inspector-skipped">
        {reasons.map(([reason, n]) => <li key={reason}><strong>{formatNumber(n)}</strong> {reason}</li>)}
      </ul>
    </section>
  );
}

function StepInspector({ id }) {
  const node = useEditor((s) => s.nodes.find((n) => n.id === id));
  const type = useEditor((s) => s.types[node?.type]);
  const lookups = useEditor((s) => s.lookups);
  const readOnly = useEditor((s) => s.readOnly || Boolean(s.viewing));
  const problems = useEditor((s) => s.problems.nodes[id]);
  const counts = useEditor((s) => s.live.nodes[id]);
  const updateNode = useEditor((s) => s.updateNode);
  const listId = (kind) => `inspector-${kind}`;
  if (!node || !type) return null;
  return (
    <div className="inspector-body" data-inspecting={node.id}>
      <header className="inspector-header">
        <span className={`step-icon step-${type.category}`}><Icon name={type.icon} /></span>
        <div>
          <h2>{type.label}</h2>
          <p className="muted">{type.description}</p>
        </div>
      </header>
      {problems?.messages.length > 0 && (
        <div className="alert alert-error inspector-problems" role="alert">
          <Icon name="circle-alert" />
          <ul>{problems.messages.map((m) => <li key={m}>{m}</li>)}</ul>
        </div>
      )}
      <div className="fields">
        <div className="field">
          <label htmlFor="step-label"><span className="field-label">{gettext("Name on the canvas")}</span></label>
          <input id="step-label" type="text" maxLength={120} value={node.data.label} placeholder={type.label} disabled={readOnly} onChange={(e) => updateNode(node.id, { label: e.target.value }, "label")} />
          {problems?.fields.$label && <span className="field-error">{problems.fields.$label.join(" ")}</span>}
        </div>
      </div>
      <NameLists lookups={lookups} prefix="inspector" />
      <Fields
        fields={type.config_schema}
        value={node.data.config}
        onChange={(config, name) => updateNode(node.id, { config }, name)}
        errors={problems?.fields || {}}
        lookups={lookups}
        readOnly={readOnly}
        listId={listId}
      />
      <Outputs node={node} type={type} />
      <Skipped counts={counts} />
      <p className="muted inspector-id">{interpolate(gettext("Step id: %(id)s"), { id: node.id })}</p>
    </div>
  );
}

export function Inspector({ onOpenSettings }) {
  const selected = useEditor(useShallow((s) => s.nodes.filter((n) => n.selected).map((n) => n.id)));
  const count = useEditor((s) => s.nodes.length);
  const readOnly = useEditor((s) => s.readOnly || Boolean(s.viewing));
  const deleteSelected = useEditor((s) => s.deleteSelected);
  const duplicateSelected = useEditor((s) => s.duplicateSelected);
  const general = useEditor((s) => s.problems.general);
  let body;
  if (selected.length === 1) {
    body = <StepInspector key={selected[0]} id={selected[0]} />;
  } else if (selected.length > 1) {
    body = (
      <div className="inspector-body">
        <h2>{interpolate(ngettext("%(n)s step selected", "%(n)s steps selected", selected.length), { n: selected.length })}</h2>
        <p className="muted">{interpolate(gettext("Drag them together, copy them (%(copy)s) or delete them (%(delete)s)."), { copy: keyLabel("Ctrl+C"), delete: keyLabel("Delete") })}</p>
        {!readOnly && (
          <div className="inspector-actions">
            <button type="button" className="button button-small" onClick={duplicateSelected}><Icon name="copy" />{gettext("Duplicate")}</button>
            <button type="button" className="button button-small button-danger" onClick={deleteSelected}><Icon name="trash-2" />{gettext("Delete")}</button>
          </div>
        )}
      </div>
    );
  } else {
    body = (
      <div className="inspector-body inspector-empty">
        <h2>{count ? gettext("Select a step to set it up") : gettext("Start with a trigger")}</h2>
        <p className="muted">
          {count
            ? gettext("Click a step on the canvas to change what it does. Drag from the dot under a step to the next step to connect them.")
            : gettext("Drag “Trigger” from the left onto the canvas: it decides who enters this journey and when. Then add emails, waits and decisions below it.")}
        </p>
        <button type="button" className="button button-small" onClick={onOpenSettings}><Icon name="settings" />{gettext("Journey settings")}</button>
      </div>
    );
  }
  return (
    <aside className="inspector" aria-label={gettext("Step settings")}>
      {Boolean(general.length) && !selected.length && (
        <div className="alert alert-error inspector-problems" role="alert">
          <Icon name="circle-alert" />
          <ul>{general.map((p) => <li key={p.code + p.message}>{p.message}</li>)}</ul>
        </div>
      )}
      {body}
    </aside>
  );
}
