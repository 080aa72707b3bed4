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
    The executor (a later piece) advances it; this module defines what it runs on.
    """

    class State(models.TextChoices):
        ACTIVE = "active", _("In the journey")
        COMPLETED = "completed", _("Completed")
        EXITED = "exited", _("Left early")
        FAILED = "failed", _("Failed")

    journey = models.ForeignKey(
        Journey, on_delete=models.CASCADE, related_name="enrollments", verbose_name=_("journey")
    )
    version = models.ForeignKey(
        JourneyVersion, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("version")
    )
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="enrollments", verbose_name=_("contact")
    )
    node_id = models.CharField(_("current node"), max_length=100)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    trigger_key = models.CharField(_("trigger"), max_length=200, help_text=_("What started it, unique per journey."))
    trigger_data = models.JSONField(_("trigger data"), default=dict, blank=True)
    entered_at = models.DateTimeField(_("entered at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            # At most one enrollment per trigger occurrence: enforced here, not by luck.
            models.UniqueConstraint(fields=["journey", "trigger_key"], name="enrollment_trigger_unique"),
        ]
        indexes = [
            models.Index(fields=["state", "due_at"], name="enrollment_due_idx"),
            models.Index(fields=["version", "node_id", "state"], name="enrollment_node_idx"),
            models.Index(fields=["contact", "journey"], name="enrollment_contact_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.journey_id} at {self.node_id}"


class EmailTemplate(models.Model):
    """A personalised email a journey sends (rendering and delivery: the email channel)."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    subject = models.CharField(_("subject"), max_length=300)
    preheader = models.CharField(_("preheader"), max_length=300, blank=True)
    html_body = models.TextField(_("HTML body"), blank=True)
    text_body = models.TextField(_("text body"), blank=True)
    sender_name = models.CharField(_("sender name"), max_length=150, blank=True)
    sender_email = models.EmailField(_("sender email"), blank=True)
    reply_to = models.EmailField(_("reply-to"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
