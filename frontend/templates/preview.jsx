// The live preview of the template editor (rendered by the server as a real contact gets it),
// the contact picker it renders for, and the test send.
import { useEffect, useRef, useState } from "react";
import { api, ApiError, fieldErrorsUnder } from "../api.js";
import { gettext, interpolate } from "../i18n.js";
import { Icon } from "../icon.jsx";

const WIDTHS = { desktop: 600, mobile: 375 };

// Renders the unsaved content through the preview API, ~500 ms after the last change.
// Keeps the last good result while a newer one loads or while the content has errors.
export function usePreview({ url, content, language, contactId }) {
  const [state, setState] = useState({ loading: Boolean(url), result: null, errors: {}, message: "" });
  const key = JSON.stringify([content, language, contactId]);
  useEffect(() => {
    if (!url) return undefined;
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      setState((s) => ({ ...s, loading: true }));
      const body = { language, content };
      if (contactId) body.contact_id = contactId;
      try {
        const result = await api(url, { method: "POST", body, signal: controller.signal });
        setState({ loading: false, result, errors: {}, message: "" });
      } catch (error) {
        if (error.name === "AbortError") return;
        const errors = error instanceof ApiError ? fieldErrorsUnder(error.fields, "content") : {};
        const message = error instanceof ApiError ? error.message : gettext("The preview could not be loaded. Check your connection.");
        setState((s) => ({ ...s, loading: false, errors, message }));
      }
    }, 500);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [url, key]);
  return state;
}

export function contactLabel(contact) {
  if (!contact) return gettext("Sample contact");
  return [contact.first_name, contact.last_name].filter(Boolean).join(" ") || contact.email || contact.external_id || `#${contact.id}`;
}

// "%(name)s has no value for %(field)s" with the field set as code, whatever the word order.
function sentence(format, values) {
  return format.split(/(%\(\w+\)s)/).map((part, index) => {
    const match = part.match(/^%\((\w+)\)s$/);
    return match && match[1] in values ? <span key={index}>{values[match[1]]}</span> : part;
  });
}

