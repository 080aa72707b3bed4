// A settings form rendered from a config schema (journeys/nodes/base.py `describe`): the
// inspector's step settings and the journey settings drawer use it. Errors come keyed by dotted
// path relative to the form ("amount", "where.0.property"), as the validator names them.
import { useId } from "react";
import { gettext, interpolate } from "../i18n.js";
import { RuleEditor } from "../rules/RuleEditor.jsx";

function errorsFor(errors, path) {
  return errors?.[path] || [];
}

function errorsUnder(errors, prefix) {
  const out = {};
  for (const [path, messages] of Object.entries(errors || {})) {
    if (path.startsWith(`${prefix}.`)) out[path.slice(prefix.length + 1)] = messages;
  }
  return out;
}

function FieldErrors({ messages }) {
  if (!messages.length) return null;
  return <span className="field-error" role="alert">{messages.join(" ")}</span>;
}

function visible(field, value) {
  if (!field.show_if) return true;
  const current = value?.[field.show_if.field];
  return field.show_if.in.includes(current);
}

function typed(text) {
  if (text === "") return "";
  try {
    const parsed = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? text : parsed;
  } catch {
    return text;
  }
}

function shown(value) {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

const REFERENCE_LISTS = { template: "templates", segment: "segments", audience: "audiences", stage: "stages" };

function ReferenceSelect({ field, value, onChange, lookups, readOnly, id, invalid }) {
  const items = lookups[REFERENCE_LISTS[field.to]] || [];
  const key = field.to === "stage" ? "key" : "id";
  const empty = {
    template: gettext("Choose a template…"),
    segment: gettext("Choose a segment…"),
    audience: gettext("Choose an audience…"),
    stage: gettext("Choose a stage…"),
  }[field.to];
  const known = value === undefined || value === null || value === "" || items.some((i) => String(i[key]) === String(value));
  return (
    <select id={id} value={value ?? ""} disabled={readOnly} aria-invalid={invalid || undefined} onChange={(e) => {
      const raw = e.target.value;
      onChange(raw === "" ? undefined : key === "id" ? Number(raw) : raw);
    }}>
      <option value="">{items.length ? empty : gettext("None yet — create one first")}</option>
      {!known && <option value={value}>{interpolate(gettext("Missing (%(value)s)"), { value })}</option>}
      {items.map((item) => <option key={item[key]} value={item[key]}>{item.name}</option>)}
    </select>
  );
}

function ScalarInput({ field, value, onChange, lookups, readOnly, id, invalid, listId }) {
  const common = { id, disabled: readOnly, "aria-invalid": invalid || undefined };
  switch (field.type) {
    case "textarea":
      return <textarea {...common} rows={5} value={shown(value)} maxLength={field.max_length} onChange={(e) => onChange(e.target.value)} />;
    case "integer":
    case "number":
      return (
        <input {...common} type="number" className="input-narrow" min={field.min} max={field.max} step={field.type === "integer" ? 1 : "any"}
          value={value ?? ""} onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))} />
      );
    case "boolean":
      return <input {...common} type="checkbox" checked={Boolean(value)} onChange={(e) => onChange(e.target.checked)} />;
    case "choice":
      return (
        <select {...common} value={value ?? ""} onChange={(e) => {
          const choice = field.choices.find((c) => String(c.value) === e.target.value);
          onChange(choice ? choice.value : undefined);
        }}>
          {(value === undefined || value === null) && <option value="">{gettext("Choose…")}</option>}
          {field.choices.map((c) => <option key={String(c.value)} value={String(c.value)}>{c.label}</option>)}
        </select>
      );
    case "time":
      return <input {...common} type="time" value={value ? String(value).slice(0, 5) : ""} onChange={(e) => onChange(e.target.value || undefined)} />;
    case "email":
      return <input {...common} type="email" value={value ?? ""} onChange={(e) => onChange(e.target.value)} />;
    case "url":
      return <input {...common} type="url" placeholder="https://" value={value ?? ""} onChange={(e) => onChange(e.target.value)} />;
    case "reference":
      return <ReferenceSelect field={field} value={value} onChange={onChange} lookups={lookups} readOnly={readOnly} id={id} invalid={invalid} />;
    case "event_name":
      return <input {...common} type="text" list={listId("events")} placeholder={gettext("e.g. form_submitted")} value={value ?? ""} onChange={(e) => onChange(e.target.value.trim())} />;
    case "attribute_name":
      return <input {...common} type="text" list={listId("attributes")} placeholder={gettext("e.g. plan or company.size")} value={value ?? ""} onChange={(e) => onChange(e.target.value.trim())} />;
    case "json":
      return <input {...common} type="text" value={shown(value)} placeholder={gettext("a number, text, true/false")} onChange={(e) => onChange(typed(e.target.value))} />;
    default:
      return <input {...common} type="text" value={shown(value)} maxLength={field.max_length} placeholder={field.placeholder} onChange={(e) => onChange(e.target.value)} />;
  }
}

