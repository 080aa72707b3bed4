// An editor for the segment rule language (contacts/rules.py, docs/segments.md) that a
// non-technical person can use: groups of conditions in plain words. Used by the segment
// builder and, later, by the condition node of the journey canvas.
//
// Props: value (a rule), onChange(rule), options {stages, segments, eventNames,
// attributeNames}, errors ({"all.0.op": ["…"]}, paths relative to the rule), readOnly.
import { useId } from "react";
import { gettext, pgettext } from "../i18n.js";

const MAX_DEPTH = 3;

const CONTACT_FIELDS = {
  email: "text", first_name: "text", last_name: "text", locale: "text", timezone: "text", external_id: "text",
  created_at: "datetime", last_seen_at: "datetime", first_order_at: "datetime", last_order_at: "datetime",
  order_count: "number", total_revenue: "number",
};

function typeLabels() {
  return {
    attribute: gettext("Contact field or attribute"),
    event: gettext("Did an event"),
    stage: gettext("Lifecycle stage"),
    consent: gettext("Email consent"),
    tag: gettext("Tag"),
    segment: gettext("Other segment"),
    rfm: gettext("Orders (recency, frequency, value)"),
  };
}

function opLabels() {
  return {
    eq: gettext("is"), neq: gettext("is not"), gt: gettext("is greater than"), gte: gettext("is at least"),
    lt: gettext("is less than"), lte: gettext("is at most"), contains: gettext("contains"),
    starts_with: gettext("starts with"), in: gettext("is one of"), exists: gettext("is set"),
    not_exists: gettext("is not set"), before: gettext("is before"), after: gettext("is after"),
    within_last: gettext("is within the last … days"), not_within_last: gettext("is not within the last … days"),
  };
}

const VALUE_OPS = ["eq", "neq", "gt", "gte", "lt", "lte", "contains", "starts_with", "in", "exists", "not_exists", "before", "after", "within_last", "not_within_last"];
const COMPARISONS = ["eq", "neq", "gt", "gte", "lt", "lte"];

export function newLeaf(type, options = {}) {
  switch (type) {
    case "event":
      return { type, name: options.eventNames?.[0] || "", count: { op: "gte", value: 1 } };
    case "stage":
      return { type, op: "in", value: options.stages?.length ? [options.stages[0].key] : [] };
    case "consent":
      return { type, op: "in", value: ["subscribed"] };
    case "tag":
      return { type, op: "has", value: "" };
    case "segment":
      return { type, op: "in", value: options.segments?.[0]?.id ?? null };
    case "rfm":
      return { type, metric: "recency", op: "gte", value: 60 };
    default:
      return { type: "attribute", field: "", op: "eq", value: "" };
  }
}

// Editing works on groups; a bare leaf or "not" at the top is shown inside an "all" group.
function asGroup(rule) {
  if (rule && (rule.all || rule.any)) return rule;
  return { all: rule ? [rule] : [] };
}

function errorsAt(errors, path) {
  return errors?.[path] || [];
}

function join(path, part) {
  return path ? `${path}.${part}` : String(part);
}

function FieldErrors({ messages }) {
  if (!messages.length) return null;
  return <span className="field-error" role="alert">{messages.join(" ")}</span>;
}

// Typed input: numbers stay numbers, "true"/"false" booleans, the rest text.
export function typedValue(text, numeric) {
  if (numeric || /^-?\d+(\.\d+)?$/.test(text.trim())) {
    const number = Number(text);
    if (text.trim() !== "" && !Number.isNaN(number)) return number;
  }
  if (text === "true") return true;
  if (text === "false") return false;
  return text;
}

export function RuleEditor({ value, onChange, options, errors = {}, readOnly = false }) {
  const group = asGroup(value);
  return (
    <div className="rule-editor">
      <FieldErrors messages={errorsAt(errors, "")} />
      <Group rule={group} path="" depth={1} onChange={onChange} options={options} errors={errors} readOnly={readOnly} />
    </div>
  );
}