function ContactPicker({ url, value, onChange }) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const [results, setResults] = useState([]);
  const [loading, setLoading] = useState(false);
  const [highlight, setHighlight] = useState(0);
  const input = useRef();

  useEffect(() => {
    if (!open) return undefined;
    const controller = new AbortController();
    setLoading(true);
    const timer = setTimeout(async () => {
      try {
        const params = new URLSearchParams({ q: query.trim(), page_size: "8", ordering: "-last_seen_at" });
        const data = await api(`${url}?${params}`, { signal: controller.signal });
        setResults(data.results || []);
        setHighlight(0);
      } catch (error) {
        if (error.name !== "AbortError") setResults([]);
      } finally {
        if (!controller.signal.aborted) setLoading(false);
      }
    }, 250);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [open, query, url]);

  const options = [null, ...results];
  function choose(contact) {
    onChange(contact);
    setOpen(false);
    setQuery("");
    input.current?.blur();
  }
  function onKeyDown(event) {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      setOpen(true);
      setHighlight((h) => Math.min(h + 1, options.length - 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      setHighlight((h) => Math.max(h - 1, 0));
    } else if (event.key === "Enter" && open) {
      event.preventDefault();
      choose(options[highlight] ?? null);
    } else if (event.key === "Escape") {
      setOpen(false);
      input.current?.blur();
    }
  }

  return (
    <div className="te-picker">
      <label className="te-picker-label" htmlFor="te-contact">
        {gettext("Preview as")}
      </label>
      <div className="te-picker-box">
        <input
          id="te-contact"
          ref={input}
          type="search"
          role="combobox"
          autoComplete="off"
          aria-expanded={open}
          aria-controls="te-contact-options"
          aria-autocomplete="list"
          aria-activedescendant={open ? `te-contact-option-${highlight}` : undefined}
          value={open ? query : contactLabel(value)}
          placeholder={gettext("Search by name or email")}
          onFocus={() => setOpen(true)}
          onBlur={() => setOpen(false)}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={onKeyDown}
        />
        {open && (
          <ul id="te-contact-options" role="listbox" className="te-options" aria-label={gettext("Contacts")}>
            {options.map((contact, index) => (
              <li
                key={contact ? contact.id : "sample"}
                id={`te-contact-option-${index}`}
                role="option"
                aria-selected={index === highlight}
                className={index === highlight ? "is-highlighted" : undefined}
                onMouseDown={(e) => {
                  e.preventDefault(); // keep focus: the choice is made on this press
                  choose(contact);
                }}
                onMouseEnter={() => setHighlight(index)}
              >
                <strong>{contactLabel(contact)}</strong>
                <span className="muted">{contact ? contact.email : gettext("made-up values, nothing missing")}</span>
              </li>
            ))}
            {!loading && results.length === 0 && query.trim() && <li className="te-options-empty muted">{gettext("No contact matches.")}</li>}
          </ul>
        )}
      </div>
    </div>
  );
}

// The email in an iframe without scripts (sandbox=""), shrunk to fit when the column is narrower.
function Frame({ html, width }) {
  const box = useRef();
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const observer = new ResizeObserver(([entry]) => setSize({ width: entry.contentRect.width, height: entry.contentRect.height }));
    observer.observe(box.current);
    return () => observer.disconnect();
  }, []);
  const scale = size.width ? Math.min(1, size.width / width) : 1;
  const height = Math.max(size.height, 200);
  return (
    <div className="te-frame-box" ref={box}>
      <div className="te-frame-scaler" style={{ width: Math.floor(width * scale), height }}>
        <iframe
          className="te-frame"
          title={gettext("Email preview")}
          sandbox=""
          srcDoc={html}
          width={width}
          style={{ width, height: height / scale, transform: `scale(${scale})` }}
        />
      </div>
    </div>
  );
}

export function Preview({ preview, contact, onContact, contactsUrl, languageName, sender, onMissing }) {
  const [device, setDevice] = useState("desktop");
  const [plain, setPlain] = useState(false);
  const result = preview.result;
  const who = contact ? contact.first_name || contact.email || contactLabel(contact) : gettext("The sample contact");
  const hasErrors = Object.keys(preview.errors).length > 0;
  const noHtmlText = gettext("No HTML body: contacts get the plain-text version.");
  const noHtml = `<p style="font-family:sans-serif;color:#5d6577">${noHtmlText}</p>`;
  let body = (
    <div className="te-frame-box te-frame-loading">
      <p className="muted">{preview.loading ? gettext("Rendering the preview…") : ""}</p>
    </div>
  );
  if (plain) body = <pre className="te-plain">{result ? result.text : ""}</pre>;
  else if (result) body = <Frame html={result.html || noHtml} width={WIDTHS[device]} />;

  return (
    <section className="card te-preview" aria-label={gettext("Preview")}>
      <header className="te-preview-head">
        <h2>{gettext("Preview")}</h2>
        <div className="te-preview-tools">
          <div className="segmented" role="group" aria-label={gettext("Screen width")}>
            <button type="button" aria-pressed={device === "desktop" && !plain} onClick={() => { setDevice("desktop"); setPlain(false); }} title={gettext("Desktop: 600 pixels wide")}>
              <Icon name="monitor" />
              {gettext("Desktop")}
            </button>
            <button type="button" aria-pressed={device === "mobile" && !plain} onClick={() => { setDevice("mobile"); setPlain(false); }} title={gettext("Phone: 375 pixels wide")}>
              <Icon name="smartphone" />
              {gettext("Mobile")}
            </button>
            <button type="button" aria-pressed={plain} onClick={() => setPlain(!plain)} title={gettext("The plain-text version, for email apps that show no HTML")}>
              <Icon name="file-text" />
              {gettext("Plain text")}
            </button>
          </div>
        </div>
      </header>
      <div className="te-preview-as">
        <ContactPicker url={contactsUrl} value={contact} onChange={onContact} />
        <span className="badge te-language" title={gettext("The language shown")}>
          <Icon name="languages" />
          {languageName}
        </span>
      </div>
      <div className={`te-envelope${preview.loading ? " is-loading" : ""}`} aria-live="polite">
        <div className="te-envelope-from">{sender}</div>
        <div className="te-envelope-subject">{result ? result.subject || gettext("(no subject)") : "\u00a0"}</div>
        <div className="te-envelope-preheader">{result ? result.preheader : "\u00a0"}</div>
      </div>
      {result && result.missing.length > 0 && (
        <div className="te-missing" role="status">
          <Icon name="circle-alert" />
          <div>
            <ul>
              {result.missing.map((field) => (
                <li key={field}>{sentence(gettext("%(name)s has no value for %(field)s"), { name: who, field: <code>{field}</code> })}</li>
              ))}
            </ul>
            <p>
              {onMissing === "skip"
                ? gettext("With “Skip the contact”, this contact would not get the email.")
                : gettext("The email goes out with these left empty. Add a fallback with default(…) where it matters.")}
            </p>
          </div>
        </div>
      )}
      {(hasErrors || preview.message) && (
        <p className="te-preview-problem" role="status">
          <Icon name="circle-alert" />
          {!hasErrors
            ? preview.message
            : result
              ? gettext("Fix what is marked in the editor to update the preview. Shown: the last version that worked.")
              : gettext("Fix what is marked in the editor to see the preview.")}
        </p>
      )}
      {body}
    </section>
  );
}