function MultiChoice({ field, value, onChange, readOnly }) {
  const chosen = new Set(value || []);
  return (
    <div className="choice-chips" role="group" aria-label={field.label}>
      {field.choices.map((c) => (
        <label key={String(c.value)} className={`chip${chosen.has(c.value) ? " is-on" : ""}`}>
          <input type="checkbox" disabled={readOnly} checked={chosen.has(c.value)} onChange={(e) => {
            const next = field.choices.map((x) => x.value).filter((v) => (v === c.value ? e.target.checked : chosen.has(v)));
            onChange(next);
          }} />
          {c.label}
        </label>
      ))}
    </div>
  );
}

function ListField({ field, value, onChange, errors, path, ...rest }) {
  const items = Array.isArray(value) ? value : [];
  const item = field.item || { type: "text" };
  const canAdd = !rest.readOnly && (field.max_items === undefined || items.length < field.max_items);
  const canRemove = !rest.readOnly && items.length > (field.min_items || 0);
  const blank = () => {
    if (item.type !== "object") return item.type === "integer" || item.type === "number" ? 0 : "";
    const out = {};
    for (const f of item.fields) if (f.default !== undefined) out[f.name] = f.default;
    if (field.name === "branches") {
      const taken = new Set(items.map((b) => b.key));
      let code = 97;
      while (taken.has(String.fromCharCode(code))) code += 1;
      const key = String.fromCharCode(code);
      Object.assign(out, { key, label: key.toUpperCase(), percent: 0 });
    }
    return out;
  };
  return (
    <div className="list-field">
      {items.length === 0 && <p className="muted list-empty">{gettext("None yet.")}</p>}
      {items.map((entry, index) => (
        <div key={index} className={`list-item${item.type === "object" ? " list-item-object" : ""}`}>
          {item.type === "object" ? (
            <Fields fields={item.fields} value={entry} onChange={(next) => onChange(items.map((x, i) => (i === index ? next : x)))} errors={errorsUnder(errors, String(index))} path={`${path}.${index}`} inline {...rest} />
          ) : (
            <ScalarInput field={item} value={entry} onChange={(next) => onChange(items.map((x, i) => (i === index ? next : x)))} {...rest} id={undefined} invalid={Boolean(errorsFor(errors, String(index)).length)} />
          )}
          {canRemove && (
            <button type="button" className="icon-button list-remove" aria-label={gettext("Remove")} title={gettext("Remove")} onClick={() => onChange(items.filter((_, i) => i !== index))}>×</button>
          )}
          {item.type !== "object" && <FieldErrors messages={errorsFor(errors, String(index))} />}
        </div>
      ))}
      {canAdd && (
        <button type="button" className="button button-small button-quiet" onClick={() => onChange([...items, blank()])}>
          + {field.name === "where" ? gettext("Filter") : field.name === "branches" ? gettext("Branch") : gettext("Add")}
        </button>
      )}
    </div>
  );
}

function MappingField({ field, value, onChange, readOnly, listId }) {
  const entries = Object.entries(value || {});
  const rebuild = (pairs) => onChange(Object.fromEntries(pairs));
  return (
    <div className="list-field">
      {entries.map(([key, entry], index) => (
        <div key={index} className="list-item mapping-item">
          <input type="text" aria-label={gettext("Name")} list={field.name === "set_attributes" ? listId("attributes") : undefined} value={key} disabled={readOnly} onChange={(e) => rebuild(entries.map((p, i) => (i === index ? [e.target.value, p[1]] : p)))} />
          <input type="text" aria-label={gettext("Value")} value={shown(entry)} disabled={readOnly} onChange={(e) => rebuild(entries.map((p, i) => (i === index ? [p[0], field.value?.type === "json" ? typed(e.target.value) : e.target.value] : p)))} />
          {!readOnly && <button type="button" className="icon-button list-remove" aria-label={gettext("Remove")} onClick={() => rebuild(entries.filter((_, i) => i !== index))}>×</button>}
        </div>
      ))}
      {!readOnly && (
        <button type="button" className="button button-small button-quiet" onClick={() => {
          let name = "name";
          let n = 1;
          while (name in (value || {})) name = `name_${++n}`;
          rebuild([...entries, [name, ""]]);
        }}>+ {gettext("Add")}</button>
      )}
    </div>
  );
}

