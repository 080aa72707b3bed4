// The editor's dialogs and drawers: publish, versions, test run, contacts at a step, email
// preview, journey settings, keyboard shortcuts, and the right-click menu.
import { useEffect, useRef, useState } from "react";
import { api, ApiError } from "../api.js";
import { Icon } from "../icon.jsx";
import { formatDate, formatNumber, gettext, interpolate, ngettext } from "../i18n.js";
import { Fields, NameLists } from "./SchemaForm.jsx";
import { useEditor } from "./store.js";
import { keyLabel } from "./keys.js";

export function Modal({ title, onClose, children, wide = false, footer }) {
  const ref = useRef();
  useEffect(() => {
    const previous = document.activeElement;
    ref.current?.querySelector("input, select, textarea, button:not(.modal-close)")?.focus();
    const onKey = (e) => {
      if (e.key === "Escape") {
        e.stopPropagation();
        onClose();
      }
    };
    window.addEventListener("keydown", onKey, true);
    return () => {
      window.removeEventListener("keydown", onKey, true);
      previous?.focus?.();
    };
  }, []);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={`modal${wide ? " modal-wide" : ""}`} role="dialog" aria-modal="true" aria-label={title} ref={ref}>
        <header className="modal-header">
          <h2>{title}</h2>
          <button type="button" className="icon-button modal-close" onClick={onClose} aria-label={gettext("Close")}><Icon name="x" /></button>
        </header>
        <div className="modal-body">{children}</div>
        {footer && <footer className="modal-footer">{footer}</footer>}
      </div>
    </div>
  );
}

function stepName(id) {
  const { nodes, types } = useEditor.getState();
  const node = nodes.find((n) => n.id === id);
  return node ? node.data.label || types[node.type]?.label || id : id;
}

function ProblemList({ problems, kind }) {
  if (!problems.length) return null;
  return (
    <ul className={`problem-list problem-list-${kind}`}>
      {problems.map((p, i) => (
        <li key={i}>
          {p.node_id && (
            <button type="button" className="link-button" onClick={() => useEditor.getState().selectOnly(p.node_id)}>{stepName(p.node_id)}</button>
          )}
          {p.node_id && ": "}
          {p.message}
        </li>
      ))}
    </ul>
  );
}

export function ValidationDialog({ check, onClose }) {
  return (
    <Modal title={check.valid ? gettext("Ready to publish") : gettext("This journey has problems")} onClose={onClose}>
      {check.valid ? <p className="alert alert-success"><Icon name="circle-check" />{gettext("No problems found. You can publish it.")}</p> : (
        <>
          <p>{interpolate(ngettext("Fix this problem before you publish:", "Fix these %(n)s problems before you publish:", check.errors.length), { n: check.errors.length })}</p>
          <ProblemList problems={check.errors} kind="error" />
        </>
      )}
      {check.warnings.length > 0 && (
        <>
          <h3>{gettext("Worth a look")}</h3>
          <ProblemList problems={check.warnings} kind="warning" />
        </>
      )}
    </Modal>
  );
}

function DiffSummary({ diff }) {
  if (!diff) return <p className="muted">{gettext("This will be the first version: contacts start entering once it is published.")}</p>;
  const rows = [
    [gettext("Steps added"), diff.nodes_added],
    [gettext("Steps removed"), diff.nodes_removed],
    [gettext("Steps changed"), diff.nodes_changed],
    [gettext("Steps only moved"), diff.nodes_moved],
  ].filter(([, ids]) => ids.length);
  const edges = diff.edges_added.length + diff.edges_removed.length;
  if (!rows.length && !edges) return <p className="muted">{gettext("Nothing changed since the live version.")}</p>;
  return (
    <dl className="diff-list">
      {rows.map(([label, ids]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{ids.map(stepName).join(", ")}</dd>
        </div>
      ))}
      {edges > 0 && (
        <div>
          <dt>{gettext("Connections")}</dt>
          <dd>{interpolate(gettext("%(added)s added, %(removed)s removed"), { added: diff.edges_added.length, removed: diff.edges_removed.length })}</dd>
        </div>
      )}
    </dl>
  );
}

