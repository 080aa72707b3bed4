from __future__ import annotations

import hashlib
import hmac
import json
import time

from django.utils.translation import gettext_lazy as _

from contacts.providers.base import Field, Member, Provider, ProviderError
from contacts.providers.http import send


class WebhookProvider(Provider):
    """POSTs batches as JSON to a URL, signed with HMAC-SHA256 so the receiver can trust them.

    Body: ``{"audience": "<name>", "action": "add"|"remove", "members": [{"email",
    "email_sha256", "external_id"}]}``. Headers: ``X-Flowbuilder-Timestamp`` (Unix seconds)
    and ``X-Flowbuilder-Signature: sha256=<hex HMAC of "<timestamp>.<body>">``. At most
    ``batch_size`` members per request; an erased contact is sent with only ``email_sha256``.
    """

    key = "webhook"
    label = _("Webhook")
    batch_size = 1000
    fields = (
        Field("url", _("URL"), _("Where batches are POSTed, e.g. https://crm.example.com/hooks/audience.")),
        Field("audience_name", _("Audience name sent"), _("Sent as “audience” in every batch."), required=False),
        Field("signing_secret", _("Signing secret"), _("Shared secret for the HMAC-SHA256 signature."), secret=True),
    )

    def _post(self, action: str, members: list[Member]) -> None:
        url = str(self.config.get("url") or "").strip()
        if not url:
            raise ProviderError("The webhook has no URL.", permanent=True)
        secret = str(self.secrets.get("signing_secret", "")).encode()
        for batch in self.batches(members):
            body = json.dumps(
                {
                    "audience": self.config.get("audience_name", ""),
                    "action": action,
                    "members": [
                        {"email": m.email, "email_sha256": m.sha256, "external_id": m.external_id} for m in batch
                    ],
                },
                separators=(",", ":"),
            ).encode()
            timestamp = str(int(time.time()))
            signature = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
            send(
                "POST",
                url,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Flowbuilder-Timestamp": timestamp,
                    "X-Flowbuilder-Signature": f"sha256={signature}",
                },
            )

    def add(self, members: list[Member]) -> None:
        self._post("add", members)

    def remove(self, members: list[Member]) -> None:
        self._post("remove", members)
