// One line per step type saying, in plain words, what the step will do with its settings.
// To add a node type: add its summary here (a step without one shows its type's description).
import { formatNumber, gettext, interpolate, ngettext } from "../../i18n.js";

function unitText(amount, unit) {
  const n = Number(amount);
  const words = {
    seconds: ngettext("%(n)s second", "%(n)s seconds", n),
    minutes: ngettext("%(n)s minute", "%(n)s minutes", n),
    hours: ngettext("%(n)s hour", "%(n)s hours", n),
    days: ngettext("%(n)s day", "%(n)s days", n),
    weeks: ngettext("%(n)s week", "%(n)s weeks", n),
  };
  return interpolate(words[unit] || "%(n)s", { n: formatNumber(n) });
}

function nameOf(list, id, key = "id") {
  const item = (list || []).find((x) => String(x[key]) === String(id));
  return item ? item.name : null;
}

function filters(where) {
  if (!where?.length) return "";
  const ops = { eq: "=", neq: "≠", gt: ">", gte: "≥", lt: "<", lte: "≤", contains: "∋", starts_with: "^", in: "∈", exists: gettext("is set"), not_exists: gettext("is not set") }; // i18n-ignore
  return where.map((w) => `${w.property} ${ops[w.op] || w.op}${w.value === undefined || w.value === null ? "" : ` ${typeof w.value === "number" ? formatNumber(w.value) : JSON.stringify(w.value)}`}`).join(", ");
}

const DAYS = () => [gettext("Mon"), gettext("Tue"), gettext("Wed"), gettext("Thu"), gettext("Fri"), gettext("Sat"), gettext("Sun")];

export const SUMMARIES = {
  trigger(c, l) {
    switch (c.kind || "event") {
      case "event":
        if (!c.event) return gettext("Choose the event that starts the journey");
        return interpolate(gettext("When “%(event)s” happens"), { event: c.event }) + (c.where?.length ? ` · ${filters(c.where)}` : "");
      case "segment_entered":
        return interpolate(gettext("When a contact enters “%(name)s”"), { name: nameOf(l.segments, c.segment) || "?" });
      case "segment_exited":
        return interpolate(gettext("When a contact leaves “%(name)s”"), { name: nameOf(l.segments, c.segment) || "?" });
      case "stage_changed":
        return interpolate(gettext("When a contact reaches the stage “%(name)s”"), { name: nameOf(l.stages, c.stage, "key") || "?" });
      case "date":
        return interpolate(gettext("On the date in “%(attribute)s”"), { attribute: c.date_attribute || "?" });
      default:
        return gettext("When a contact is added by hand or through the API");
    }
  },
  wait(c) {
    switch (c.mode || "duration") {
      case "duration":
        return interpolate(gettext("Waits %(time)s"), { time: unitText(c.amount ?? 1, c.unit || "days") });
      case "until_time":
        return interpolate(gettext("Waits until %(time)s"), { time: String(c.time || "09:00").slice(0, 5) }) + (c.weekdays?.length ? ` · ${c.weekdays.map((d) => DAYS()[d]).join(", ")}` : "");
      case "until_date":
        return interpolate(gettext("Waits until the date in “%(attribute)s”"), { attribute: c.date_attribute || "?" });
      default:
        return interpolate(gettext("Waits up to %(time)s for “%(event)s”"), { time: unitText(c.timeout_amount ?? 1, c.timeout_unit || "hours"), event: c.event || "?" });
    }
  },
  condition(c) {
    const rule = c.rule;
    if (!rule) return gettext("Set the condition");
    const leaves = rule.all || rule.any || [rule];
    const first = leaves[0];
    if (!first) return gettext("Set the condition");
    let text;
    if (first.type === "event") text = interpolate(gettext("Did “%(event)s”"), { event: first.name || "?" }) + (first.where?.length ? ` · ${filters(first.where)}` : "");
    else if (first.type === "attribute") text = `${first.field || "?"} ${first.op || ""} ${first.value ?? ""}`.trim();
    else text = first.type;
    return leaves.length > 1 ? interpolate(gettext("%(first)s and %(count)s more"), { first: text, count: leaves.length - 1 }) : text;
  },
  split(c) {
    return (c.branches || []).map((b) => `${b.label || b.key} ${b.percent} %`).join(" · ") || gettext("Add branches");
  },
  send_email(c, l) {
    const name = nameOf(l.templates, c.template);
    return name ? interpolate(gettext("Sends “%(name)s”"), { name }) : gettext("Choose an email template");
  },
  add_to_audience(c, l) {
    const name = nameOf(l.audiences, c.audience);
    return name ? interpolate(gettext("Adds to “%(name)s”"), { name }) : gettext("Choose an audience");
  },
  remove_from_audience(c, l) {
    const name = nameOf(l.audiences, c.audience);
    return name ? interpolate(gettext("Removes from “%(name)s”"), { name }) : gettext("Choose an audience");
  },
  update_contact(c, l) {
    const parts = [];
    const set = Object.keys(c.set_attributes || {});
    if (set.length) parts.push(interpolate(gettext("sets %(names)s"), { names: set.join(", ") }));
    if (c.add_tags?.length) parts.push(interpolate(gettext("tags %(tags)s"), { tags: c.add_tags.join(", ") }));
    if (c.remove_tags?.length) parts.push(interpolate(gettext("untags %(tags)s"), { tags: c.remove_tags.join(", ") }));
    if (c.remove_attributes?.length) parts.push(interpolate(gettext("clears %(names)s"), { names: c.remove_attributes.join(", ") }));
    if (c.stage) parts.push(interpolate(gettext("stage → %(stage)s"), { stage: nameOf(l.stages, c.stage, "key") || c.stage }));
    return parts.join(" · ") || gettext("Choose what to change");
  },
  webhook(c) {
    if (!c.url) return gettext("Enter the address to call");
    try {
      return `${c.method || "POST"} ${new URL(c.url).host}`;
    } catch {
      return `${c.method || "POST"} ${c.url}`;
    }
  },
  notify(c) {
    return c.to?.length ? interpolate(gettext("Emails %(to)s"), { to: c.to.join(", ") }) : gettext("Enter your colleagues' addresses");
  },
  exit(c) {
    return c.reason === "goal" ? gettext("Ends the journey: goal reached") : gettext("Ends the journey");
  },
};

export function summarize(kind, config, lookups, type) {
  const fn = SUMMARIES[kind];
  return fn ? fn(config || {}, lookups || {}) : type?.description || "";
}
