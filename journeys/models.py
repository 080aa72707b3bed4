"""Journeys: a draft graph the canvas edits, and immutable published versions the executor runs.

The graph is stored exactly as the canvas (React Flow) saves it; see docs/graph-format.md.
Writes go through ``journeys/services.py``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


def empty_graph() -> dict[str, list[object]]:
    return {"nodes": [], "edges": []}


def default_settings() -> dict[str, object]:
    return {}


class Journey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        ARCHIVED = "archived", _("Archived")

    name = models.CharField(_("name"), max_length=150)
    description = models.CharField(_("description"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    draft_graph = models.JSONField(_("draft graph"), default=empty_graph)
    settings = models.JSONField(_("settings"), default=default_settings, blank=True)
    # Write-only values some nodes need (e.g. a webhook's signing secret), by node id. Never in
    # the graph, the API's answers, exports or admin.
    secrets = models.JSONField(_("secrets"), default=dict, blank=True)
    live_version = models.ForeignKey(
        "JourneyVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("live version"),
    )
    created_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    draft_saved_at = models.DateTimeField(_("draft saved"), null=True, blank=True)
    # Counts the saves of the draft (graph, settings, name, description). An editor sends the
    # revision it started from, so a save over someone else's newer one is refused, not lost.
    draft_revision = models.PositiveIntegerField(_("draft revision"), default=1, editable=False)

    class Meta:
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.name


class JourneyVersion(models.Model):
    """A published graph with the settings it was published with. Never changes once written."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="versions", verbose_name=_("journey"))
    number = models.PositiveIntegerField(_("number"))
    graph = models.JSONField(_("graph"))
    settings = models.JSONField(_("settings"), default=default_settings)
    change_note = models.CharField(_("change note"), max_length=500, blank=True)
    published_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        verbose_name = _("journey version")
        verbose_name_plural = _("journey versions")
        ordering = ["journey", "-number"]
        constraints = [models.UniqueConstraint(fields=["journey", "number"], name="journey_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.journey.name} v{self.number}"


class Enrollment(models.Model):
    """One contact's passage through one published version: where they are, and why they came.

    Pinned to the version it entered; only an explicit migration at publish time moves it.
    The executor (``journeys/executor.py``) advances it: it is due when ``due_at`` has come;
    ``due_at`` empty means it waits for something else (a webhook's answer) to wake it.
    """

    class State(models.TextChoices):
        ACTIVE = "active", _("In the journey")
        COMPLETED = "completed", _("Completed")
        EXITED = "exited", _("Left early")
        FAILED = "failed", _("Failed")

    # Journey and contact lead indexes below (the trigger key's, the contact's): no index of their
    # own. Every batch rewrites its enrollments, and each index is written again each time.
    # Journey and version have no database constraint (Django still cascades and protects): every
    # enrollment written by the API, the executors and the scans at once share-locked the same
    # journey and version rows (bench/executor.py).
    journey = models.ForeignKey(
        Journey,
        on_delete=models.CASCADE,
        related_name="enrollments",
        verbose_name=_("journey"),
        db_index=False,
        db_constraint=False,
    )
    version = models.ForeignKey(
        JourneyVersion,
        on_delete=models.PROTECT,
        related_name="enrollments",
        verbose_name=_("version"),
        db_constraint=False,
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.CASCADE,
        related_name="enrollments",
        verbose_name=_("contact"),
        db_index=False,
    )
    node_id = models.CharField(_("current node"), max_length=100)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    trigger_key = models.CharField(_("trigger"), max_length=200, help_text=_("What started it, unique per journey."))
    trigger_data = models.JSONField(_("trigger data"), default=dict, blank=True)
    entered_at = models.DateTimeField(_("entered at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # When it reached the node it is at: waits count from here, so a retried step computes the same.
    node_entered_at = models.DateTimeField(_("reached the step at"), null=True, blank=True)
    # Steps done so far; the next step is number ``steps + 1`` (unique per enrollment in the log).
    steps = models.PositiveIntegerField(_("steps done"), default=0)
    # Which of the journey's concurrent places it holds while active (1 unless the journey
    # lets a contact be in it several times at once): the limit is a unique constraint.
    slot = models.PositiveSmallIntegerField(_("slot"), default=1)
    attempts = models.PositiveSmallIntegerField(_("failed attempts at this step"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    exit_reason = models.CharField(_("why it ended"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            # At most one enrollment per trigger occurrence: enforced here, not by luck.
            models.UniqueConstraint(fields=["journey", "trigger_key"], name="enrollment_trigger_unique"),
            # At most ``entry.limit`` at once (1 unless re-entry is concurrent).
            models.UniqueConstraint(
                fields=["journey", "contact", "slot"],
                condition=models.Q(state="active"),
                name="enrollment_active_slot_unique",
            ),
        ]
        indexes = [
            # What the executor claims: only active enrollments, however many finished.
            models.Index(fields=["due_at"], condition=models.Q(state="active"), name="enrollment_due_idx"),
            # The few that need attention (journeys.health): failed, or retrying a step.
            models.Index(
                fields=["journey"],
                condition=models.Q(state="failed") | models.Q(state="active", attempts__gt=0),
                name="enrollment_trouble_idx",
            ),
            # Who is at a step now (publish checks, migrations, live counts): active ones only, so
            # finishing an enrollment adds nothing to it.
            models.Index(fields=["version", "node_id"], condition=models.Q(state="active"), name="enrollment_node_idx"),
            models.Index(fields=["contact", "journey"], name="enrollment_contact_idx"),
        ]

    def __str__(self) -> str:
        # Names where the contact and journey are loaded already (the admin loads them), ids
        # otherwise: printing an enrollment never queries.
        cache = self._state.fields_cache
        contact = str(cache["contact"]) if cache.get("contact") else f"#{self.contact_id}"
        journey = str(cache["journey"]) if cache.get("journey") else f"#{self.journey_id}"
        return _("%(contact)s in “%(journey)s”, at %(node)s") % {
            "contact": contact,
            "journey": journey,
            "node": self.node_id,
        }


class Step(models.Model):
    """One step an enrollment took: the node, the output it left by, or why it was skipped,
    left early or failed. The per-contact trace and the per-node counts are read from here."""

    class Outcome(models.TextChoices):
        PASSED = "passed", _("Passed")
        SKIPPED = "skipped", _("Skipped")
        EXITED = "exited", _("Left the journey")
        FAILED = "failed", _("Failed")
        CONVERTED = "converted", _("Reached the goal")

    # No database constraints here (Django still cascades): the log is written only by the
    # executor, for enrollments it holds locked, and checking each of its rows (566,666 for
    # 100,000 contacts) against its enrollment, journey and version share-locked those rows,
    # the same journey and version rows from several executors at once (bench/executor.py: the
    # drain took 3 s longer).
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="log", db_index=False, db_constraint=False
    )
    journey = models.ForeignKey(
        Journey, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    version = models.ForeignKey(
        JourneyVersion, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    seq = models.PositiveIntegerField(_("number"))
    node_id = models.CharField(_("step"), max_length=100)
    node_type = models.CharField(_("type"), max_length=30)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    output = models.CharField(_("output"), max_length=30, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["enrollment", "seq"]
        constraints = [
            # A step is done once: a second executor doing it again could not commit.
            models.UniqueConstraint(fields=["enrollment", "seq"], name="step_once"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id} #{self.seq} {self.node_id} {self.outcome}"


class StepTally(models.Model):
    """How many steps of a journey ended each way at each node: the step log counted as it is
    written (in the same transaction), so the canvas's live counts read a few rows, not the log.

    Each executor adds to its own ``shard`` (the first one no other open batch holds, by an
    advisory lock), so batches committing at once never wait for each other's counter rows;
    readers add the shards up. ``journeys.executor.StepLog`` is the only writer.
    """

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="+")
    node_id = models.CharField(_("step"), max_length=100)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Step.Outcome.choices)
    output = models.CharField(_("output"), max_length=30, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    shard = models.PositiveSmallIntegerField(default=0)
    count = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("step count")
        verbose_name_plural = _("step counts")
        constraints = [
            models.UniqueConstraint(
                fields=["journey", "node_id", "outcome", "output", "reason", "shard"], name="step_tally_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.journey_id} {self.node_id} {self.outcome} {self.output}: {self.count}"


class Nudge(models.Model):
    """Something that happened to an enrollment's contact and that the executor applies at the
    start of its next batch: an exit rule matched, or the event a wait is waiting for arrived.

    Written by whoever records the event (insert only: recording events never waits for an
    executor holding the enrollment), applied with the enrollment locked by the executor.
    """

    class Kind(models.TextChoices):
        EXIT = "exit", _("Exit rule matched")
        WAKE = "wake", _("Awaited event arrived")

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    node_id = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("nudge")
        verbose_name_plural = _("nudges")

    def __str__(self) -> str:
        return f"{self.kind} {self.enrollment_id}"


class Conversion(models.Model):
    """A contact reached the journey's goal within its window: attributed to the journey, the
    version and the last email step they were sent."""

    enrollment = models.OneToOneField(Enrollment, on_delete=models.CASCADE, related_name="conversion")
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="conversions", db_index=False)
    version = models.ForeignKey(JourneyVersion, on_delete=models.CASCADE, related_name="+", db_index=False)
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey("contacts.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    email_node_id = models.CharField(_("last email step"), max_length=100, blank=True)
    converted_at = models.DateTimeField(_("converted at"))

    class Meta:
        verbose_name = _("conversion")
        verbose_name_plural = _("conversions")
        ordering = ["-converted_at"]
        indexes = [models.Index(fields=["journey", "converted_at"], name="conversion_journey_idx")]

    def __str__(self) -> str:
        return f"{self.contact_id} converted in {self.journey_id}"


class WebhookDelivery(models.Model):
    """A webhook step's request, stored with the step and sent by a task with retries.

    Unique per (enrollment, step number): a step run twice cannot call the other system twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="webhooks", db_index=False)
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="+", db_index=False)
    node_id = models.CharField(_("step"), max_length=100)
    seq = models.PositiveIntegerField(_("step number"))
    url = models.URLField(_("URL"), max_length=2000)
    method = models.CharField(_("method"), max_length=10)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    body = models.TextField(_("body"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["enrollment", "seq"], name="webhook_once_per_step")]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="webhook_due_idx")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.url}"


class EmailContent(models.Model):
    """What one language version of an email holds (a template's own, or a translation)."""

    subject = models.CharField(_("subject"), max_length=300)
    preheader = models.CharField(_("preheader"), max_length=300, blank=True)
    html_body = models.TextField(_("HTML body"), blank=True)
    text_body = models.TextField(_("text body"), blank=True, help_text=_("Empty: made from the HTML."))

    class Meta:
        abstract = True


class EmailTemplate(EmailContent):
    """A personalised marketing email. The fields hold the default language's version;
    ``translations`` hold the others (subject, preheader and bodies per language)."""

    class OnMissing(models.TextChoices):
        FALLBACK = "fallback", _("Send, leaving missing values empty")
        SKIP = "skip", _("Skip the contact and record why")

    name = models.CharField(_("name"), max_length=150, unique=True)
    language = models.CharField(
        _("default language"),
        max_length=10,
        default="en",
        help_text=_("The language of the fields below; contacts without a matching translation get it."),
    )
    sender_name = models.CharField(_("sender name"), max_length=150, blank=True)
    sender_email = models.EmailField(_("sender email"), blank=True)
    reply_to = models.EmailField(_("reply-to"), blank=True)
    on_missing = models.CharField(
        _("when a value is missing"), max_length=10, choices=OnMissing.choices, default=OnMissing.FALLBACK
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta(EmailContent.Meta):
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EmailTemplateTranslation(EmailContent):
    """The template in one more language."""

    template = models.ForeignKey(EmailTemplate, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=10)

    class Meta(EmailContent.Meta):
        verbose_name = _("email template translation")
        verbose_name_plural = _("email template translations")
        ordering = ["template", "language"]
        constraints = [models.UniqueConstraint(fields=["template", "language"], name="template_language_unique")]

    def __str__(self) -> str:
        return f"{self.template.name} ({self.language})"


class OutboundMessage(models.Model):
    """An email as it will be (or was) sent: rendered first, delivered by the sender afterwards.

    A journey's email is created in the same transaction as the step that sends it, and is
    unique per (enrollment, step number): a retried or crashed step can never queue it twice.
    """

    class Kind(models.TextChoices):
        MARKETING = "marketing", _("Marketing")
        TRANSACTIONAL = "transactional", _("To colleagues")
        TEST = "test", _("Test send")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        BOUNCED = "bounced", _("Bounced")
        SKIPPED = "skipped", _("Not sent")

    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices, default=Kind.MARKETING)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    skip_reason = models.CharField(_("why not sent"), max_length=300, blank=True)
    # Foreign keys covered by a composite index below carry no index of their own: the outbox
    # writes thousands of rows a second and every index costs (bench/emails.py). Template,
    # journey and version have no database constraint either (Django still sets them to NULL):
    # the check share-locked the same three rows for every message from every executor.
    template = models.ForeignKey(
        EmailTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        db_index=False,
        db_constraint=False,
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("contact"),
        db_index=False,
    )
    journey = models.ForeignKey(
        Journey,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        db_index=False,
        db_constraint=False,
    )
    version = models.ForeignKey(
        JourneyVersion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        db_index=False,  # read by journey and step (message_node_idx); versions are not deleted
        db_constraint=False,
    )
    node_id = models.CharField(_("step"), max_length=100, blank=True)
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages", db_index=False
    )
    # The enrollment's step number that queued it: a loop back through the same send step sends
    # again, a step that runs twice does not.
    seq = models.PositiveIntegerField(_("step number"), default=0)
    language = models.CharField(_("language"), max_length=10, blank=True)
    to_email = models.EmailField(_("to"), max_length=254)
    from_email = models.CharField(_("from"), max_length=400)
    reply_to = models.EmailField(_("reply-to"), blank=True)
    subject = models.CharField(_("subject"), max_length=998)
    html_body = models.TextField(_("HTML body"), blank=True)
    text_body = models.TextField(_("text body"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    links = models.JSONField(_("tracked links"), default=list, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255)  # unique: see Meta
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("email message")
        verbose_name_plural = _("email messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A constraint rather than unique=True: no second, LIKE-ready index on PostgreSQL.
            models.UniqueConstraint(fields=["message_id"], name="message_id_unique"),
            models.UniqueConstraint(
                fields=["enrollment", "seq"],
                condition=models.Q(enrollment__isnull=False),
                name="message_once_per_step",
            ),
        ]
        indexes = [
            # What the sender claims: small however many messages were sent.
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="queued"), name="message_due_idx"),
            models.Index(fields=["template", "status"], name="message_template_idx"),
            models.Index(fields=["journey", "node_id"], name="message_node_idx"),
            models.Index(fields=["contact", "-created_at"], name="message_contact_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_email}"


class MessageEvent(models.Model):
    """What happened to a message after it left: opened, clicked, bounced, complained, unsubscribed."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        CLICKED = "clicked", _("Clicked")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Complained")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    url = models.URLField(_("link"), max_length=2000, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    occurred_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("email event")
        verbose_name_plural = _("email events")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["message", "kind"], name="messageevent_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id}"
