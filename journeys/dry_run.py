"""Dry runs: walk a journey's draft (or a version) for one contact and do nothing.

``journey_dry_run`` answers the path the contact would take from a trigger to the end: each
step with its outcome, the output it leaves by and why, when a wait would come due (in the
contact's time zone, send windows included; nobody waits), the email a send step would send,
the request a webhook would make and the message a notification would send.

Every step is decided by the same side-effect-free functions the node types' ``execute`` uses
(so the two cannot drift apart): ``condition.contacts_matching`` (the compiled SQL rule, narrowed
to the contact), ``split.branch_of``, ``wait.wait_due`` / ``wait.event_timeout``,
``send_email.template_for`` / ``send_held`` / ``Cap``, ``outbox.message_render`` (the very row
the outbox would store, not stored), ``webhook.webhook_values``, ``notify.notify_context`` with
``outbox.notify_render``, ``add_to_audience.audience_for`` and ``update_contact.contact_changes``.

Nothing is written, by construction: no ``execute`` runs; ``update_contact`` changes a copy of
the contact in memory (later conditions see it through ``dry_run_rules``); nothing is scheduled;
and every query of the walk runs under a guard that refuses ``INSERT``, ``UPDATE``, ``DELETE``
and ``SELECT … FOR UPDATE`` (``DryRunWrote``), so a write added later fails loudly instead of
happening. What depends on the future is assumed, and said so: a wait for an event times out
and a webhook is delivered, unless ``assume`` says otherwise.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Contact
from flowbuilder.core.formatting import format_when
from flowbuilder.core.languages import default_language
from journeys.dry_run_rules import Overlay, SimulatedEvent, rule_overlaid, synthetic_properties
from journeys.executor import MAX_HOPS, graph_targets
from journeys.graph import CheckResult
from journeys.matching import filters_match, zone_of
from journeys.models import Enrollment, Journey
from journeys.nodes import node_type

# Outputs a dry run may be told to assume, by node type: the nodes whose way on depends on what
# has not happened yet. The first is what a real run most likely does without further input.
ASSUMABLE: dict[str, tuple[str, ...]] = {"wait": ("timeout", "event"), "webhook": ("next", "failed")}
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "CREATE", "ALTER", "DROP", "TRUNCATE", "COPY")


class DraftInvalid(Exception):
    """The draft does not validate; ``check`` has the problems as the validator reports them."""

    def __init__(self, check: CheckResult) -> None:
        super().__init__("; ".join(p.message for p in check.errors[:5]))
        self.check = check

    def fields(self) -> dict[str, list[str]]:
        """The problems by field, keyed as publishing names them (``graph.nodes[t].config.event``)."""
        from journeys.services import _problem_key

        fields: dict[str, list[str]] = {}
        for problem in self.check.errors:
            fields.setdefault(_problem_key("graph", problem), []).append(problem.message)
        return fields


class DryRunWrote(Exception):
    """A dry run tried to write to the database: a bug, refused before it reached the database."""


@dataclass
class DryRunStep:
    node_id: str
    kind: str
    label: str
    outcome: str  # passed, skipped, would_wait, exit
    output: str
    reason: str
    at: str  # when the contact reaches the step (simulated), ISO 8601 in their time zone
    due_at: str | None = None  # when a wait would be over; None: it does not wait (or until woken)
    assumed: bool = False  # the output is assumed (it depends on the future), see ``assume``
    email: dict[str, Any] | None = None
    webhook: dict[str, Any] | None = None
    notify: dict[str, Any] | None = None
    changes: dict[str, Any] | None = None


@dataclass
class DryRun:
    journey_id: int
    version: str | int
    contact: dict[str, Any]
    trigger: dict[str, Any]
    started_at: str
    ended_at: str
    ended: str  # exited, completed, max_steps, invalid_graph
    exit_reason: str = ""
    path: list[DryRunStep] = field(default_factory=list)
    assumed: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


# --- input ------------------------------------------------------------------------------------------


def dry_run_contact(*, contact_id: int | None = None, email: str | None = None) -> Contact:
    """The contact a dry run walks for, by id or email address; ``ValidationError`` naming the
    field when there is none (or both or neither are given)."""
    if (contact_id is None) == (not email):
        raise ValidationError({"contact": [_("Give the contact: its id (“contact”) or its address (“email”).")]})
    if contact_id is not None:
        found = Contact.objects.select_related("stage").filter(pk=contact_id).first()
        if found is None:
            raise ValidationError({"contact": [_("There is no contact with the id %(id)s.") % {"id": contact_id}]})
        return found
    address = str(email).strip().lower()
    found = Contact.objects.select_related("stage").filter(email=address).first()
    if found is None:
        raise ValidationError({"email": [_("There is no contact with the address %(email)s.") % {"email": address}]})
    return found


# --- the walk ---------------------------------------------------------------------------------------


def journey_dry_run(
    *,
    journey: Journey,
    contact: Contact,
    version: int | None = None,
    event: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    assume: Mapping[str, str] | None = None,
) -> DryRun:
    """The path ``contact`` would take through the draft (or the published ``version``) from
    ``now``, with ``event`` (``{"name", "properties"}``) as the trigger event (default: one made
    up from the trigger's settings) and the outputs in ``assume`` (node id → output) for waits
    for an event and webhooks. Stores and schedules nothing.

    Raises ``DraftInvalid`` when the draft does not validate, ``ValidationError`` for an unknown
    version or an ``assume`` entry that names no such step or output.
    """
    with _refusing_writes():
        graph, settings = _graph_of(journey, version)
        assume = dict(assume or {})
        _check_assume(assume, {node["id"]: node for node in graph["nodes"]})
        walk = _Walk(journey=journey, contact=contact, graph=graph, settings=settings, now=now or timezone.now())
        return walk.run(version="draft" if version is None else version, event=event, assume=assume)


def _graph_of(journey: Journey, version: int | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The graph to walk with every step's settings completed, and the journey settings."""
    from journeys.journey_settings import settings_clean
    from journeys.services import journey_validate

    if version is not None:
        found = journey.versions.filter(number=version).first()
        if found is None:
            raise ValidationError({"version": [_("This journey has no version %(number)s.") % {"number": version}]})
        return found.graph, dict(found.settings or {})
    check = journey_validate(journey=journey)
    if not check.valid:
        raise DraftInvalid(check)
    graph = copy.deepcopy(journey.draft_graph)
    for node in graph["nodes"]:
        node["config"] = check.configs[node["id"]]
    settings, _errors = settings_clean(journey.settings)
    return graph, dict(settings or {})


def _check_assume(assume: Mapping[str, str], nodes: Mapping[str, Mapping[str, Any]]) -> None:
    errors: dict[str, list[str]] = {}
    for node_id, output in assume.items():
        node = nodes.get(node_id)
        if node is None:
            errors[f"assume.{node_id}"] = [_("There is no step %(id)r in this journey.") % {"id": node_id}]
            continue
        choices = _assumable(node)
        if not choices:
            errors[f"assume.{node_id}"] = [
                _("Only waits for an event and webhooks depend on what has not happened yet; this step does not.")
            ]
        elif output not in choices:
            errors[f"assume.{node_id}"] = [_("Use one of: %(outputs)s.") % {"outputs": ", ".join(choices)}]
    if errors:
        raise ValidationError(errors)


def _assumable(node: Mapping[str, Any]) -> tuple[str, ...]:
    if node["type"] == "wait" and (node.get("config") or {}).get("mode") != "event":
        return ()
    return ASSUMABLE.get(node["type"], ())


@contextmanager
def _refusing_writes() -> Iterator[None]:
    """Refuse every statement that would write or lock rows (see ``DryRunWrote``)."""

    def guard(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        words = sql.lstrip(" (").split(None, 1)
        if (words and words[0].upper() in _WRITES) or " FOR UPDATE" in sql.upper():
            raise DryRunWrote(f"a dry run may not write: {sql[:200]}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(guard):
        yield


class _Walk:
    """One dry run: the contact's copy, the simulated clock and what happened so far."""

    def __init__(
        self,
        *,
        journey: Journey,
        contact: Contact,
        graph: Mapping[str, Any],
        settings: Mapping[str, Any],
        now: datetime,
    ) -> None:
        self.journey = journey
        self.contact = copy.copy(contact)  # changed by update_contact steps; never saved
        self.contact.attributes = copy.deepcopy(contact.attributes or {})
        self.settings = settings
        self.nodes = {node["id"]: node for node in graph["nodes"]}
        self.targets = graph_targets(graph)
        self.clock = now
        self.zone = zone_of(contact)
        self.overlay = Overlay(attributes=self.contact.attributes)
        self.event: dict[str, Any] = {}  # the trigger's properties, as templates see ``event``
        self.sent: list[datetime] = []  # simulated marketing emails, for the frequency cap
        self.assume: dict[str, str] = {}
        self.assumed: dict[str, str] = {}
        self.warnings: list[str] = []
        self._segments: dict[int, tuple[str, Any]] | None = None

    # --- running ---------------------------------------------------------------------------------

    def run(self, *, version: str | int, event: Mapping[str, Any] | None, assume: dict[str, str]) -> DryRun:
        self.assume = assume
        started = self.clock
        trigger, trigger_info = self._trigger(event)
        self._entry_warnings()
        if self.settings.get("exit_rules") or self.settings.get("goal"):
            self.warnings.append(
                _("Exit rules and the goal are not simulated: they depend on events that have not happened yet.")
            )
        path: list[DryRunStep] = []
        ended, exit_reason = "completed", ""
        node: Mapping[str, Any] | None = trigger
        while node is not None:
            if len(path) >= MAX_HOPS:
                ended = "max_steps"
                self.warnings.append(
                    _("Stopped after %(count)s steps: the journey goes round a loop.") % {"count": MAX_HOPS}
                )
                break
            step = self._step(node, trigger_info)
            path.append(step)
            if node["type"] == "exit":
                ended, exit_reason = "exited", "goal" if node["config"].get("reason") == "goal" else "end"
                break
            target = self.targets.get((node["id"], step.output or "next"))
            if target is None:
                break
            node = self.nodes.get(target)
            if node is None:
                ended = "invalid_graph"
                self.warnings.append(_("The step %(id)s is not in this version.") % {"id": target})
        return DryRun(
            journey_id=self.journey.pk,
            version=version,
            contact={"id": self.contact.pk, "email": self.contact.email, "timezone": str(self.zone)},
            trigger=trigger_info,
            started_at=self._local(started),
            ended_at=self._local(self.clock),
            ended=ended,
            exit_reason=exit_reason,
            path=path,
            assumed=self.assumed,
            warnings=self.warnings,
        )

    def _trigger(self, event: Mapping[str, Any] | None) -> tuple[Mapping[str, Any], dict[str, Any]]:
        """The trigger the contact starts at, and what it started with (the event, made up or given)."""
        triggers = [node for node in self.nodes.values() if node["type"] == "trigger"]
        trigger = triggers[0]
        if event is not None:
            listening = [t for t in triggers if t["config"].get("kind") == "event"]
            named = [t for t in listening if t["config"].get("event") == event.get("name")]
            if named:
                trigger = named[0]
            elif listening:
                trigger = listening[0]
                self.warnings.append(
                    _("No trigger starts on “%(name)s”; the dry run starts at the trigger “%(trigger)s”.")
                    % {"name": event.get("name"), "trigger": self._label(trigger)}
                )
        config = trigger["config"]
        kind = config.get("kind", "event")
        info: dict[str, Any] = {"node_id": trigger["id"], "kind": kind, "event": None, "synthetic": False}
        if kind != "event":
            if event is not None:
                self.warnings.append(_("This journey does not start with an event, so the event given is not used."))
            return trigger, info
        if event is None:
            name, properties = config.get("event", ""), synthetic_properties(config.get("where"))
            info["synthetic"] = True
            self.warnings.append(
                _("No event was given: the dry run made one up from the trigger's settings (%(name)s %(props)s).")
                % {"name": name, "props": properties or "{}"}
            )
        else:
            name, properties = str(event.get("name") or config.get("event", "")), dict(event.get("properties") or {})
            if name == config.get("event") and not filters_match(config.get("where"), properties):
                self.warnings.append(
                    _("The event does not pass the trigger's conditions; a real one would not start the journey.")
                )
        self.event = properties
        self.overlay.events.append(SimulatedEvent(name, properties, self.clock))
        info["event"] = {"name": name, "properties": properties}
        return trigger, info

    def _entry_warnings(self) -> None:
        """Whether the entry rules would let the contact in again (the dry run walks anyway)."""
        policy = (self.settings.get("entry") or {}).get("reentry", "never")
        past = Enrollment.objects.filter(journey_id=self.journey.pk, contact_id=self.contact.pk)
        if policy == "never" and past.exists():
            self.warnings.append(
                _(
                    "The contact has been in this journey before; with re-entry “never” a real trigger "
                    "would not enroll them again."
                )
            )
        elif policy in ("after_finish", "after_days") and past.filter(state=Enrollment.State.ACTIVE).exists():
            self.warnings.append(
                _("The contact is in this journey now; a real trigger would not enroll them again until they finish.")
            )

    def _step(self, node: Mapping[str, Any], trigger_info: Mapping[str, Any]) -> DryRunStep:
        step = DryRunStep(
            node_id=node["id"],
            kind=node["type"],
            label=self._label(node),
            outcome="passed",
            output="next",
            reason="",
            at=self._local(self.clock),
        )
        handler = getattr(self, f"_do_{node['type']}", None)
        if handler is None:
            step.reason = _("Passes straight on.")
        else:
            handler(node, node.get("config") or {}, step)
        return step

    # --- one method per node type -------------------------------------------------------------------

    def _do_trigger(self, node: Mapping[str, Any], config: Mapping[str, Any], step: DryRunStep) -> None:
        if config.get("kind", "event") == "event":
            step.reason = _("Starts with the event “%(name)s”.") % {"name": config.get("event", "")}
        else:
            step.reason = _("Starts the journey (%(kind)s).") % {"kind": _trigger_kind_label(config.get("kind", ""))}

    def _do_wait(self, node: Mapping[str, Any], config: Mapping[str, Any], step: DryRunStep) -> None:
        from journeys.nodes.wait import event_timeout, wait_due

        if config.get("mode") == "event":
            self._wait_for_event(node, config, step, self.clock + event_timeout(config))
            return
        due = wait_due(config, entered_at=self.clock, contact=self.contact)
        if due is None:
            step.outcome = "skipped"
            step.reason = _("The contact has no date in %(name)s; not waiting.") % {
                "name": config.get("date_attribute", "")
            }
        elif due <= self.clock:
            step.reason = _("The wait is already over; goes straight on.")
        else:
            step.outcome, step.due_at = "would_wait", self._local(due)
            step.reason = _("Would wait until %(when)s.") % {"when": self._spoken(due)}
            self.clock = due

    def _wait_for_event(
        self, node: Mapping[str, Any], config: Mapping[str, Any], step: DryRunStep, timeout_at: datetime
    ) -> None:
        output = self._assume(node)
        name = config.get("event", "")
        step.outcome, step.output, step.assumed, step.due_at = "would_wait", output, True, self._local(timeout_at)
        values = {"name": name, "when": self._spoken(timeout_at)}
        if output == "timeout":
            step.reason = _("Would wait for “%(name)s” until %(when)s; assumed it does not happen.") % values
            self.clock = timeout_at
        else:
            step.reason = _("Would wait for “%(name)s” until %(when)s; assumed it happens at once.") % values
            self.overlay.events.append(SimulatedEvent(name, synthetic_properties(config.get("where")), self.clock))

    def _do_condition(self, node: Mapping[str, Any], config: Mapping[str, Any], step: DryRunStep) -> None:
        from journeys.nodes.condition import contacts_matching

        rule = config.get("rule") or {"all": []}
        seen = rule_overlaid(rule, self.overlay, now=self.clock, segments=self._active_segments())
        matches = self.contact.pk in contacts_matching(seen, [self.contact.pk], now=self.clock)
        step.output = "yes" if matches else "no"
        step.reason = _("The contact matches the rule.") if matches else _("The contact does not match the rule.")
        if seen != rule:
            step.reason += " " + _("(Counting what happened earlier in this dry run.)")

    def _do_split(self, node: Mapping[str, Any], config: Mapping[str, Any], step: DryRunStep) -> None:
        from journeys.nodes.split import branch_of, bucket_of

        branches = config.get("branches") or []
        step.output = branch_of(branches, self.contact.pk, self.journey.pk, node["id"])
        label = next((b.get("label") or b["key"] for b in branches if b["key"] == step.output), step.output)
        step.reason = _("The contact's place (%(bucket)s of 100) falls in the branch “%(branch)s”.") % {
            "bucket": bucket_of(self.contact.pk, self.journey.pk, node["id"]),
            "branch": label,
        }

    def _do_send_email(self, node: Mapping[str, Any], config: Mapping[str, Any], step: DryRunStep) -> None:
        from journeys.nodes.base import Advance, Stay
        from journeys.nodes.send_email import Cap, send_held, template_for

        template, reason = template_for(config)
        if template is None:
            step.outcome, step.reason = "skipped", reason
            return
        waits: list[str] = []
        held = None
        for _attempt in range(10):  # the window, then perhaps the cap, then perhaps the window again
            cap = Cap.for_contacts([self.contact.pk], now=self.clock)
            for sent_at in self.sent:  # this dry run's own emails count too
                if sent_at > self.clock - cap.window:
                    cap.count(self.contact.pk, sent_at)
            held = send_held(
                now=self.clock,
                window=self.settings.get("send_window"),
                contact=self.contact,
                cap=cap,
                skip_if_capped=config.get("skip_if_capped"),
            )
            if not isinstance(held, Stay) or held.until is None:
                break
            waits.append(held.reason)
            self.clock = held.until
        email = self._email(node, config, template)
        step.email = email
        if isinstance(held, Advance):  # capped, and the step moves on rather than waits
            email["would_send"], email["skip_reason"] = False, held.skipped
        parts = []
        if waits:
            step.outcome, step.due_at = "would_wait", self._local(self.clock)
            why = _("Outside the send window") if waits[0] == "send_window" else _("Over the frequency cap")
            parts.append(_("%(why)s: waits until %(when)s.") % {"why": why, "when": self._spoken(self.clock)})
        if email["would_send"]:
            self.sent.append(self.clock)
            parts.append(_("Would send “%(subject)s” to %(to)s.") % {"subject": email["subject"], "to": email["to"]})
        else:
            step.outcome = "would_wait" if waits else "skipped"
            parts.append(_("Would not send it. %(reason)s") % {"reason": email["skip_reason"]})
        step.reason = " ".join(parts)

    def _email(self, node: Mapping[str, Any], config: Mapping[str, Any], template: Any) -> dict[str, Any]:
        """The email as the outbox would store it; when it would not be sent before it is even
        rendered (consent, missing values), rendered anyway for the preview."""
        from journeys.emails.services.outbox import QueueItem, message_render, why_not_marketing
        from journeys.models import EmailTemplate, OutboundMessage

        def item(contact: Contact, using: Any) -> QueueItem:
            return QueueItem(
                contact=contact,
                template=using,
                journey=self.journey,
                node_id=node["id"],
                event=self.event,
                sender_name=config.get("sender_name", ""),
                sender_email=config.get("sender_email", ""),
                subject=config.get("subject", ""),
            )

        row = message_render(item=item(self.contact, template), now=self.clock)
        shown = row
        if not row.html_body and not row.text_body:
            # Rendered as if they could receive it and nothing were missing: the preview still shows.
            reader = copy.copy(self.contact)
            reader.email_consent = Contact.Consent.SUBSCRIBED
            if why_not_marketing(reader):
                reader.email = "preview@example.com"
            lenient = copy.copy(template)
            lenient.on_missing = EmailTemplate.OnMissing.FALLBACK
            shown = message_render(item=item(reader, lenient), now=self.clock)
        return {
            "template": template.pk,
            "template_name": template.name,
            "would_send": row.status == OutboundMessage.Status.QUEUED,
            "skip_reason": row.skip_reason,
            "from": row.from_email,
            "to": row.to_email,
            "reply_to": row.reply_to,
            "language": shown.language,
            "subject": shown.subject,
            "html": shown.html_body,
            "text": shown.text_body,
        }

    def _do_add_to_audience(self, node: Mapping[str, Any], config: Mapping[str, Any], step: DryRunStep) -> None:
        self._audience(config, step, add=True)

    def _do_remove_from_audience(self, node: Mapping[str, Any], config: Mapping[str, Any], step: DryRunStep) -> None:
        self._audience(config, step, add=False)

    def _audience(self, config: Mapping[str, Any], step: DryRunStep, *, add: bool) -> None:
        from journeys.nodes.add_to_audience import audience_for

        audience, reason = audience_for(config)
        if audience is None:
            step.outcome, step.reason = "skipped", reason
        elif add:
            step.reason = _("Would add the contact to the audience “%(name)s”.") % {"name": audience.name}
        else:
            step.reason = _("Would remove the contact from the audience “%(name)s”.") % {"name": audience.name}

    def _do_update_contact(self, node: Mapping[str, Any], config: Mapping[str, Any], step: DryRunStep) -> None:
        from contacts.services.contacts import attributes_merged, clean_contact_fields
        from journeys.nodes.update_contact import contact_changes

        data = contact_changes(config)
        try:
            cleaned = clean_contact_fields(data)
        except ValidationError as exc:
            step.outcome, step.reason = "skipped", " ".join(exc.messages)[:300]
            return
        changes = cleaned.get("attributes", {})
        self.contact.attributes = self.overlay.attributes = attributes_merged(self.contact.attributes, changes)
        self.overlay.changed_attributes.update(changes)
        if cleaned.get("add_tags") or cleaned.get("remove_tags"):
            if not self.overlay.changed_tags:
                self.overlay.tags = set(self.contact.tags.values_list("name", flat=True))
            self.overlay.tags |= set(cleaned.get("add_tags", []))
            self.overlay.tags -= set(cleaned.get("remove_tags", []))
            self.overlay.changed_tags |= {*cleaned.get("add_tags", []), *cleaned.get("remove_tags", [])}
        if "stage" in cleaned:
            self.contact.stage = cleaned["stage"]
            self.overlay.stage_key, self.overlay.stage_changed = getattr(cleaned["stage"], "key", None), True
        step.changes = data
        step.reason = _("Changed a copy of the contact in memory, so later steps see it; nothing is saved.")

    def _do_webhook(self, node: Mapping[str, Any], config: Mapping[str, Any], step: DryRunStep) -> None:
        from journeys.emails.rendering import TemplateRefused, compile_part, render_part
        from journeys.nodes.webhook import webhook_values

        values = webhook_values(self.contact, event=self.event, journey=self.journey)
        try:
            body = render_part(compile_part(config.get("body", "")), values)
        except TemplateRefused as exc:
            step.outcome, step.output = "skipped", "failed"
            step.reason = _("The body cannot be rendered: %(reason)s") % {"reason": exc}
            return
        step.webhook = {
            "url": config["url"],
            "method": config.get("method", "POST"),
            "headers": dict(config.get("headers") or {}),
            "body": body,
        }
        step.outcome, step.output, step.assumed = "would_wait", self._assume(node), True
        values = {"method": step.webhook["method"], "url": step.webhook["url"]}
        if step.output == "next":
            step.reason = _("Would call %(method)s %(url)s and wait for it; assumed it is delivered.") % values
        else:
            step.reason = _("Would call %(method)s %(url)s and wait for it; assumed every attempt fails.") % values

    def _do_notify(self, node: Mapping[str, Any], config: Mapping[str, Any], step: DryRunStep) -> None:
        from journeys.emails.rendering import TemplateRefused
        from journeys.emails.services.outbox import notify_render
        from journeys.nodes.notify import notify_context

        context = notify_context(self.contact, event=self.event, journey=self.journey, language=default_language())
        try:
            subject, body = notify_render(
                subject=config.get("subject", ""), body=config.get("body", ""), context=context
            )
        except TemplateRefused as exc:
            step.outcome = "skipped"
            step.reason = _("The message cannot be rendered: %(reason)s") % {"reason": exc}
            return
        to = list(config.get("to") or [])
        step.notify = {"to": to, "subject": subject, "body": body}
        step.reason = _("Would email %(to)s (a colleague, not a marketing email).") % {"to": ", ".join(to)}

    def _do_exit(self, node: Mapping[str, Any], config: Mapping[str, Any], step: DryRunStep) -> None:
        step.outcome, step.output = "exit", ""
        if config.get("reason") == "goal":
            step.reason = _("The journey ends here: goal reached.")
        else:
            step.reason = _("The journey ends here.")

    # --- helpers -----------------------------------------------------------------------------------

    def _assume(self, node: Mapping[str, Any]) -> str:
        output = self.assume.get(node["id"]) or _assumable(node)[0]
        self.assumed[node["id"]] = output
        return output

    def _active_segments(self) -> dict[int, tuple[str, Any]]:
        if self._segments is None:
            from contacts.services.segments import rule_context

            self._segments = rule_context(now=self.clock).segments
        return self._segments

    def _label(self, node: Mapping[str, Any]) -> str:
        return str(node.get("label") or node_type(node["type"]).label)

    def _local(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).isoformat()

    def _spoken(self, moment: datetime) -> str:
        with timezone.override(self.zone):
            return f"{format_when(moment)} ({self.zone})"


def _trigger_kind_label(kind: str) -> str:
    from journeys.nodes.trigger import KINDS

    return str(dict(KINDS).get(kind, kind))