function Group({ rule, path, depth, onChange, options, errors, readOnly }) {
  const mode = rule.any ? "any" : "all";
  const items = rule[mode] || [];
  const itemsPath = join(path, mode);
  const setItems = (next) => onChange({ [mode]: next });
  const labelId = useId();
  return (
    <fieldset className={`rule-group depth-${depth}`} disabled={readOnly}>
      <legend id={labelId} className="rule-group-head">
        {gettext("Contacts who match")}{" "}
        <select value={mode} aria-label={gettext("Match all or any")} onChange={(e) => onChange({ [e.target.value]: items })}>
          <option value="all">{gettext("all")}</option>
          <option value="any">{gettext("any")}</option>
        </select>{" "}
        {gettext("of these conditions")}
      </legend>
      <FieldErrors messages={errorsAt(errors, itemsPath)} />
      {items.length === 0 && <p className="muted rule-empty">{gettext("No conditions yet: everyone matches.")}</p>}
      <ol className="rule-items">
        {items.map((item, index) => (
          <Item
            key={index}
            rule={item}
            path={join(itemsPath, index)}
            depth={depth}
            options={options}
            errors={errors}
            readOnly={readOnly}
            joiner={index > 0 ? (mode === "all" ? gettext("and") : gettext("or")) : null}
            onChange={(next) => setItems(items.map((old, i) => (i === index ? next : old)))}
            onRemove={() => setItems(items.filter((_, i) => i !== index))}
          />
        ))}
      </ol>
      {!readOnly && (
        <div className="rule-add">
          <button type="button" className="button button-small" onClick={() => setItems([...items, newLeaf("attribute", options)])}>
            + {gettext("Condition")}
          </button>
          {depth < MAX_DEPTH && (
            <button type="button" className="button button-small button-quiet" onClick={() => setItems([...items, { any: [newLeaf("attribute", options)] }])}>
              + {gettext("Group")}
            </button>
          )}
        </div>
      )}
    </fieldset>
  );
}

function Item({ rule, path, depth, onChange, onRemove, options, errors, readOnly, joiner }) {
  const negated = Boolean(rule.not);
  const inner = negated ? rule.not : rule;
  const innerPath = negated ? join(path, "not") : path;
  const setInner = (next) => onChange(negated ? { not: next } : next);
  const isGroup = Boolean(inner.all || inner.any);
  return (
    <li className={`rule-item${negated ? " is-negated" : ""}`}>
      {joiner && <span className="rule-joiner">{joiner}</span>}
      <div className="rule-row">
        <label className="rule-not">
          <input type="checkbox" checked={negated} onChange={() => onChange(negated ? inner : { not: inner })} />
          {pgettext("rule negation", "not")}
        </label>
        <div className="rule-body">
          {isGroup ? (
            <Group rule={inner} path={innerPath} depth={depth + 1} onChange={setInner} options={options} errors={errors} readOnly={readOnly} />
          ) : (
            <Condition rule={inner} path={innerPath} onChange={setInner} options={options} errors={errors} />
          )}
        </div>
        {!readOnly && (
          <button type="button" className="icon-button rule-remove" aria-label={gettext("Remove this condition")} title={gettext("Remove")} onClick={onRemove}>
            ×
          </button>
        )}
      </div>
    </li>
  );
}

