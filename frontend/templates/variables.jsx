// What a template can use (from the variables API), inserted with one click at the cursor of the
// field last focused, and a short guide to fallbacks and formats.
import { useEffect, useState } from "react";
import { api } from "../api.js";
import { gettext } from "../i18n.js";

// "event.<property>" stands for any property of the triggering event: insert "{{ event. }}" and
// leave the cursor after the dot.
export function snippetFor(name) {
  const placeholder = name.indexOf("<");
  if (placeholder >= 0) {
    const text = `{{ ${name.slice(0, placeholder)} }}`;
    return { text, caret: 3 + placeholder };
  }
  const text = `{{ ${name} }}`;
  return { text, caret: text.length };
}

const EXAMPLES = [
  { code: '{{ contact.first_name | default("there") }}', help: () => gettext("A fallback for contacts without a value.") },
  { code: "{{ contact.last_order_at | date }}", help: () => gettext("A date, written the way the contact's language writes it.") },
  { code: '{{ contact.total_revenue | money("EUR") }}', help: () => gettext("An amount with its currency.") },
  { code: "{{ contact.order_count | number }}", help: () => gettext("A number with the contact's separators.") },
  { code: "{% if contact.order_count %}…{% endif %}", help: () => gettext("Show a part only to some contacts.") },
];

export function VariablesPanel({ url, onInsert, readOnly, target }) {
  const [variables, setVariables] = useState(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const controller = new AbortController();
    api(url, { signal: controller.signal })
      .then(setVariables)
      .catch((error) => error.name !== "AbortError" && setFailed(true));
    return () => controller.abort();
  }, [url]);

  const groups = variables
    ? [
        { title: gettext("The contact"), names: variables.contact || [] },
        { title: gettext("The journey, the event and links"), names: variables.other || [] },
      ]
    : [];
  const button = (name, snippet) => (
    <button
      key={name}
      type="button"
      className="chip te-var"
      disabled={readOnly}
      onMouseDown={(e) => e.preventDefault()} // keep the cursor where it is in the field
      onClick={() => onInsert(snippet.text, snippet.caret)}
      title={readOnly ? undefined : gettext("Insert at the cursor")}
    >
      <code>{name}</code>
    </button>
  );

  return (
    <section className="te-variables" aria-labelledby="te-variables-title">
      <header className="te-variables-head">
        <h3 id="te-variables-title">{gettext("Personalise")}</h3>
        <p className="muted">
          {readOnly
            ? gettext("Values a template can use:")
            : target
              ? gettext("Click a value to insert it at the cursor.")
              : gettext("Click into the subject, preheader or a body, then click a value to insert it there.")}
        </p>
      </header>
      {failed && <p className="field-error">{gettext("The list of values could not be loaded.")}</p>}
      {!variables && !failed && <p className="muted">{gettext("Loading…")}</p>}
      {groups.map((group) => (
        <div key={group.title} className="te-var-group">
          <h4>{group.title}</h4>
          <div className="te-var-list">{group.names.map((name) => button(name, snippetFor(name)))}</div>
        </div>
      ))}
      <details className="te-filters">
        <summary>{gettext("Fallbacks, formats and conditions")}</summary>
        <dl>
          {EXAMPLES.map((example) => (
            <div key={example.code}>
              <dt>{button(example.code, { text: example.code, caret: example.code.length })}</dt>
              <dd>{example.help()}</dd>
            </div>
          ))}
        </dl>
        {variables?.filters?.length > 0 && (
          <p className="muted">
            {gettext("Filters:")} {variables.filters.map((name) => <code key={name}>{name}</code>).reduce((a, b) => [a, " ", b])}
          </p>
        )}
      </details>
    </section>
  );
}