function Field({ field, value, onChange, errors, path, lookups, readOnly, listId }) {
  const id = useId();
  const own = errorsFor(errors, field.name);
  const nested = errorsUnder(errors, field.name);
  const props = { lookups, readOnly, listId };
  const set = (next) => onChange(field.name, next);
  let control;
  let wraps = true; // a <label> around the control: simple inputs only
  switch (field.type) {
    case "list":
      control = <ListField field={field} value={value} onChange={set} errors={nested} path={`${path}${field.name}`} {...props} />;
      wraps = false;
      break;
    case "mapping":
      control = <MappingField field={field} value={value} onChange={set} {...props} />;
      wraps = false;
      break;
    case "multichoice":
      control = <MultiChoice field={field} value={value} onChange={set} readOnly={readOnly} />;
      wraps = false;
      break;
    case "rule":
      control = (
        <RuleEditor
          value={value || { all: [] }}
          onChange={set}
          readOnly={readOnly}
          errors={nested}
          options={{ stages: lookups.stages, segments: lookups.segments, eventNames: lookups.eventNames, attributeNames: lookups.attributeNames }}
        />
      );
      wraps = false;
      break;
    case "object": {
      const on = value !== undefined && value !== null;
      control = (
        <div className="object-field">
          {!field.required && (
            <label className="rule-inline">
              <input type="checkbox" checked={on} disabled={readOnly} onChange={(e) => {
                if (!e.target.checked) return set(undefined);
                const start = {};
                for (const f of field.fields) if (f.default !== undefined) start[f.name] = f.default;
                return set(start);
              }} />
              <span className="field-label">{field.label}</span>
            </label>
          )}
          {(on || field.required) && <Fields fields={field.fields} value={value || {}} onChange={set} errors={nested} path={`${path}${field.name}.`} {...props} />}
        </div>
      );
      wraps = false;
      break;
    }
    default:
      control = <ScalarInput field={field} value={value} onChange={set} id={id} invalid={own.length > 0} {...props} />;
  }
  const label = (
    <span className="field-label">
      {field.label}
      {field.required && field.type !== "object" && <span className="field-required" aria-hidden="true"> *</span>}
    </span>
  );
  if (field.type === "boolean") {
    return (
      <div className={`field field-${field.type}${own.length ? " has-error" : ""}`} data-field={path + field.name}>
        <label className="rule-inline">{control}{field.label}</label>
        {field.help && <span className="field-help muted">{field.help}</span>}
        <FieldErrors messages={own} />
      </div>
    );
  }
  const optionalObject = field.type === "object" && !field.required; // its checkbox is its heading
  let heading = null;
  if (wraps) heading = <label htmlFor={id}>{label}</label>;
  else if (!optionalObject) heading = <span className="field-label-wrap" role="heading" aria-level={4}>{label}</span>;
  return (
    <div className={`field field-${field.type}${own.length ? " has-error" : ""}`} data-field={path + field.name}>
      {heading}
      {control}
      {field.help && <span className="field-help muted">{field.help}</span>}
      <FieldErrors messages={own} />
    </div>
  );
}

export function Fields({ fields, value, onChange, errors = {}, path = "", lookups, readOnly, listId, inline = false }) {
  const current = value || {};
  const change = (name, next) => {
    const copy = { ...current };
    if (next === undefined) delete copy[name];
    else copy[name] = next;
    onChange(copy, name);
  };
  return (
    <div className={inline ? "fields fields-inline" : "fields"}>
      {fields.filter((f) => visible(f, current)).map((field) => (
        <Field key={field.name} field={field} value={current[field.name]} onChange={change} errors={errors} path={path} lookups={lookups} readOnly={readOnly} listId={listId} />
      ))}
    </div>
  );
}

// Suggestions for event and attribute names, rendered once per form.
export function NameLists({ lookups, prefix }) {
  return (
    <>
      <datalist id={`${prefix}-events`}>{(lookups.eventNames || []).map((n) => <option key={n} value={n} />)}</datalist>
      <datalist id={`${prefix}-attributes`}>{(lookups.attributeNames || []).map((n) => <option key={n} value={n} />)}</datalist>
    </>
  );
}