export function PublishDialog({ urls, liveVersion, onClose, onPublished, beforePublish }) {
  const [plan, setPlan] = useState(null);
  const [error, setError] = useState("");
  const [migrate, setMigrate] = useState(false);
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    (async () => {
      try {
        await beforePublish();
        const result = await api(urls.publish, { method: "POST", body: { dry_run: true } });
        useEditor.getState().setProblems(result.errors, result.warnings);
        setPlan(result);
      } catch (e) {
        setError(e.message);
      }
    })();
  }, []);
  async function publish() {
    setBusy(true);
    setError("");
    try {
      const result = await api(urls.publish, { method: "POST", body: { migrate, change_note: note } });
      onPublished(result);
    } catch (e) {
      setError(e.message);
      if (e instanceof ApiError) useEditor.getState().setProblems(Object.entries(e.fields).flatMap(([field, messages]) => messages.map((message) => ({ node_id: null, field, code: "refused", message }))), []);
      setBusy(false);
    }
  }
  const waiting = plan ? Object.values(plan.migration.waiting).reduce((a, b) => a + b, 0) : 0;
  const footer = plan?.valid ? (
    <>
      <button type="button" className="button" onClick={onClose}>{gettext("Cancel")}</button>
      <button type="button" className="button button-primary" onClick={publish} disabled={busy}>
        <Icon name="send" />{busy ? gettext("Publishing…") : liveVersion ? interpolate(gettext("Publish version %(n)s"), { n: liveVersion + 1 }) : gettext("Publish")}
      </button>
    </>
  ) : (
    <button type="button" className="button" onClick={onClose}>{gettext("Close")}</button>
  );
  return (
    <Modal title={gettext("Publish the journey")} onClose={onClose} footer={footer} wide>
      {error && <p className="alert alert-error" role="alert"><Icon name="circle-alert" />{error}</p>}
      {!plan && !error && <p className="muted">{gettext("Checking the journey…")}</p>}
      {plan && !plan.valid && (
        <>
          <p>{gettext("It cannot be published yet. The steps with problems are marked on the canvas:")}</p>
          <ProblemList problems={plan.errors} kind="error" />
        </>
      )}
      {plan?.valid && (
        <>
          <h3>{liveVersion ? interpolate(gettext("Changes since version %(n)s"), { n: liveVersion }) : gettext("First version")}</h3>
          <DiffSummary diff={plan.diff} />
          {plan.warnings.length > 0 && (
            <>
              <h3>{gettext("Worth a look")}</h3>
              <ProblemList problems={plan.warnings} kind="warning" />
            </>
          )}
          {liveVersion && waiting > 0 && (
            <fieldset className="migration-choice">
              <legend>{interpolate(ngettext("%(n)s contact is in the live version now", "%(n)s contacts are in the live version now", waiting), { n: formatNumber(waiting) })}</legend>
              <label className="rule-inline">
                <input type="radio" name="migrate" checked={!migrate} onChange={() => setMigrate(false)} />
                {gettext("Let them finish the version they started (new contacts get the new version)")}
              </label>
              <label className="rule-inline">
                <input type="radio" name="migrate" checked={migrate} onChange={() => setMigrate(true)} />
                {interpolate(gettext("Move them to the new version: %(move)s move, %(stay)s stay because their step was removed"), { move: formatNumber(plan.migration.would_move), stay: formatNumber(plan.migration.would_stay) })}
              </label>
            </fieldset>
          )}
          <div className="field">
            <label htmlFor="change-note"><span className="field-label">{gettext("What changed (optional)")}</span></label>
            <input id="change-note" type="text" maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} placeholder={gettext("e.g. Shorter wait before the reminder")} />
          </div>
        </>
      )}
    </Modal>
  );
}

