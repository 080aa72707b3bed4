from __future__ import annotations

import json

from django.utils.translation import gettext_lazy as _

from contacts.providers.base import Field, Member, Provider, ProviderError
from contacts.providers.http import send


class MetaProvider(Provider):
    """A Meta (Facebook/Instagram) custom audience, through the Marketing API.

    ``POST`` (add) or ``DELETE`` (remove) ``{base_url}/{api_version}/{audience_id}/users`` with
    ``payload={"schema": "EMAIL", "data": [sha256(normalised email), …]}``, at most 10,000 per
    call. Contacts without an email are skipped (Meta matches on the hash only). The token
    travels in the form body, never in the address, so it does not end up in error messages.
    """

    key = "meta"
    label = _("Meta custom audience")
    batch_size = 10_000
    fields = (
        Field("audience_id", _("Custom audience id"), _("The numeric id of the custom audience in Meta Ads Manager.")),
        Field("api_version", _("API version"), required=False, default="v21.0"),
        Field(
            "base_url",
            _("API address"),
            _("Change only to test against another server."),
            required=False,
            default="https://graph.facebook.com",
        ),
        Field("access_token", _("Access token"), _("A system user token with ads_management."), secret=True),
    )

    def _call(self, method: str, members: list[Member]) -> None:
        with_email = [m for m in members if m.sha256]
        if not with_email:
            return
        audience_id = str(self.config.get("audience_id", "")).strip()
        if not audience_id.isdigit():
            raise ProviderError("The custom audience id must be a number.", permanent=True)
        base = str(self.config.get("base_url") or self.setting("base_url").default).rstrip("/")
        version = str(self.config.get("api_version") or self.setting("api_version").default).strip("/")
        for batch in self.batches(with_email):
            send(
                method,
                f"{base}/{version}/{audience_id}/users",
                data={
                    "payload": json.dumps({"schema": "EMAIL", "data": [m.sha256 for m in batch]}),
                    "access_token": str(self.secrets.get("access_token", "")),
                },
            )

    def add(self, members: list[Member]) -> None:
        self._call("POST", members)

    def remove(self, members: list[Member]) -> None:
        self._call("DELETE", members)
