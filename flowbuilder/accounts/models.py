from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

# Imported here too: migrations name this path.
from flowbuilder.core.validation import validate_timezone


class User(AbstractUser):
    """A person who uses Flowbuilder. Their role is a group membership (see roles.py).

    ``language`` and ``timezone`` are preferences; empty means "from the browser" and
    "the workspace's time zone" (``TIME_ZONE``).
    """

    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Empty: the language your browser asks for."),
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text=_("Empty: the workspace time zone."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"


def key_digest(key: str) -> str:
    """The SHA-256 (hex) stored for an API key or a write key."""
    # Keys carry 256 bits of randomness, so a fast unsalted hash is enough here:
    # nothing about them can be guessed from a leaked hash.
    return hashlib.sha256(key.encode()).hexdigest()


class SecretKey(models.Model):
    """What API keys and write keys share: a name, a unique prefix kept in clear (to find the
    row and tell keys apart), only a SHA-256 of the key itself (shown once), and when it was
    created, last used and revoked."""

    key_kind = ""  # the key's own prefix, "fb" or "wk": keys look like <kind>_<prefix>_<secret>

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_kind}_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def hash(key: str) -> str:
        return key_digest(key)


class ApiKey(SecretKey):
    """A personal API key, ``fb_<prefix>_<secret>``: acts with its owner's role."""

    key_kind = "fb"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("user")
    )

    class Meta(SecretKey.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")


class WriteKey(SecretKey):
    """A write key, ``wk_<prefix>_<secret>``: what analytics SDKs (Segment's, RudderStack's) send
    to the ``/v1`` ingest API.

    It belongs to the workspace, not to a person: it authenticates nothing but ingestion, acts
    as no user, and keeps working when whoever created it leaves.
    """

    key_kind = "wk"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="write_keys_created",
        verbose_name=_("created by"),
    )

    class Meta(SecretKey.Meta):
        verbose_name = _("write key")
        verbose_name_plural = _("write keys")