export function VersionsPanel({ urls, onClose, onRestore }) {
  const [versions, setVersions] = useState(null);
  const [error, setError] = useState("");
  const viewing = useEditor((s) => s.viewing);
  useEffect(() => {
    api(urls.versions).then(setVersions, (e) => setError(e.message));
  }, []);
  return (
    <aside className="drawer" aria-label={gettext("Version history")}>
      <header className="drawer-header">
        <h2>{gettext("Version history")}</h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label={gettext("Close")}><Icon name="x" /></button>
      </header>
      {error && <p className="alert alert-error">{error}</p>}
      {versions && !versions.length && <p className="muted">{gettext("Nothing published yet. Each time you publish, a version is kept here.")}</p>}
      <ul className="version-list">
        {(versions || []).map((v) => (
          <li key={v.number} className={viewing?.number === v.number ? "is-current" : ""}>
            <div>
              <strong>{interpolate(gettext("Version %(n)s"), { n: v.number })}</strong>
              <span className="muted"> · {formatDate(v.published_at)}{v.published_by ? ` · ${v.published_by}` : ""}</span>
              {v.change_note && <p>{v.change_note}</p>}
            </div>
            <div className="version-actions">
              <button type="button" className="button button-small" onClick={() => useEditor.getState().viewVersion(v)}><Icon name="eye" />{gettext("View")}</button>
              <button type="button" className="button button-small" onClick={() => onRestore(v)}>{gettext("Restore as draft")}</button>
            </div>
          </li>
        ))}
      </ul>
    </aside>
  );
}

export function SettingsDrawer({ schema, errors, onClose }) {
  const settings = useEditor((s) => s.settings);
  const meta = useEditor((s) => s.meta);
  const lookups = useEditor((s) => s.lookups);
  const readOnly = useEditor((s) => s.readOnly || Boolean(s.viewing));
  const general = useEditor((s) => s.problems.general);
  const update = useEditor((s) => s.updateJourney);
  const fieldErrors = {};
  for (const [path, messages] of Object.entries(errors || {})) if (path.startsWith("settings.")) fieldErrors[path.slice(9)] = messages;
  for (const p of general) if (p.field?.startsWith("settings.")) (fieldErrors[p.field.slice(9)] ||= []).push(p.message);
  return (
    <aside className="drawer" aria-label={gettext("Journey settings")}>
      <header className="drawer-header">
        <h2>{gettext("Journey settings")}</h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label={gettext("Close")}><Icon name="x" /></button>
      </header>
      <div className="fields">
        <div className="field">
          <label htmlFor="journey-name"><span className="field-label">{gettext("Name")}</span></label>
          <input id="journey-name" type="text" maxLength={150} value={meta.name} disabled={readOnly} onChange={(e) => update({ meta: { name: e.target.value } }, "name")} />
          {errors?.name && <span className="field-error">{errors.name.join(" ")}</span>}
        </div>
        <div className="field">
          <label htmlFor="journey-description"><span className="field-label">{gettext("Description")}</span></label>
          <textarea id="journey-description" rows={2} value={meta.description} disabled={readOnly} onChange={(e) => update({ meta: { description: e.target.value } }, "description")} />
        </div>
      </div>
      <NameLists lookups={lookups} prefix="settings" />
      <Fields fields={schema} value={settings} onChange={(next, name) => update({ settings: next }, name)} errors={fieldErrors} lookups={lookups} readOnly={readOnly} listId={(k) => `settings-${k}`} />
    </aside>
  );
}

const hasMore = (page) => Boolean(page) && page.count > page.results.length;

