// The email template editor: settings, the content per language (tabs), a live preview rendered
// by the server for a chosen contact, personalisation values to insert, save and test send.
// A new template starts from a starter (starters.jsx) and previews before it is saved.
// Page data comes from journeys.views._editor_context (json_script "template-editor-data").
import { StrictMode, useEffect, useRef, useState } from "react";
import { createPortal } from "react-dom";
import { createRoot } from "react-dom/client";
import { api, ApiError } from "../api.js";
import { formatNumber, gettext, interpolate } from "../i18n.js";
import { Icon, setIconSprite } from "../icon.jsx";
import { Preview, TestSend, usePreview } from "./preview.jsx";
import { StarterPicker } from "./starters.jsx";
import { VariablesPanel } from "./variables.jsx";

const CONTENT_FIELDS = ["subject", "preheader", "html_body", "text_body"];
const SETTINGS_FIELDS = ["name", "language", "sender_name", "sender_email", "reply_to", "on_missing", "is_active"];
const SENDING_FIELDS = ["sender_name", "sender_email", "reply_to", "on_missing", "language"];

function pick(source, names, fallback = "") {
  return Object.fromEntries(names.map((name) => [name, source?.[name] ?? fallback]));
}

// The editor state with a starter's versions: the main language stays (taking the starter's first
// version when it has none in it), the starter's other languages become translations, and its
// name is suggested unless the marketer has written one of their own.
function withStarter(state, starter, previous) {
  const main = state.settings.language;
  const codes = Object.keys(starter.versions);
  const source = starter.versions[main] ? main : codes[0];
  const others = codes.filter((code) => code !== main && code !== source);
  const contents = { [main]: pick(starter.versions[source], CONTENT_FIELDS) };
  for (const code of others) contents[code] = pick(starter.versions[code], CONTENT_FIELDS);
  const ownName = state.settings.name.trim() && state.settings.name !== previous?.name;
  return { settings: { ...state.settings, name: ownName ? state.settings.name : starter.name }, contents, order: [main, ...others] };
}

function initialState(data) {
  const template = data.template;
  if (!template) {
    const settings = { name: "", language: data.defaultLanguage, sender_name: "", sender_email: "", reply_to: "", on_missing: "fallback", is_active: true };
    return withStarter({ settings }, data.starters[0], null);
  }
  const contents = { [template.language]: pick(template, CONTENT_FIELDS) };
  const order = [template.language];
  for (const [code, content] of Object.entries(template.translations || {})) {
    contents[code] = pick(content, CONTENT_FIELDS);
    order.push(code);
  }
  return { settings: pick(template, SETTINGS_FIELDS), contents, order };
}

// What the API takes: the main language's content at the top, the others under "translations".
function payload({ settings, contents, order }) {
  const translations = {};
  for (const code of order) if (code !== settings.language) translations[code] = contents[code];
  return { ...settings, ...contents[settings.language], translations };
}

// Where the API reports a content field's errors: "html_body", or "translations.de.html_body".
function errorKey(language, main, field) {
  return language === main ? field : `translations.${language}.${field}`;
}

function FieldError({ id, messages }) {
  if (!messages || messages.length === 0) return null;
  return (
    <span className="field-error" id={id} role="alert">
      {messages.join(" ")}
    </span>
  );
}

// A field whose label names only its input; help and errors are the input's description
// (give the input described(id)).
function Field({ id, label, note, help, errors, className, children }) {
  return (
    <div className={className ? `field ${className}` : "field"}>
      <span className="field-label">
        <label htmlFor={id}>{label}</label>
        {note && <span className="muted te-optional">{note}</span>}
      </span>
      {children}
      {help && (
        <span className="field-help muted" id={`${id}-help`}>
          {help}
        </span>
      )}
      <FieldError id={`${id}-error`} messages={errors} />
    </div>
  );
}

const described = (id) => ({ id, "aria-describedby": `${id}-help ${id}-error` });

