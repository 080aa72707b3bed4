"""The data journeys run on: contacts, lifecycle stages, events, segments, audiences, imports.

Writes go through ``contacts/services.py`` (and its submodules), never through ``save()``
from views, so that derived fields, stage history and segment membership stay current.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

# Imported here too: migrations name this path.
from flowbuilder.core.validation import validate_timezone

# The default funnel (migration 0002) in English, marked for translation: while a workspace
# keeps a default name, people see it in their own language (``LifecycleStage.label``).
DEFAULT_STAGES = {
    "subscriber": (gettext_noop("Subscriber"), gettext_noop("Knows the brand, gave an email (awareness).")),
    "lead": (gettext_noop("Lead"), gettext_noop("Interacts: opens, clicks, visits, follows (engagement).")),
    "qualified": (gettext_noop("Qualified"), gettext_noop("Compares, asks, tries (consideration).")),
    "customer": (gettext_noop("Customer"), gettext_noop("Bought once (purchase).")),
    "repeat_customer": (gettext_noop("Repeat customer"), gettext_noop("Buys again (retention).")),
    "advocate": (gettext_noop("Advocate"), gettext_noop("Recommends, reviews, refers (loyalty).")),
    "at_risk": (gettext_noop("At risk"), gettext_noop("Went quiet.")),
    "churned": (gettext_noop("Churned"), gettext_noop("Left.")),
    "reactivated": (gettext_noop("Reactivated"), gettext_noop("Came back.")),
}


class LifecycleStage(models.Model):
    """One stage of the workspace's funnel. ``position`` orders the funnel; side stages
    (at risk, churned, reactivated) sit beside it and are not part of the forward order."""

    class Kind(models.TextChoices):
        FUNNEL = "funnel", _("Funnel")
        SIDE = "side", _("Beside the funnel")

    key = models.SlugField(_("key"), max_length=50, unique=True, help_text=_("Stable identifier used by the API."))
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FUNNEL)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("lifecycle stage")
        verbose_name_plural = _("lifecycle stages")
        ordering = ["kind", "position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name people see: a default name in their language, a workspace's own name as written."""
        default = DEFAULT_STAGES.get(self.key)
        return gettext(self.name) if default and self.name == default[0] else self.name

    @property
    def description_label(self) -> str:
        default = DEFAULT_STAGES.get(self.key)
        return gettext(self.description) if default and self.description == default[1] else self.description


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person. Identified by email (stored lower-case, unique) and/or an external id.

    ``order_count``, ``total_revenue``, ``first_order_at`` and ``last_order_at`` are derived
    from ``order_completed`` events by ``event_record`` and never set by hand.
    """

    class Consent(models.TextChoices):
        SUBSCRIBED = "subscribed", _("Subscribed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Complained")

    # NULL, not "", for "none": both are unique, and many contacts have only one of them.
    email = models.EmailField(_("email"), max_length=254, null=True, blank=True)  # noqa: DJ001
    external_id = models.CharField(_("external id"), max_length=255, null=True, blank=True)  # noqa: DJ001
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, blank=True, validators=[validate_timezone])
    locale = models.CharField(
        _("locale"), max_length=16, blank=True, help_text=_("Language (and region) for emails, e.g. de or de-AT.")
    )
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    tags = models.ManyToManyField(Tag, through="ContactTag", related_name="contacts", verbose_name=_("tags"))
    email_consent = models.CharField(
        _("email consent"), max_length=12, choices=Consent.choices, default=Consent.SUBSCRIBED
    )
    consent_changed_at = models.DateTimeField(_("consent changed"), null=True, blank=True)
    consent_source = models.CharField(_("consent source"), max_length=100, blank=True)
    stage = models.ForeignKey(
        LifecycleStage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("lifecycle stage"),
        db_index=False,  # contact_stage_idx (Meta) is the index; a second one only slows writes
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    order_count = models.PositiveIntegerField(_("orders"), default=0)
    total_revenue = models.DecimalField(_("total revenue"), max_digits=14, decimal_places=2, default=Decimal(0))
    first_order_at = models.DateTimeField(_("first order"), null=True, blank=True)
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Emails are stored lower-case (save() and the services normalise), so a plain
            # unique index is unique regardless of case and serves email lookups too.
            models.UniqueConstraint(fields=["email"], name="contact_email_unique"),
            models.UniqueConstraint(fields=["external_id"], name="contact_external_id_unique"),
            models.CheckConstraint(
                condition=models.Q(email__isnull=False) | models.Q(external_id__isnull=False),
                name="contact_has_identity",
                violation_error_message=_("A contact needs an email address or an external id."),
            ),
        ]
        indexes = [
            models.Index(fields=["stage"], name="contact_stage_idx"),
            models.Index(fields=["last_order_at"], name="contact_last_order_idx"),
        ]

    def __str__(self) -> str:
        return self.email or self.external_id or f"#{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.email:
            self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def can_receive_marketing(self) -> bool:
        return self.email is not None and self.email_consent == self.Consent.SUBSCRIBED


class ContactTag(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="contact_links")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contact tag")
        verbose_name_plural = _("contact tags")
        constraints = [models.UniqueConstraint(fields=["contact", "tag"], name="contact_tag_unique")]
        indexes = [models.Index(fields=["tag", "contact"], name="contacttag_tag_contact_idx")]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.tag_id}"


class StageChange(models.Model):
    """Every lifecycle stage change of a contact: from, to, when and why."""

    class Cause(models.TextChoices):
        API = "api", _("API")
        JOURNEY = "journey", _("Journey")
        IMPORT = "import", _("Import")
        RULE = "rule", _("Stage rule")
        USER = "user", _("Changed by hand")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        LifecycleStage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("from")
    )
    to_stage = models.ForeignKey(
        LifecycleStage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("to")
    )
    changed_at = models.DateTimeField(_("changed at"), db_index=True)
    cause = models.CharField(_("cause"), max_length=10, choices=Cause.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["contact", "-changed_at"], name="stagechange_contact_idx")]

    def __str__(self) -> str:
        return f"{self.from_stage_id} → {self.to_stage_id} ({self.cause})"


class StageRule(models.Model):
    """Moves contacts to a stage automatically: when an event arrives (optionally only if the
    contact then matches a rule in the segment rule language), or when they enter a segment."""

    class Trigger(models.TextChoices):
        EVENT = "event", _("An event arrives")
        SEGMENT_ENTERED = "segment_entered", _("The contact enters a segment")

    name = models.CharField(_("name"), max_length=150)
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices, default=Trigger.EVENT)
    event_name = models.CharField(_("event name"), max_length=200, blank=True)
    segment = models.ForeignKey(
        "Segment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="stage_rules",
        verbose_name=_("segment"),
    )
    condition = models.JSONField(
        _("condition"), null=True, blank=True, help_text=_("Optional rule the contact must match, as in segments.")
    )
    to_stage = models.ForeignKey(
        LifecycleStage, on_delete=models.CASCADE, related_name="rules", verbose_name=_("move to stage")
    )
    only_forward = models.BooleanField(
        _("only forward"), default=True, help_text=_("Never move a contact back to an earlier funnel stage.")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("stage rule")
        verbose_name_plural = _("stage rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    """Something a contact did. A retried event with the same idempotency key is stored once."""

    # No index of its own: event_contact_name_time_idx starts with the contact. Every index
    # is paid for on each insert, and events arrive a thousand at a time (bench/ingest.py).
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="events", verbose_name=_("contact"), db_index=False
    )
    name = models.CharField(_("name"), max_length=200)
    properties = models.JSONField(_("properties"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"))
    # Unique through a constraint (below) rather than unique=True, which on PostgreSQL also
    # builds a second, pattern-matching index that nothing uses. NULL, not "": most events
    # have no key, and a unique column holds any number of NULLs.
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, null=True, blank=True)  # noqa: DJ001
    source = models.CharField(_("source"), max_length=20, default="api")
    context = models.JSONField(_("context"), default=dict, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-occurred_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["idempotency_key"], name="event_idempotency_key_unique")]
        indexes = [
            models.Index(fields=["contact", "name", "occurred_at"], name="event_contact_name_time_idx"),
            models.Index(fields=["name", "occurred_at", "contact"], name="event_name_time_contact_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class Segment(models.Model):
    """A saved rule (dynamic) or a hand-picked list (static) of contacts.

    Current members are rows of ``SegmentMembership``; every entry and exit is also a row
    of ``SegmentChange``, and is announced (``contacts.signals``) so journeys can react.
    """

    class Kind(models.TextChoices):
        DYNAMIC = "dynamic", _("Rule-based")
        STATIC = "static", _("Static list")

    name = models.CharField(_("name"), max_length=150, unique=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DYNAMIC)
    rules = models.JSONField(_("rules"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    uses_time = models.BooleanField(
        _("time-relative"), default=False, editable=False, help_text=_("Re-evaluated on a schedule as time passes.")
    )
    member_count = models.PositiveIntegerField(_("members"), default=0, editable=False)
    evaluated_at = models.DateTimeField(_("last evaluated"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SegmentMembership(models.Model):
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="segment_memberships")
    entered_at = models.DateTimeField(_("entered at"))

    class Meta:
        verbose_name = _("segment membership")
        verbose_name_plural = _("segment memberships")
        constraints = [models.UniqueConstraint(fields=["segment", "contact"], name="segment_member_unique")]
        indexes = [models.Index(fields=["contact", "segment"], name="segmentmember_contact_idx")]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.segment_id}"


class SegmentChange(models.Model):
    class Change(models.TextChoices):
        ENTERED = "entered", _("Entered")
        EXITED = "exited", _("Exited")

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="changes")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="segment_changes")
    change = models.CharField(_("change"), max_length=8, choices=Change.choices)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("segment entry or exit")
        verbose_name_plural = _("segment entries and exits")
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["segment", "-changed_at"], name="segmentchange_segment_idx"),
            models.Index(fields=["contact", "-changed_at"], name="segmentchange_contact_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.change} {self.segment_id}"


class DirtyContact(models.Model):
    """A contact whose segments must be re-evaluated (queued by writes, drained by a task).

    A queue table rather than a task per contact: a burst of events for one contact
    coalesces into one row, and the drain evaluates every segment for a whole batch of
    contacts in one query.
    """

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, primary_key=True, related_name="+")
    queued_at = models.DateTimeField()

    class Meta:
        verbose_name = _("contact awaiting re-evaluation")
        verbose_name_plural = _("contacts awaiting re-evaluation")

    def __str__(self) -> str:
        return str(self.contact_id)


class Audience(models.Model):
    """A retargeting audience on an ad network (or a list kept here), synced by a provider."""

    class Provider(models.TextChoices):
        LIST = "list", _("List kept in Flowbuilder")
        WEBHOOK = "webhook", _("Webhook")
        META = "meta", _("Meta custom audience")

    name = models.CharField(_("name"), max_length=150, unique=True)
    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices, default=Provider.LIST)
    config = models.JSONField(_("settings"), default=dict, blank=True)
    secrets = models.JSONField(
        _("credentials"), default=dict, blank=True, help_text=_("Write-only: never shown in the app, API or admin.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_synced_at = models.DateTimeField(_("last synced"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AudienceMember(models.Model):
    """A contact's state in an audience; the provider sync moves pending rows to done or failed."""

    class State(models.TextChoices):
        PENDING_ADD = "pending_add", _("Waiting to be added")
        ADDED = "added", _("Added")
        PENDING_REMOVE = "pending_remove", _("Waiting to be removed")
        REMOVED = "removed", _("Removed")
        FAILED = "failed", _("Failed")

    # No database constraint (Django still cascades): executors adding members at once would all
    # share-lock the one audience row for every member they add (bench/executor.py).
    # Nor an index of its own: it leads the unique (audience, contact) and the pending index.
    audience = models.ForeignKey(
        Audience, on_delete=models.CASCADE, related_name="members", db_index=False, db_constraint=False
    )
    # Kept (as NULL) when a contact is erased, so the provider can still be told to remove
    # them by the hash of their email: nothing else about the person stays.
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="audience_members"
    )
    email_hash = models.CharField(
        _("email hash"), max_length=64, blank=True, help_text=_("SHA-256 of the normalised email.")
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    wanted = models.CharField(
        _("wanted"), max_length=8, choices=[("in", _("in")), ("out", _("out"))], default="in", editable=False
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    synced_at = models.DateTimeField(_("synced"), null=True, blank=True)

    class Meta:
        verbose_name = _("audience member")
        verbose_name_plural = _("audience members")
        constraints = [models.UniqueConstraint(fields=["audience", "contact"], name="audience_member_unique")]
        indexes = [models.Index(fields=["audience", "state", "next_attempt_at"], name="audiencemember_pending_idx")]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.audience_id}: {self.state}"


class ContactImport(models.Model):
    """A CSV file being imported in the background, with a report of every rejected row."""

    class Status(models.TextChoices):
        MAPPING = "mapping", _("Waiting for column mapping")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    columns = models.JSONField(_("columns"), default=list)
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.MAPPING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.JSONField(_("rejected rows"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact import")
        verbose_name_plural = _("contact imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def progress(self) -> int:
        """Percent done, 0–100."""
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))