export function NodeContactsDialog({ request, urls, onClose }) {
  const [state, setState] = useState(request.state);
  const [page, setPage] = useState(null);
  const [error, setError] = useState("");
  useEffect(() => {
    setPage(null);
    api(`${urls.nodeContacts.replace("__node__", encodeURIComponent(request.id))}?state=${state}`).then(setPage, (e) => setError(e.message));
  }, [state]);
  const labels = { waiting: gettext("Here now"), passed: gettext("Went through"), exited: gettext("Left here"), failed: gettext("Failed here") };
  return (
    <Modal title={interpolate(gettext("Contacts at “%(step)s”"), { step: stepName(request.id) })} onClose={onClose} wide>
      <div className="tabs" role="tablist">
        {Object.entries(labels).map(([key, label]) => (
          <button key={key} type="button" role="tab" aria-selected={state === key} className={`tab${state === key ? " is-active" : ""}`} onClick={() => setState(key)}>{label}</button>
        ))}
      </div>
      {error && <p className="alert alert-error">{error}</p>}
      {!page && !error && <p className="muted">{gettext("Loading…")}</p>}
      {page && !page.results.length && <p className="muted">{gettext("Nobody yet.")}</p>}
      {page && page.results.length > 0 && (
        <table className="table table-compact node-contacts">
          <thead><tr><th>{gettext("Contact")}</th><th>{gettext("Since")}</th><th>{gettext("Version")}</th></tr></thead>
          <tbody>
            {page.results.map((row) => (
              <tr key={`${row.enrollment}-${row.at}`}>
                <td><a href={`/contacts/${row.contact.id}/`}>{row.contact.name || row.contact.email || `#${row.contact.id}`}</a>{row.output && <span className="muted"> · {row.output}</span>}</td>
                <td className="muted">{row.at ? formatDate(row.at) : "—"}</td>
                <td>v{row.version}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {hasMore(page) && <p className="muted">{interpolate(gettext("%(shown)s of %(count)s shown."), { shown: page.results.length, count: formatNumber(page.count) })}</p>}
    </Modal>
  );
}

// Looking at a preview is not an open: leave out the 1×1 open-tracking image (journeys/emails/tracking.py).
function withoutOpenPixel(html) {
  return (html || "").replace(/<img [^>]*width="1" height="1" alt="" style="display:block;border:0">/g, "");
}

export function EmailPreview({ email, onClose }) {
  return (
    <Modal title={email.subject || gettext("Email preview")} onClose={onClose} wide>
      <p className="muted email-preview-meta">{interpolate(gettext("From %(from)s to %(to)s"), { from: email.from, to: email.to })}{!email.would_send && email.skip_reason ? ` · ${email.skip_reason}` : ""}</p>
      <iframe className="email-preview-frame" title={gettext("Email preview")} sandbox="" srcDoc={withoutOpenPixel(email.html)} />
    </Modal>
  );
}

export function TestRunPanel({ urls, onClose, onEmail }) {
  const [query, setQuery] = useState("");
  const [matches, setMatches] = useState([]);
  const [contact, setContact] = useState(null);
  const [properties, setProperties] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const trace = useEditor((s) => s.trace);
  useEffect(() => {
    const q = query.trim();
    if (!q || (contact && q === contact.email)) {
      setMatches([]);
      return undefined;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api(`${urls.contacts}?q=${encodeURIComponent(q)}&page_size=8`, { signal: controller.signal }).then((p) => setMatches(p.results), () => {});
    }, 250);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [query]);
  async function run(event) {
    event.preventDefault();
    setError("");
    if (!contact) {
      setError(gettext("Pick a contact first."));
      return;
    }
    const body = { contact: contact.id };
    if (properties.trim()) {
      try {
        const parsed = JSON.parse(properties);
        const trigger = useEditor.getState().nodes.find((n) => n.type === "trigger");
        body.event = { name: trigger?.data.config.event || "event", properties: parsed };
      } catch {
        setError(gettext("The event properties are not valid JSON, e.g. {\"budget\": 3000}."));
        return;
      }
    }
    setBusy(true);
    try {
      useEditor.getState().setTrace(await api(urls.dryRun, { method: "POST", body }));
    } catch (e) {
      setError(e.message);
      if (e instanceof ApiError && e.body?.error?.errors) useEditor.getState().setProblems(e.body.error.errors, e.body.error.warnings || []);
    } finally {
      setBusy(false);
    }
  }
  const result = trace?.result;
  return (
    <aside className="drawer" aria-label={gettext("Test run")}>
      <header className="drawer-header">
        <h2>{gettext("Test run")}</h2>
        <button type="button" className="icon-button" onClick={() => { useEditor.getState().setTrace(null); onClose(); }} aria-label={gettext("Close")}><Icon name="x" /></button>
      </header>
      <p className="muted">{gettext("See the path one contact would take through the draft. Nothing is sent or stored: waits are shown, not waited.")}</p>
      <form onSubmit={run} className="fields">
        <div className="field">
          <label htmlFor="test-contact"><span className="field-label">{gettext("Contact")}</span></label>
          <input id="test-contact" type="search" autoComplete="off" value={query} placeholder={gettext("Search by email or name")} onChange={(e) => { setQuery(e.target.value); setContact(null); }} />
          {matches.length > 0 && (
            <ul className="picker-list" role="listbox">
              {matches.map((c) => (
                <li key={c.id}>
                  <button type="button" role="option" aria-selected="false" onClick={() => { setContact(c); setQuery(c.email || String(c.id)); setMatches([]); }}>
                    {c.email || c.external_id}{(c.first_name || c.last_name) && <span className="muted"> · {[c.first_name, c.last_name].filter(Boolean).join(" ")}</span>}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="field">
          <label htmlFor="test-properties"><span className="field-label">{gettext("Event properties (optional)")}</span></label>
          <input id="test-properties" type="text" className="mono" value={properties} placeholder='{"budget": 3000}' onChange={(e) => setProperties(e.target.value)} />
          <span className="field-help muted">{gettext("What the trigger event carries, as JSON. Leave empty to make one up.")}</span>
        </div>
        {error && <p className="field-error" role="alert">{error}</p>}
        <button type="submit" className="button button-primary" disabled={busy}>{busy ? gettext("Running…") : gettext("Run test")}</button>
      </form>
      {result && (
        <section className="test-result" aria-live="polite">
          <h3>{gettext("Path")}</h3>
          <ol className="test-path">
            {result.path.map((step) => (
              <li key={step.node_id} className={`test-step test-step-${step.outcome}`}>
                <button type="button" className="link-button" onClick={() => useEditor.getState().selectOnly(step.node_id)}>{step.label}</button>
                {step.reason && <span className="muted"> — {step.reason}</span>}
                {step.due_at && <span className="muted"> · {interpolate(gettext("until %(when)s"), { when: formatDate(step.due_at) })}</span>}
                {step.email && <button type="button" className="link-button" onClick={() => onEmail(step.email)}>{gettext("Preview email")}</button>}
              </li>
            ))}
          </ol>
          {result.warnings.map((w) => <p key={w} className="muted">{w}</p>)}
        </section>
      )}
    </aside>
  );
}

export function ShortcutsDialog({ onClose }) {
  const rows = [
    [keyLabel("Delete / Backspace"), gettext("Delete the selected steps or connections")],
    [keyLabel("Ctrl+C / Ctrl+V"), gettext("Copy and paste steps")],
    [keyLabel("Ctrl+D"), gettext("Duplicate the selected steps")],
    [keyLabel("Ctrl+A"), gettext("Select every step")],
    [keyLabel("Ctrl+Z / Ctrl+Shift+Z"), gettext("Undo / redo")],
    [keyLabel("Ctrl+S"), gettext("Save now")],
    ["← ↑ → ↓", interpolate(gettext("Move the selected steps (%(shift)s: further)"), { shift: keyLabel("Shift") })],
    [interpolate(gettext("%(shift)s+drag"), { shift: keyLabel("Shift") }), gettext("Select several steps with a box")],
    [interpolate(gettext("%(shift)s+click"), { shift: keyLabel("Shift") }), gettext("Add a step to the selection")],
    [gettext("Right-click"), gettext("Menu for a step or the canvas")],
    ["?", gettext("Show this list")],
  ];
  return (
    <Modal title={gettext("Keyboard shortcuts")} onClose={onClose}>
      <table className="table table-compact shortcuts">
        <tbody>{rows.map(([keys, what]) => <tr key={keys}><td><kbd>{keys}</kbd></td><td>{what}</td></tr>)}</tbody>
      </table>
    </Modal>
  );
}

export function ContextMenu({ menu, onClose }) {
  const ref = useRef();
  useEffect(() => {
    ref.current?.querySelector("button")?.focus();
    const away = (e) => {
      if (!ref.current?.contains(e.target)) onClose();
    };
    const onKey = (e) => e.key === "Escape" && onClose();
    window.addEventListener("mousedown", away);
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("mousedown", away);
      window.removeEventListener("keydown", onKey);
    };
  }, []);
  return (
    <div className="context-menu" role="menu" ref={ref} style={{ left: menu.x, top: menu.y }}>
      {menu.items.map((item) => (
        <button key={item.label} type="button" role="menuitem" disabled={item.disabled} className={item.danger ? "is-danger" : ""} onClick={() => { onClose(); item.run(); }}>
          {item.icon && <Icon name={item.icon} />}
          <span>{item.label}</span>
          {item.keys && <kbd>{keyLabel(item.keys)}</kbd>}
        </button>
      ))}
    </div>
  );
}