function Condition({ rule, path, onChange, options, errors }) {
  const labels = typeLabels();
  const e = (key) => errorsAt(errors, join(path, key));
  return (
    <div className="rule-condition">
      <select
        className="rule-type"
        value={rule.type}
        aria-label={gettext("Condition type")}
        onChange={(event) => onChange(newLeaf(event.target.value, options))}
      >
        {Object.entries(labels).map(([key, label]) => (
          <option key={key} value={key}>{label}</option>
        ))}
      </select>
      {rule.type === "attribute" && <AttributeCondition rule={rule} onChange={onChange} options={options} e={e} />}
      {rule.type === "event" && <EventCondition rule={rule} path={path} onChange={onChange} options={options} errors={errors} e={e} />}
      {rule.type === "stage" && <ChoiceList rule={rule} onChange={onChange} e={e} choices={(options.stages || []).map((s) => [s.key, s.name])} ops={[["in", gettext("is")], ["not_in", gettext("is not")]]} />}
      {rule.type === "consent" && (
        <ChoiceList
          rule={rule} onChange={onChange} e={e} ops={[["in", gettext("is")], ["not_in", gettext("is not")]]}
          choices={[["subscribed", gettext("Subscribed")], ["unsubscribed", gettext("Unsubscribed")], ["bounced", gettext("Bounced")], ["complained", gettext("Complained")]]}
        />
      )}
      {rule.type === "tag" && (
        <>
          <select value={rule.op} aria-label={gettext("Operator")} onChange={(ev) => onChange({ ...rule, op: ev.target.value })}>
            <option value="has">{gettext("has tag")}</option>
            <option value="has_not">{gettext("does not have tag")}</option>
          </select>
          <input type="text" value={rule.value} aria-label={gettext("Tag")} placeholder={gettext("e.g. vip")} onChange={(ev) => onChange({ ...rule, value: ev.target.value })} />
          <FieldErrors messages={[...e("op"), ...e("value")]} />
        </>
      )}
      {rule.type === "segment" && (
        <>
          <select value={rule.op} aria-label={gettext("Operator")} onChange={(ev) => onChange({ ...rule, op: ev.target.value })}>
            <option value="in">{gettext("is in")}</option>
            <option value="not_in">{gettext("is not in")}</option>
          </select>
          <select value={rule.value ?? ""} aria-label={gettext("Segment")} onChange={(ev) => onChange({ ...rule, value: Number(ev.target.value) })}>
            {(options.segments || []).map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
          </select>
          <FieldErrors messages={[...e("op"), ...e("value")]} />
        </>
      )}
      {rule.type === "rfm" && <RfmCondition rule={rule} onChange={onChange} e={e} />}
      <FieldErrors messages={e("type")} />
    </div>
  );
}

function ValueInput({ op, value, onChange, numeric, label }) {
  if (op === "exists" || op === "not_exists") return null;
  if (op === "within_last" || op === "not_within_last") {
    return (
      <span className="rule-inline">
        <input type="number" min="0" className="input-narrow" value={value ?? ""} aria-label={gettext("Days")} onChange={(e) => onChange(e.target.value === "" ? "" : Number(e.target.value))} />
        {gettext("days")}
      </span>
    );
  }
  if (op === "in") {
    const text = Array.isArray(value) ? value.join(", ") : "";
    return (
      <input
        type="text" value={text} aria-label={label} placeholder={gettext("values, separated by commas")}
        onChange={(e) => onChange(e.target.value.split(",").map((v) => typedValue(v.trim(), numeric)).filter((v) => v !== ""))}
      />
    );
  }
  const dates = op === "before" || op === "after";
  return (
    <input
      type={dates ? "date" : numeric ? "number" : "text"}
      value={value ?? ""}
      aria-label={label}
      onChange={(e) => onChange(dates || op === "contains" || op === "starts_with" ? e.target.value : typedValue(e.target.value, numeric))}
    />
  );
}

function AttributeCondition({ rule, onChange, options, e }) {
  const listId = useId();
  const kind = CONTACT_FIELDS[rule.field];
  const ops = opLabels();
  const allowed = kind === "datetime" ? ["before", "after", "within_last", "not_within_last", "exists", "not_exists"] : VALUE_OPS;
  const setOp = (op) => {
    const next = { ...rule, op };
    if (op === "exists" || op === "not_exists") delete next.value;
    else if (op === "within_last" || op === "not_within_last") next.value = 7;
    else if (op === "in") next.value = Array.isArray(rule.value) ? rule.value : [];
    else if (Array.isArray(rule.value) || rule.value === undefined) next.value = "";
    onChange(next);
  };
  return (
    <>
      <input
        type="text" list={listId} value={rule.field} aria-label={gettext("Field")} placeholder={gettext("field, e.g. plan")}
        onChange={(ev) => onChange({ ...rule, field: ev.target.value.trim() })}
      />
      <datalist id={listId}>
        {Object.keys(CONTACT_FIELDS).map((f) => <option key={f} value={f} />)}
        {(options.attributeNames || []).map((f) => <option key={`a-${f}`} value={f} />)}
      </datalist>
      <select value={rule.op} aria-label={gettext("Operator")} onChange={(ev) => setOp(ev.target.value)}>
        {allowed.map((op) => <option key={op} value={op}>{ops[op]}</option>)}
      </select>
      <ValueInput op={rule.op} value={rule.value} numeric={kind === "number"} label={gettext("Value")} onChange={(value) => onChange({ ...rule, value })} />
      <FieldErrors messages={[...e("field"), ...e("op"), ...e("value")]} />
    </>
  );
}

function EventCondition({ rule, path, onChange, options, errors, e }) {
  const listId = useId();
  const count = rule.count || { op: "gte", value: 1 };
  const where = rule.where || [];
  const ops = opLabels();
  const setWhere = (next) => {
    const copy = { ...rule, where: next };
    if (!next.length) delete copy.where;
    onChange(copy);
  };
  return (
    <div className="rule-event">
      <input type="text" list={listId} value={rule.name} aria-label={gettext("Event name")} placeholder={gettext("event, e.g. order_completed")} onChange={(ev) => onChange({ ...rule, name: ev.target.value.trim() })} />
      <datalist id={listId}>{(options.eventNames || []).map((n) => <option key={n} value={n} />)}</datalist>
      <select value={count.op} aria-label={gettext("How often")} onChange={(ev) => onChange({ ...rule, count: { ...count, op: ev.target.value } })}>
        <option value="gte">{gettext("at least")}</option>
        <option value="lte">{gettext("at most")}</option>
        <option value="eq">{gettext("exactly")}</option>
      </select>
      <input type="number" min="0" className="input-narrow" value={count.value} aria-label={gettext("Number of times")} onChange={(ev) => onChange({ ...rule, count: { ...count, value: Number(ev.target.value) } })} />
      {gettext("times")}
      <label className="rule-inline">
        <input
          type="checkbox" checked={"within_days" in rule}
          onChange={(ev) => {
            const next = { ...rule };
            if (ev.target.checked) next.within_days = 30;
            else delete next.within_days;
            onChange(next);
          }}
        />
        {gettext("in the last")}
      </label>
      {"within_days" in rule && (
        <span className="rule-inline">
          <input type="number" min="1" className="input-narrow" value={rule.within_days} aria-label={gettext("Days")} onChange={(ev) => onChange({ ...rule, within_days: Number(ev.target.value) })} />
          {gettext("days")}
        </span>
      )}
      <FieldErrors messages={[...e("name"), ...e("count.op"), ...e("count.value"), ...e("within_days")]} />
      {where.length > 0 && (
        <ul className="rule-where">
          {where.map((item, index) => (
            <li key={index}>
              <span className="muted">{gettext("where")}</span>
              <input type="text" value={item.property} aria-label={gettext("Property")} placeholder={gettext("property, e.g. revenue")} onChange={(ev) => setWhere(where.map((w, i) => (i === index ? { ...w, property: ev.target.value.trim() } : w)))} />
              <select value={item.op} aria-label={gettext("Operator")} onChange={(ev) => setWhere(where.map((w, i) => (i === index ? { ...w, op: ev.target.value } : w)))}>
                {VALUE_OPS.map((op) => <option key={op} value={op}>{ops[op]}</option>)}
              </select>
              <ValueInput op={item.op} value={item.value} label={gettext("Value")} onChange={(value) => setWhere(where.map((w, i) => (i === index ? { ...w, value } : w)))} />
              <button type="button" className="icon-button" aria-label={gettext("Remove this filter")} onClick={() => setWhere(where.filter((_, i) => i !== index))}>×</button>
              <FieldErrors messages={[...errorsAt(errors, join(path, `where.${index}.property`)), ...errorsAt(errors, join(path, `where.${index}.op`)), ...errorsAt(errors, join(path, `where.${index}.value`))]} />
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="button button-small button-quiet rule-add-filter" onClick={() => setWhere([...where, { property: "", op: "eq", value: "" }])}>
        + {gettext("Property filter")}
      </button>
    </div>
  );
}

function ChoiceList({ rule, onChange, e, choices, ops }) {
  const selected = new Set(rule.value || []);
  const toggle = (key) => {
    const next = new Set(selected);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    onChange({ ...rule, value: choices.map(([k]) => k).filter((k) => next.has(k)) });
  };
  return (
    <>
      <select value={rule.op} aria-label={gettext("Operator")} onChange={(ev) => onChange({ ...rule, op: ev.target.value })}>
        {ops.map(([key, label]) => <option key={key} value={key}>{label}</option>)}
      </select>
      <span className="rule-choices">
        {choices.map(([key, label]) => (
          <label key={key} className={`chip chip-toggle${selected.has(key) ? " is-on" : ""}`}>
            <input type="checkbox" checked={selected.has(key)} onChange={() => toggle(key)} />
            {label}
          </label>
        ))}
      </span>
      <FieldErrors messages={[...e("op"), ...e("value")]} />
    </>
  );
}

function RfmCondition({ rule, onChange, e }) {
  const ops = opLabels();
  return (
    <>
      <select value={rule.metric} aria-label={gettext("Measure")} onChange={(ev) => onChange({ ...rule, metric: ev.target.value })}>
        <option value="recency">{gettext("days since the last order")}</option>
        <option value="frequency">{gettext("number of orders")}</option>
        <option value="monetary">{gettext("total revenue")}</option>
      </select>
      <select value={rule.op} aria-label={gettext("Operator")} onChange={(ev) => onChange({ ...rule, op: ev.target.value })}>
        {COMPARISONS.map((op) => <option key={op} value={op}>{ops[op]}</option>)}
      </select>
      <input type="number" min="0" step="any" className="input-narrow" value={rule.value} aria-label={gettext("Value")} onChange={(ev) => onChange({ ...rule, value: ev.target.value === "" ? "" : Number(ev.target.value) })} />
      <FieldErrors messages={[...e("metric"), ...e("op"), ...e("value")]} />
    </>
  );
}
