from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from django_stubs_ext import StrOrPromise


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

    @property
    def sha256(self) -> str:
        """``email_hash``, or the hash of ``email`` when none was given; ``""`` with neither."""
        return self.email_hash or email_hash(self.email)


def email_hash(email: str | None) -> str:
    """Hex SHA-256 of the normalised (trimmed, lower-case) email, as ad networks expect; ``""`` without one."""
    normalised = (email or "").strip().lower()
    return hashlib.sha256(normalised.encode()).hexdigest() if normalised else ""


@dataclass(frozen=True)
class Field:
    """A setting of a provider, described for forms and the API."""

    name: str
    label: StrOrPromise
    help: StrOrPromise = ""
    required: bool = True
    secret: bool = False
    default: Any = None


class Provider:
    """Base of every provider. Subclasses set the class attributes and implement add/remove."""

    key: ClassVar[str]
    label: ClassVar[StrOrPromise]
    batch_size: ClassVar[int] = 1000
    fields: ClassVar[tuple[Field, ...]] = ()

    def __init__(self, config: dict[str, Any], secrets: dict[str, Any]) -> None:
        self.config = config
        self.secrets = secrets

    def add(self, members: list[Member]) -> None:
        raise NotImplementedError

    def batches(self, members: list[Member]) -> Iterator[list[Member]]:
        """``members`` in slices of at most ``batch_size``, for providers that call out per slice."""
        for start in range(0, len(members), self.batch_size):
            yield members[start : start + self.batch_size]

    def remove(self, members: list[Member]) -> None:
        raise NotImplementedError

    @classmethod
    def setting(cls, name: str) -> Field:
        return next(f for f in cls.fields if f.name == name)
