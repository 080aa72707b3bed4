// The segment builder page: name, rules in plain words, a live count, save.
import { StrictMode, useEffect, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import { api, ApiError, fieldErrorsUnder } from "../api.js";
import { formatNumber, gettext, interpolate, ngettext } from "../i18n.js";
import { RuleEditor, newLeaf } from "../rules/RuleEditor.jsx";

function usePreview(rules, url, enabled) {
  const [state, setState] = useState({ loading: true, count: null, sample: [], errors: {} });
  const timer = useRef();
  useEffect(() => {
    if (!enabled) return undefined;
    const controller = new AbortController();
    clearTimeout(timer.current);
    timer.current = setTimeout(async () => {
      setState((s) => ({ ...s, loading: true }));
      try {
        const data = await api(url, { method: "POST", body: { rules }, signal: controller.signal });
        setState({ loading: false, count: data.count, sample: data.sample, errors: {} });
      } catch (error) {
        if (error.name === "AbortError") return;
        const errors = error instanceof ApiError ? fieldErrorsUnder(error.fields, "rules") : {};
        setState({ loading: false, count: null, sample: [], errors, message: error.message });
      }
    }, 400);
    return () => {
      controller.abort();
      clearTimeout(timer.current);
    };
  }, [JSON.stringify(rules), url, enabled]);
  return state;
}

function Preview({ preview, membersUrl, stages }) {
  const stageName = Object.fromEntries(stages.map((s) => [s.key, s.name]));
  return (
    <aside className="card preview-card" aria-live="polite">
      <h2>{gettext("Who matches now")}</h2>
      {preview.count === null ? (
        <p className="muted">{preview.loading ? gettext("Counting…") : preview.message || gettext("Fix the conditions to see a count.")}</p>
      ) : (
        <>
          <p className="preview-count">
            <strong>{formatNumber(preview.count)}</strong>{" "}
            {ngettext("contact", "contacts", preview.count)}
            {preview.loading && <span className="muted"> · {gettext("updating…")}</span>}
          </p>
          {preview.sample.length > 0 && (
            <ul className="preview-sample">
              {preview.sample.map((c) => (
                <li key={c.id}>
                  <a href={`/contacts/${c.id}/`}>{[c.first_name, c.last_name].filter(Boolean).join(" ") || c.email || c.external_id}</a>
                  {c.stage && <span className="muted"> · {stageName[c.stage] || c.stage}</span>}
                </li>
              ))}
            </ul>
          )}
          {membersUrl && <a href={membersUrl}>{gettext("See current members")}</a>}
        </>
      )}
    </aside>
  );
}

function Builder({ data }) {
  const existing = data.segment;
  const [name, setName] = useState(existing?.name || "");
  const [description, setDescription] = useState(existing?.description || "");
  const [kind, setKind] = useState(existing?.kind || "dynamic");
  const [isActive, setActive] = useState(existing ? existing.is_active : true);
  const [rules, setRules] = useState(existing?.rules || { all: [newLeaf("event", data)] });
  const [saving, setSaving] = useState("idle");
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState("");
  const preview = usePreview(rules, data.urls.preview, kind === "dynamic");
  const readOnly = !data.canEdit;

  async function save(event) {
    event.preventDefault();
    setSaving("saving");
    setMessage("");
    const body = { name, description, kind, is_active: isActive };
    if (kind === "dynamic") body.rules = rules;
    try {
      const saved = await api(data.urls.save, { method: existing ? "PATCH" : "POST", body });
      setErrors({});
      setSaving("saved");
      setMessage(interpolate(gettext("Saved. %(count)s contacts are in this segment."), { count: formatNumber(saved.member_count) }));
      if (!existing) window.location.assign(`/segments/${saved.id}/`);
    } catch (error) {
      setSaving("failed");
      setErrors(error instanceof ApiError ? error.fields : {});
      setMessage(error.message || gettext("Saving failed. Your changes are still here; try again."));
    }
  }

  const ruleErrors = { ...fieldErrorsUnder(errors, "rules"), ...(kind === "dynamic" ? preview.errors : {}) };
  return (
    <form className="builder" onSubmit={save} noValidate>
      <div className="builder-main">
        <section className="card">
          <div className="builder-fields">
            <label className="field">
              <span className="field-label">{gettext("Name")}</span>
              <input type="text" value={name} required maxLength={150} readOnly={readOnly} aria-invalid={Boolean(errors.name)} onChange={(e) => setName(e.target.value)} placeholder={gettext("e.g. At-risk customers")} />
              {errors.name && <span className="field-error">{errors.name.join(" ")}</span>}
            </label>
            <label className="field">
              <span className="field-label">{gettext("Description")}</span>
              <input type="text" value={description} maxLength={500} readOnly={readOnly} onChange={(e) => setDescription(e.target.value)} placeholder={gettext("What this group of people is for")} />
            </label>
            <label className="field">
              <span className="field-label">{gettext("Kind")}</span>
              <select value={kind} disabled={readOnly || Boolean(existing)} onChange={(e) => setKind(e.target.value)}>
                <option value="dynamic">{gettext("Rule-based: kept current automatically")}</option>
                <option value="static">{gettext("Static list: contacts added by hand or by the API")}</option>
              </select>
            </label>
          </div>
        </section>
        {kind === "dynamic" ? (
          <section className="card">
            <header className="card-header">
              <h2>{gettext("Conditions")}</h2>
              <p className="muted">{gettext("Contacts enter and leave this segment by themselves as their data changes.")}</p>
            </header>
            <RuleEditor value={rules} onChange={setRules} options={data} errors={ruleErrors} readOnly={readOnly} />
          </section>
        ) : (
          <section className="card">
            <p className="muted">{gettext("A static segment holds the contacts you add to it, through the API or an import. Its members change only when you change them.")}</p>
          </section>
        )}
        {!readOnly && (
          <div className="builder-actions">
            <label className="rule-inline">
              <input type="checkbox" checked={isActive} onChange={(e) => setActive(e.target.checked)} />
              {gettext("Active (keep membership current)")}
            </label>
            <span className={`save-state save-${saving}`} role="status">{message}</span>
            <button type="submit" className="button button-primary" disabled={saving === "saving"}>
              {saving === "saving" ? gettext("Saving…") : existing ? gettext("Save changes") : gettext("Create segment")}
            </button>
          </div>
        )}
      </div>
      {kind === "dynamic" && <Preview preview={preview} membersUrl={existing ? data.urls.members : null} stages={data.stages} />}
    </form>
  );
}

const root = document.getElementById("segment-builder");
if (root) {
  const data = JSON.parse(document.getElementById("segment-builder-data").textContent);
  root.removeAttribute("aria-busy");
  createRoot(root).render(
    <StrictMode>
      <Builder data={data} />
    </StrictMode>,
  );
}