function Report({ report }) {
  const percent = (share) => (share === null || share === undefined ? "—" : formatNumber(share, { style: "percent", maximumFractionDigits: 1 }));
  const figures = [
    [gettext("Sent"), formatNumber(report.sent)],
    [gettext("Delivered"), formatNumber(report.delivered)],
    [gettext("Open rate"), percent(report.opened_rate)],
    [gettext("Click rate"), percent(report.clicked_rate)],
    [gettext("Bounces"), formatNumber(report.bounced)],
    [gettext("Unsubscribes"), formatNumber(report.unsubscribed)],
  ];
  return (
    <section className="card te-report" aria-labelledby="te-report-title">
      <header className="card-header card-header-row">
        <h2 id="te-report-title">{gettext("How it performs")}</h2>
        {report.sent === 0 && <span className="muted">{gettext("Not sent yet: figures appear once journeys send it.")}</span>}
      </header>
      <dl className="stats te-stats">
        {figures.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function SaveBar({ readOnly, isNew, dirty, status, onSave }) {
  if (readOnly) {
    return (
      <span className="badge" title={gettext("Ask an administrator for the marketer role to change templates.")}>
        {gettext("View only")}
      </span>
    );
  }
  let note = "";
  if (status.kind === "saving") note = gettext("Saving…");
  else if (dirty) note = gettext("Unsaved changes");
  else if (status.kind === "saved") note = gettext("All changes saved");
  return (
    <>
      <span className={`save-state${dirty ? " is-dirty" : ""}${status.kind === "saved" && !dirty ? " save-saved" : ""}`} role="status">
        {note}
      </span>
      <button type="button" className="button button-primary" onClick={onSave} disabled={status.kind === "saving"} title={gettext("Ctrl+S saves too")}>
        <Icon name="save" />
        {isNew ? gettext("Create template") : gettext("Save")}
      </button>
    </>
  );
}

function Editor({ data }) {
  const [state, setState] = useState(() => initialState(data));
  const [saved, setSaved] = useState(() => JSON.stringify(payload(initialState(data))));
  const [active, setActive] = useState(state.settings.language);
  const [errors, setErrors] = useState({});
  // A template just created arrives here with #created: say it is saved.
  const [status, setStatus] = useState(() => ({ kind: window.location.hash === "#created" ? "saved" : "idle", message: "", extra: [] }));
  const [contact, setContact] = useState(null);
  const [target, setTarget] = useState(null); // the content field the cursor was last in
  const [sendingOpen, setSendingOpen] = useState(!data.template);
  const [starter, setStarter] = useState(() => data.starters?.[0] ?? null);
  const [startersOpen, setStartersOpen] = useState(true);
  const fields = useRef({});
  const caret = useRef(null);
  const dirtyNow = useRef(false);
  const [actionsSlot] = useState(() => document.getElementById("template-editor-actions"));

  const readOnly = !data.canEdit;
  const isNew = !data.template;
  const { settings, contents, order } = state;
  const main = settings.language;
  const names = Object.fromEntries(data.languages.map((l) => [l.code, l.name]));
  const dirty = JSON.stringify(payload(state)) !== saved;
  dirtyNow.current = dirty;

  const preview = usePreview({ url: data.urls.preview, content: contents[active], language: active, contactId: contact?.id });

  useEffect(() => {
    if (window.location.hash === "#created") window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }, []);
  // Warn before leaving with unsaved changes; Ctrl/Cmd+S saves.
  useEffect(() => {
    const beforeUnload = (event) => {
      if (!dirtyNow.current) return;
      event.preventDefault();
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", beforeUnload);
    return () => window.removeEventListener("beforeunload", beforeUnload);
  }, []);
  // After a refused save, take the marketer to the first field marked in red.
  const showError = useRef(false);
  useEffect(() => {
    if (!showError.current) return;
    showError.current = false;
    const field = document.querySelector('.te [aria-invalid="true"]');
    field?.closest(".field")?.scrollIntoView({ block: "center" });
    field?.focus({ preventScroll: true });
  });
  const saveRef = useRef();
  useEffect(() => {
    const onKey = (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
        event.preventDefault();
        saveRef.current?.();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  // After an insert, put the cursor right after the inserted text.
  useEffect(() => {
    const pending = caret.current;
    if (!pending) return;
    caret.current = null;
    const element = fields.current[pending.field];
    if (element) {
      element.focus();
      element.setSelectionRange(pending.position, pending.position);
    }
  });

  function forget(key) {
    setErrors((current) => {
      if (!(key in current)) return current;
      const next = { ...current };
      delete next[key];
      return next;
    });
  }

  function setSetting(name, value) {
    setState((s) => ({ ...s, settings: { ...s.settings, [name]: value } }));
    forget(name);
  }

  function setContent(language, field, value) {
    setState((s) => ({ ...s, contents: { ...s.contents, [language]: { ...s.contents[language], [field]: value } } }));
    forget(errorKey(language, main, field));
  }

  function setMainLanguage(code) {
    if (code === main || order.includes(code)) return;
    setState((s) => {
      const contentsNext = { ...s.contents, [code]: s.contents[s.settings.language] };
      delete contentsNext[s.settings.language];
      return {
        settings: { ...s.settings, language: code },
        contents: contentsNext,
        order: s.order.map((c) => (c === s.settings.language ? code : c)),
      };
    });
    if (active === main) setActive(code);
    forget("language");
  }

  function addLanguage(code) {
    if (!code || order.includes(code)) return;
    // A translation starts as the starter's version in that language, else as a copy of the main
    // version: same layout, words to translate.
    const version = starter?.versions[code];
    setState((s) => ({ ...s, contents: { ...s.contents, [code]: version ? pick(version, CONTENT_FIELDS) : { ...s.contents[s.settings.language] } }, order: [...s.order, code] }));
    setActive(code);
  }

  function chooseStarter(next) {
    setStartersOpen(false);
    if (next.key === starter.key) return;
    const untouched = withStarter(state, starter, starter);
    const edited = JSON.stringify([untouched.contents, untouched.order]) !== JSON.stringify([contents, order]);
    if (edited && !window.confirm(interpolate(gettext("Start again from “%(name)s”? What you wrote in the email is replaced."), { name: next.label }))) {
      return;
    }
    setState(withStarter(state, next, starter));
    setStarter(next);
    setActive(main);
    setErrors({});
  }

  function removeLanguage(code) {
    setState((s) => {
      const contentsNext = { ...s.contents };
      delete contentsNext[code];
      return { ...s, contents: contentsNext, order: s.order.filter((c) => c !== code) };
    });
    setErrors((current) => Object.fromEntries(Object.entries(current).filter(([key]) => !key.startsWith(`translations.${code}`))));
    if (active === code) setActive(main);
  }

  function insert(text, caretOffset) {
    const element = target && fields.current[target];
    if (!element || readOnly) return;
    const value = contents[active][target];
    const start = element.selectionStart ?? value.length;
    const end = element.selectionEnd ?? value.length;
    setContent(active, target, value.slice(0, start) + text + value.slice(end));
    caret.current = { field: target, position: start + caretOffset };
  }

  const shownKeys = new Set([...SETTINGS_FIELDS, ...order.flatMap((code) => [`translations.${code}`, ...CONTENT_FIELDS.map((f) => errorKey(code, main, f))])]);
  const tabHasErrors = (code) =>
    Object.keys(errors).some((key) => (code === main ? CONTENT_FIELDS.includes(key) : key.startsWith(`translations.${code}`)));

  async function save() {
    if (readOnly || status.kind === "saving") return;
    setStatus({ kind: "saving", message: "", extra: [] });
    const body = payload(state);
    try {
      const result = await api(data.urls.save, { method: isNew ? "POST" : "PATCH", body });
      setErrors({});
      if (isNew) {
        dirtyNow.current = false;
        window.location.assign(`${data.urls.list}${result.id}/#created`);
        return;
      }
      setSaved(JSON.stringify(body));
      setStatus({ kind: "saved", message: "", extra: [] });
      const title = document.querySelector(".topbar-title h1");
      if (title) title.textContent = result.name;
      document.title = result.name + document.title.slice(document.title.lastIndexOf(" · "));
    } catch (error) {
      const found = error instanceof ApiError ? error.fields : {};
      setErrors(found);
      const keys = Object.keys(found);
      const extra = keys.filter((key) => !shownKeys.has(key)).flatMap((key) => found[key]);
      if (keys.some((key) => SENDING_FIELDS.includes(key))) setSendingOpen(true);
      if (keys.length > 0 && !keys.some((key) => (active === main ? CONTENT_FIELDS.includes(key) : key.startsWith(`translations.${active}`)))) {
        const withErrors = order.find((code) => keys.some((key) => (code === main ? CONTENT_FIELDS.includes(key) : key.startsWith(`translations.${code}`))));
        if (withErrors) setActive(withErrors);
      }
      let message;
      if (!(error instanceof ApiError)) message = gettext("Could not reach Flowbuilder. Nothing was saved, and your changes are still here; try again.");
      else if (keys.length > 0) message = gettext("Not saved: fix what is marked in red. Your changes are still here.");
      else message = error.message;
      setStatus({ kind: "failed", message, extra });
      showError.current = keys.length > 0;
    }
  }
  saveRef.current = save;

  const content = contents[active];
  const errorsAt = (field) => errors[errorKey(active, main, field)] || preview.errors[field];
  const unused = data.languages.filter((l) => !order.includes(l.code));
  const senderName = settings.sender_name || data.defaultSender.name;
  const senderEmail = settings.sender_email || data.defaultSender.email;
  const senderLine = senderName ? `${senderName} <${senderEmail}>` : senderEmail;
  const onFocusField = (field) => () => setTarget(field);
  const register = (field) => (element) => {
    fields.current[field] = element;
  };

  return (
    <div className="te">
      {actionsSlot && createPortal(<SaveBar readOnly={readOnly} isNew={isNew} dirty={dirty} status={status} onSave={save} />, actionsSlot)}
      <div className="te-main">
        {status.kind === "failed" && (
          <div className="alert alert-error" role="alert">
            <Icon name="circle-alert" />
            <div>
              <p>{status.message}</p>
              {status.extra.length > 0 && (
                <ul className="te-extra-errors">
                  {status.extra.map((message) => (
                    <li key={message}>{message}</li>
                  ))}
                </ul>
              )}
            </div>
          </div>
        )}
        {data.report && <Report report={data.report} />}
        {isNew && <StarterPicker starters={data.starters} chosen={starter} open={startersOpen} onOpen={() => setStartersOpen(true)} onChoose={chooseStarter} />}

        <section className="card te-settings">
          <div className="te-row">
            <Field id="te-name" className="te-name" label={gettext("Name")} help={gettext("Only you and your team see it; journeys pick templates by name.")} errors={errors.name}>
              <input type="text" {...described("te-name")} value={settings.name} maxLength={150} readOnly={readOnly} aria-invalid={Boolean(errors.name)} placeholder={gettext("e.g. Welcome")} onChange={(e) => setSetting("name", e.target.value)} />
            </Field>
            <label className="te-switch">
              <input type="checkbox" checked={settings.is_active} disabled={readOnly} onChange={(e) => setSetting("is_active", e.target.checked)} />
              <span>{gettext("Active")}</span>
              <span className="field-help muted">{settings.is_active ? gettext("Journeys send it.") : gettext("Off: journeys skip it.")}</span>
            </label>
          </div>
          <details className="te-sending" open={sendingOpen} onToggle={(e) => setSendingOpen(e.currentTarget.open)}>
            <summary>
              <span className="te-sending-title">{gettext("Sender and sending")}</span>
              <span className="muted te-sending-summary">{senderLine}</span>
            </summary>
            <div className="te-grid">
              <Field id="te-sender-name" label={gettext("Sender name")} errors={errors.sender_name}>
                <input type="text" {...described("te-sender-name")} value={settings.sender_name} readOnly={readOnly} aria-invalid={Boolean(errors.sender_name)} placeholder={data.defaultSender.name} onChange={(e) => setSetting("sender_name", e.target.value)} />
              </Field>
              <Field id="te-sender-email" label={gettext("Sender email")} errors={errors.sender_email}>
                <input type="email" {...described("te-sender-email")} value={settings.sender_email} readOnly={readOnly} aria-invalid={Boolean(errors.sender_email)} placeholder={data.defaultSender.email} onChange={(e) => setSetting("sender_email", e.target.value)} />
              </Field>
              <Field id="te-reply-to" label={gettext("Reply-to")} errors={errors.reply_to}>
                <input type="email" {...described("te-reply-to")} value={settings.reply_to} readOnly={readOnly} aria-invalid={Boolean(errors.reply_to)} placeholder={gettext("Replies go to the sender")} onChange={(e) => setSetting("reply_to", e.target.value)} />
              </Field>
              <Field id="te-language" label={gettext("Main language")} errors={errors.language}>
                <select {...described("te-language")} value={main} disabled={readOnly} onChange={(e) => setMainLanguage(e.target.value)}>
                  {data.languages
                    .filter((l) => l.code === main || !order.includes(l.code))
                    .map((l) => (
                      <option key={l.code} value={l.code}>
                        {l.name}
                      </option>
                    ))}
                </select>
              </Field>
              <fieldset className="field te-on-missing">
                <legend className="field-label">{gettext("When a contact lacks a value the email uses")}</legend>
                {data.onMissing.map((choice) => (
                  <label key={choice.value} className="te-radio">
                    <input type="radio" name="on_missing" value={choice.value} checked={settings.on_missing === choice.value} disabled={readOnly} onChange={() => setSetting("on_missing", choice.value)} />
                    {choice.label}
                  </label>
                ))}
                <FieldError messages={errors.on_missing} />
              </fieldset>
            </div>
          </details>
        </section>

        <section className="card card-flush te-content">
          <div className="te-tabs">
            <div role="tablist" aria-label={gettext("Languages")} className="te-tablist">
              {order.map((code) => (
                <div key={code} className={`te-tab${code === active ? " is-active" : ""}`}>
                  <button type="button" role="tab" id={`te-tab-${code}`} aria-selected={code === active} aria-controls="te-panel" onClick={() => setActive(code)}>
                    {names[code] || code}
                    {code === main && <span className="te-tab-main">{gettext("main")}</span>}
                    {tabHasErrors(code) && <span className="te-tab-error" title={gettext("Has errors")} />}
                  </button>
                  {code !== main && !readOnly && (
                    <button type="button" className="icon-button te-tab-remove" aria-label={interpolate(gettext("Remove %(language)s"), { language: names[code] || code })} title={interpolate(gettext("Remove %(language)s"), { language: names[code] || code })} onClick={() => removeLanguage(code)}>
                      <Icon name="x" />
                    </button>
                  )}
                </div>
              ))}
            </div>
            {!readOnly && unused.length > 0 && (
              <label className="te-add-language">
                <Icon name="plus" />
                <span className="visually-hidden">{gettext("Add language")}</span>
                <select value="" onChange={(e) => addLanguage(e.target.value)} aria-label={gettext("Add language")}>
                  <option value="">{gettext("Add language")}</option>
                  {unused.map((l) => (
                    <option key={l.code} value={l.code}>
                      {l.name}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </div>
          <div className="te-panel" id="te-panel" role="tabpanel" aria-labelledby={`te-tab-${active}`} key={active}>
            <p className="muted te-panel-note">
              {active === main
                ? order.length > 1
                  ? gettext("Contacts get this version unless there is one in their language.")
                  : gettext("Every contact gets this version. Add a language to write one for contacts who speak it.")
                : interpolate(gettext("Contacts whose language is %(language)s get this version; everybody else gets %(main)s."), {
                    language: names[active],
                    main: names[main],
                  })}
            </p>
            <FieldError messages={errors[`translations.${active}`]} />
            <Field id="te-subject" label={gettext("Subject")} errors={errorsAt("subject")}>
              <input {...described("te-subject")} type="text" ref={register("subject")} value={content.subject} readOnly={readOnly} maxLength={300} aria-invalid={Boolean(errorsAt("subject"))} onFocus={onFocusField("subject")} onChange={(e) => setContent(active, "subject", e.target.value)} />
            </Field>
            <Field id="te-preheader" label={gettext("Preheader")} errors={errorsAt("preheader")}>
              <input {...described("te-preheader")} type="text" ref={register("preheader")} value={content.preheader} readOnly={readOnly} maxLength={300} aria-invalid={Boolean(errorsAt("preheader"))} placeholder={gettext("The line most inboxes show after the subject")} onFocus={onFocusField("preheader")} onChange={(e) => setContent(active, "preheader", e.target.value)} />
            </Field>
            <Field id="te-html-body" label={gettext("HTML body")} errors={errorsAt("html_body")}>
              <textarea {...described("te-html-body")} className="te-code" ref={register("html_body")} value={content.html_body} readOnly={readOnly} spellCheck={false} rows={16} aria-invalid={Boolean(errorsAt("html_body"))} onFocus={onFocusField("html_body")} onChange={(e) => setContent(active, "html_body", e.target.value)} />
            </Field>
            <Field id="te-text-body" label={gettext("Text body")} note={gettext("optional: made from the HTML when empty")} errors={errorsAt("text_body")}>
              <textarea {...described("te-text-body")} className="te-code te-code-short" ref={register("text_body")} value={content.text_body} readOnly={readOnly} spellCheck={false} rows={4} aria-invalid={Boolean(errorsAt("text_body"))} onFocus={onFocusField("text_body")} onChange={(e) => setContent(active, "text_body", e.target.value)} />
            </Field>
          </div>
          <VariablesPanel url={data.urls.variables} onInsert={insert} readOnly={readOnly} target={target} />
        </section>
      </div>

      <aside className="te-side">
        <Preview
          preview={preview}
          contact={contact}
          onContact={setContact}
          contactsUrl={data.urls.contacts}
          languageName={names[active] || active}
          sender={senderLine}
          onMissing={settings.on_missing}
        />
        {!readOnly &&
          (data.urls.testSend ? (
            <TestSend url={data.urls.testSend} defaultTo={data.userEmail} language={active} languageName={names[active] || active} contact={contact} dirty={dirty} outboxUrl={data.urls.outbox} />
          ) : (
            <p className="card te-test te-test-later muted">
              <Icon name="send" />
              {gettext("Create the template to send yourself a test.")}
            </p>
          ))}
      </aside>
    </div>
  );
}

const root = document.getElementById("template-editor");
if (root) {
  const data = JSON.parse(document.getElementById("template-editor-data").textContent);
  setIconSprite(data.sprite);
  root.removeAttribute("aria-busy");
  createRoot(root).render(
    <StrictMode>
      <Editor data={data} />
    </StrictMode>,
  );
}
