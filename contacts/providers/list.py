from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from contacts.providers.base import Member, Provider


class ListProvider(Provider):
    """The audience is the membership kept in Flowbuilder itself; export it as CSV or via the API."""

    key = "list"
    label = _("List kept in Flowbuilder")
    batch_size = 10_000

    def add(self, members: list[Member]) -> None:
        return None

    def remove(self, members: list[Member]) -> None:
        return None