export function TestSend({ url, defaultTo, language, languageName, contact, dirty, outboxUrl }) {
  const [to, setTo] = useState(defaultTo || "");
  const [state, setState] = useState({ kind: "idle", message: "" });
  // A result belongs to the language it was sent in: another tab starts afresh.
  useEffect(() => setState({ kind: "idle", message: "" }), [language]);

  async function send(event) {
    event.preventDefault();
    setState({ kind: "sending", message: gettext("Sending…") });
    const body = { to: to.trim(), language };
    if (contact) body.contact_id = contact.id;
    try {
      await api(url, { method: "POST", body });
      setState({
        kind: "sent",
        message: interpolate(gettext("Test email in %(language)s is on its way to %(to)s."), { language: languageName, to: body.to }),
      });
    } catch (error) {
      const message = error instanceof ApiError ? Object.values(error.fields).flat().join(" ") || error.message : gettext("Could not reach Flowbuilder; try again.");
      setState({ kind: "failed", message });
    }
  }

  return (
    <section className="card te-test" aria-label={gettext("Send a test")}>
      <form className="te-test-form" onSubmit={send} noValidate>
        <label className="field">
          <span className="field-label">{interpolate(gettext("Send a test in %(language)s to"), { language: languageName })}</span>
          <input type="email" value={to} onChange={(e) => setTo(e.target.value)} aria-invalid={state.kind === "failed"} placeholder={gettext("you@example.com")} />
        </label>
        <button type="submit" className="button" disabled={state.kind === "sending" || !to.trim()}>
          <Icon name="send" />
          {gettext("Send test")}
        </button>
      </form>
      {dirty && <p className="field-help muted">{gettext("A test sends the saved version: save first to include your latest changes.")}</p>}
      {state.message && (
        <p className={`te-test-result te-test-${state.kind}`} role="status">
          {state.kind === "sent" && <Icon name="circle-check" />}
          {state.kind === "failed" && <Icon name="circle-alert" />}
          <span>
            {state.message}
            {state.kind === "sent" && outboxUrl && (
              <>
                {" "}
                <a href={outboxUrl}>{gettext("This machine keeps emails in the outbox: open it.")}</a>
              </>
            )}
          </span>
        </p>
      )}
    </section>
  );
}
