from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, ClassVar

from django.utils.functional import Promise


class ProviderError(Exception):
    """A batch could not be synced. ``permanent``: retrying the same batch cannot succeed."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class Member:
    """What a provider gets to know about a contact; ``email`` is ``None`` once they were erased."""

    email: str | None
    email_hash: str
    external_id: str | None


def email_hash(email: str | None) -> str:
    """SHA-256 of the normalised (trimmed, lower-case) email, as ad networks expect."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest() if email else ""


@dataclass(frozen=True)
class Field:
    """A setting of a provider, described for forms and the API."""

    name: str
    label: str | Promise
    help: str | Promise = ""
    required: bool = True
    secret: bool = False
    default: Any = None


class Provider:
    """Base of every provider. Subclasses set the class attributes and implement add/remove."""

    key: ClassVar[str]
    label: ClassVar[str | Promise]
    batch_size: ClassVar[int] = 1000
    fields: ClassVar[tuple[Field, ...]] = ()

    def __init__(self, config: dict[str, Any], secrets: dict[str, Any]) -> None:
        self.config = config
        self.secrets = secrets

    def add(self, members: list[Member]) -> None:
        raise NotImplementedError

    def remove(self, members: list[Member]) -> None:
        raise NotImplementedError

    @classmethod
    def setting(cls, name: str) -> Field:
        return next(f for f in cls.fields if f.name == name)
