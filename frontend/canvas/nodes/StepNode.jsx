// A step on the canvas: its type's icon and name, what it does in plain words, an input on top,
// one handle per output at the bottom, live badges, and marks from validation or a test run.
// Memoised and subscribed to its own slices of the store, so moving one step redraws only it.
import { Handle, Position } from "@xyflow/react";
import { memo } from "react";
import { Icon } from "../../icon.jsx";
import { formatNumber, gettext, interpolate, ngettext } from "../../i18n.js";
import { outputsOf } from "../graph.js";
import { useEditor } from "../store.js";
import { summarize } from "./summaries.js";

function percent(part, whole) {
  if (!whole) return "–";
  return formatNumber(part / whole, { style: "percent", maximumFractionDigits: 0 });
}

function Badges({ id, counts }) {
  const openContacts = (state) => (event) => {
    event.stopPropagation();
    window.dispatchEvent(new CustomEvent("canvas:node-contacts", { detail: { id, state } }));
  };
  return (
    <div className="step-badges nodrag">
      <button type="button" className="step-badge step-badge-waiting" onClick={openContacts("waiting")} title={gettext("Contacts waiting at this step now")} aria-label={interpolate(ngettext("%(n)s contact here now", "%(n)s contacts here now", counts.waiting), { n: counts.waiting })}>
        <Icon name="hourglass" />
        <span data-count="waiting">{formatNumber(counts.waiting)}</span>
      </button>
      <button type="button" className="step-badge" onClick={openContacts("passed")} title={gettext("Contacts who went through this step")} aria-label={interpolate(ngettext("%(n)s contact went through", "%(n)s contacts went through", counts.passed), { n: counts.passed })}>
        <Icon name="check" />
        <span data-count="passed">{formatNumber(counts.passed)}</span>
      </button>
      {counts.email && (
        <>
          <span className="step-badge step-badge-static" title={gettext("Emails sent")}>
            <Icon name="send" />
            <span data-count="sent">{formatNumber(counts.email.sent)}</span>
          </span>
          <span className="step-badge step-badge-static" title={gettext("Open rate")}>
            <Icon name="mail-open" />
            <span data-count="open-rate">{percent(counts.email.opened, counts.email.sent)}</span>
          </span>
          <span className="step-badge step-badge-static" title={gettext("Click rate")}>
            <Icon name="mouse-pointer-click" />
            <span data-count="click-rate">{percent(counts.email.clicked, counts.email.sent)}</span>
          </span>
        </>
      )}
      {counts.failed > 0 && (
        <button type="button" className="step-badge step-badge-failed" onClick={openContacts("failed")} title={gettext("Contacts who left because of an error")}>
          <Icon name="circle-alert" />
          <span data-count="failed">{formatNumber(counts.failed)}</span>
        </button>
      )}
    </div>
  );
}

function StepNodeView({ id, type: kind, data, selected }) {
  const type = useEditor((s) => s.types[kind]);
  const lookups = useEditor((s) => s.lookups);
  const problems = useEditor((s) => s.problems.nodes[id]);
  const counts = useEditor((s) => s.live.nodes[id]);
  const step = useEditor((s) => s.trace?.steps[id]);
  const dimmed = useEditor((s) => Boolean(s.trace) && !s.trace.steps[id]);
  if (!type) return <div className="step step-unknown">{kind}</div>;
  const outputs = outputsOf(type, data.config);
  const problemCount = problems ? problems.messages.length + Object.values(problems.fields).reduce((n, m) => n + m.length, 0) : 0;
  const classes = [
    "step",
    `step-${type.category}`,
    selected && "is-selected",
    problemCount && "has-problems",
    step && `is-lit step-outcome-${step.outcome}`,
    dimmed && "is-dimmed",
  ].filter(Boolean);
  return (
    <div className={classes.join(" ")} data-step={id} data-kind={kind}>
      {!type.is_trigger && <Handle type="target" position={Position.Top} className="step-handle step-handle-in" />}
      <div className="step-head">
        <span className="step-icon"><Icon name={type.icon} /></span>
        <div className="step-names">
          <span className="step-type">{type.label}</span>
          <span className="step-title">{data.label || type.label}</span>
        </div>
        {problemCount > 0 && (
          <span className="step-problem-count" title={[...problems.messages, ...Object.values(problems.fields).flat()].join("\n")}>
            <Icon name="circle-alert" label={interpolate(ngettext("%(n)s problem", "%(n)s problems", problemCount), { n: problemCount })} />
          </span>
        )}
      </div>
      <p className="step-summary">{summarize(kind, data.config, lookups, type)}</p>
      {step && (
        <p className="step-trace" data-outcome={step.outcome}>
          {step.reason || step.outcome_label || { passed: gettext("Passed"), skipped: gettext("Skipped"), would_wait: gettext("Would wait here"), exit: gettext("Leaves the journey") }[step.outcome]}
          {step.email && (
            <button type="button" className="link-button nodrag" onClick={(e) => { e.stopPropagation(); window.dispatchEvent(new CustomEvent("canvas:email-preview", { detail: { id } })); }}>
              {gettext("Preview email")}
            </button>
          )}
        </p>
      )}
      {counts && <Badges id={id} counts={counts} />}
      {outputs.length > 1 && (
        <div className="step-outputs" aria-hidden="true">
          {outputs.map((o) => <span key={o.key} className="step-output-label">{o.label}</span>)}
        </div>
      )}
      {outputs.map((o, index) => (
        <Handle
          key={o.key}
          id={o.key}
          type="source"
          position={Position.Bottom}
          className={`step-handle step-handle-out step-handle-${o.key}`}
          style={{ left: `${((index + 0.5) * 100) / outputs.length}%` }}
          title={o.label}
          aria-label={interpolate(gettext("Output: %(name)s"), { name: o.label })}
        />
      ))}
    </div>
  );
}

export const StepNode = memo(StepNodeView);
