from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredEmail(models.Model):
    """An email the app handed to the local mail store instead of an SMTP server.

    With no ``EMAIL_URL`` configured nothing leaves the machine: every message lands
    here and shows on the Outbox page, so someone trying Flowbuilder sees exactly what
    their contacts and colleagues would have received.
    """

    created_at = models.DateTimeField(_("stored at"), auto_now_add=True, db_index=True)
    from_email = models.CharField(_("from"), max_length=320)
    to = models.JSONField(_("to"), default=list)
    cc = models.JSONField(_("cc"), default=list, blank=True)
    bcc = models.JSONField(_("bcc"), default=list, blank=True)
    reply_to = models.JSONField(_("reply to"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=998)
    text_body = models.TextField(_("text body"), blank=True)
    html_body = models.TextField(_("HTML body"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)

    class Meta:
        verbose_name = _("stored email")
        verbose_name_plural = _("stored emails")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"

    @property
    def recipients(self) -> list[str]:
        return [*self.to, *self.cc, *self.bcc]
