"""Contacts: identify, create, update, erase; tags, consent and lifecycle stages."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts import signals
from contacts.models import Contact, ContactTag, LifecycleStage, StageChange, Tag, validate_timezone
from contacts.services.refresh import contacts_mark_dirty
from flowbuilder.core.languages import language_normalise
from flowbuilder.core.sql import bound_cursor
from flowbuilder.core.validation import nul_path

EDITABLE_FIELDS = ("first_name", "last_name", "timezone", "locale")
MAX_ATTRIBUTES_BYTES = 64_000


def normalise_email(value: Any, field: str = "email") -> str | None:
    """Lower-cased, stripped email; ``None`` for empty. Raises ``ValidationError`` naming ``field``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValidationError({field: [_("Expected an email address as text.")]})
    email = value.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({field: [_("“%(value)s” is not a valid email address.") % {"value": value}]}) from None
    return email


def normalise_external_id(value: Any, field: str = "external_id") -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value.strip()) > 255:
        raise ValidationError({field: [_("Expected a text of at most 255 characters.")]})
    return value.strip() or None


def normalise_locale(value: Any) -> str:
    """``de``, ``de-AT``, ``sv_SE`` → ``de``, ``de-AT``, ``sv-SE``; the language must be supported."""
    if not value:
        return ""
    if not isinstance(value, str):
        raise ValidationError({"locale": [_("Expected a language code such as de or de-AT.")]})
    try:
        language = language_normalise(value)
    except ValidationError as exc:
        raise ValidationError({"locale": exc.messages}) from None
    parts = value.strip().replace("_", "-").split("-")
    region = parts[1].upper() if len(parts) > 1 and len(parts[1]) == 2 else ""
    return f"{language}-{region}" if region else language


@dataclass(frozen=True)
class Identity:
    email: str | None
    external_id: str | None

    @classmethod
    def clean(cls, email: Any, external_id: Any) -> Identity:
        identity = cls(normalise_email(email), normalise_external_id(external_id))
        if identity.email is None and identity.external_id is None:
            raise ValidationError({"email": [_("Give an email address or an external id to identify the contact.")]})
        return identity


def contacts_find(identities: Iterable[Identity]) -> dict[Identity, Contact | ValidationError | None]:
    """Look up many identities in one query.

    Each identity maps to its contact, to ``None`` when unknown, or to a ``ValidationError``
    when its email and external id belong to two different contacts.
    """
    return _contacts_find(identities, lambda query: Contact.objects.filter(query).order_by())


class _Row(NamedTuple):
    """A contact's identity columns, when nothing else about it is needed."""

    pk: int
    email: str | None
    external_id: str | None


class _Identified(Protocol):
    @property
    def pk(self) -> Any: ...
    @property
    def email(self) -> str | None: ...
    @property
    def external_id(self) -> str | None: ...


R = TypeVar("R", bound=_Identified)
IDENTITY_FIELDS = ("id", "email", "external_id")


def _rows(query: Q) -> list[_Row]:
    return [_Row(*row) for row in Contact.objects.filter(query).order_by().values_list(*IDENTITY_FIELDS)]


def _contacts_find(
    identities: Iterable[Identity], load: Callable[[Q], Iterable[R]]
) -> dict[Identity, R | ValidationError | None]:
    identities = list(identities)
    emails = {i.email for i in identities if i.email}
    external_ids = {i.external_id for i in identities if i.external_id}
    query = Q(pk__in=[])
    if emails:
        query |= Q(email__any=sorted(emails))
    if external_ids:
        query |= Q(external_id__any=sorted(external_ids))
    by_email: dict[str, R] = {}
    by_external: dict[str, R] = {}
    for contact in load(query):
        if contact.email:
            by_email[contact.email] = contact
        if contact.external_id:
            by_external[contact.external_id] = contact
    found: dict[Identity, R | ValidationError | None] = {}
    for identity in identities:
        a = by_email.get(identity.email) if identity.email else None
        b = by_external.get(identity.external_id) if identity.external_id else None
        if a and b and a.pk != b.pk:
            found[identity] = ValidationError(
                {"external_id": [_("This email address and this external id belong to two different contacts.")]}
            )
        else:
            found[identity] = b or a
    return found


def contacts_get_or_create(
    identities: Sequence[Identity], *, now: datetime
) -> dict[Identity, Contact | ValidationError]:
    """Resolve identities, creating contacts for unknown ones (safe against concurrent creators).

    The contacts come with their id, email and external id loaded; any other field is read
    from the database when first used. (``contact_ids_get_or_create`` when ids will do.)
    """

    def lean(query: Q) -> QuerySet[Contact]:
        return Contact.objects.filter(query).order_by().only(*IDENTITY_FIELDS)

    def as_contact(row: _Row) -> Contact:
        return Contact.from_db(connection.alias, IDENTITY_FIELDS, row)

    return _get_or_create(identities, now=now, load=lean, inserted=as_contact)


def contact_ids_get_or_create(
    identities: Sequence[Identity], *, now: datetime
) -> dict[Identity, int | ValidationError]:
    """``contacts_get_or_create`` for callers that need only the ids (a batch of events):
    no model instance is built for the thousand contacts of a batch."""
    return {
        identity: row if isinstance(row, ValidationError) else row.pk
        for identity, row in _get_or_create(identities, now=now, load=_rows, inserted=lambda row: row).items()
    }


def _get_or_create(
    identities: Sequence[Identity], *, now: datetime, load: Callable[[Q], Iterable[R]], inserted: Callable[[_Row], R]
) -> dict[Identity, R | ValidationError]:
    found = _contacts_find(identities, load)
    # Sorted, so that concurrent creators take the unique-index locks in the same order.
    missing = sorted((i for i, c in found.items() if c is None), key=lambda i: (i.email or "", i.external_id or ""))
    if missing:
        created = _contacts_insert(missing, now=now)
        found.update({identity: inserted(row) for identity, row in created.items()})
        if len(created) < len(missing):
            found.update(_contacts_find([i for i in missing if i not in created], load))
    result: dict[Identity, R | ValidationError] = {}
    for identity, contact in found.items():
        if contact is None:  # lost a race on one key but not the other: report, never guess
            result[identity] = ValidationError({"email": [_("This contact could not be created; try again.")]})
        else:
            result[identity] = contact
    return result


def _contacts_insert(identities: Sequence[Identity], *, now: datetime) -> dict[Identity, _Row]:
    """Insert a contact per identity, skipping those whose email or external id exists by now.

    Returns the contacts inserted, as far as the database says which (PostgreSQL); the
    caller looks up the rest.
    """

    def new(identity: Identity) -> Contact:
        return Contact(
            email=identity.email, external_id=identity.external_id, consent_changed_at=now, consent_source="created"
        )

    if connection.vendor != "postgresql" or len(identities) < 2:
        Contact.objects.bulk_create([new(i) for i in identities], ignore_conflicts=True)
        return {}
    # bulk_create prepares every column of every row in Python; only the identities differ
    # here, so they travel as two arrays and every other column as one constant, prepared
    # from a model instance exactly as bulk_create would (defaults, auto_now).
    template = new(identities[0])
    others = [f for f in Contact._meta.concrete_fields if f.attname not in IDENTITY_FIELDS]
    constants = [f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in others]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column or f.attname) for f in others)
    values = ", ".join(f"%s::{f.cast_db_type(connection)}" for f in others)
    with bound_cursor() as cursor:  # the identities as array parameters, not quoted into the SQL
        cursor.execute(
            f"""INSERT INTO {quote(Contact._meta.db_table)} (email, external_id, {columns})
            SELECT v.email, v.external_id, {values}
            FROM unnest(%s::varchar[], %s::varchar[]) WITH ORDINALITY AS v(email, external_id, n) ORDER BY v.n
            ON CONFLICT DO NOTHING RETURNING id, email, external_id""",  # noqa: S608
            [*constants, [i.email for i in identities], [i.external_id for i in identities]],
        )
        return {Identity(email, external_id): _Row(pk, email, external_id) for pk, email, external_id in cursor}


def clean_contact_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the changeable fields of a contact; ``ValidationError`` maps each bad field to messages."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if (bad := nul_path(dict(data))) is not None:
        raise ValidationError({bad: [_("Texts may not contain the NUL character (\\u0000).")]})
    for name in ("first_name", "last_name"):
        if name in data:
            value = data[name] if data[name] is not None else ""
            if not isinstance(value, str) or len(value) > 150:
                errors[name] = [_("Expected a text of at most 150 characters.")]
            else:
                cleaned[name] = value.strip()
    if "timezone" in data:
        value = data["timezone"] or ""
        try:
            if not isinstance(value, str):
                raise ValidationError(_("Expected a time zone name."))
            validate_timezone(value)
            cleaned["timezone"] = value
        except ValidationError as exc:
            errors["timezone"] = exc.messages
    if "locale" in data:
        try:
            cleaned["locale"] = normalise_locale(data["locale"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "attributes" in data:
        value = data["attributes"]
        if not isinstance(value, dict):
            errors["attributes"] = [_("Expected an object of attribute names and values.")]
        elif len(repr(value)) > MAX_ATTRIBUTES_BYTES:
            errors["attributes"] = [_("Attributes are too large (at most 64 KB).")]
        else:
            cleaned["attributes"] = value
    for name in ("tags", "add_tags", "remove_tags"):
        if name in data:
            value = data[name]
            if not isinstance(value, list) or not all(isinstance(t, str) and 0 < len(t.strip()) <= 100 for t in value):
                errors[name] = [_("Expected a list of tag names (1–100 characters each).")]
            else:
                cleaned[name] = sorted({t.strip() for t in value})
    if "stage" in data:
        key = data["stage"]
        if key in (None, ""):
            cleaned["stage"] = None
        elif not isinstance(key, str) or not (stage := LifecycleStage.objects.filter(key=key).first()):
            keys = ", ".join(LifecycleStage.objects.filter(is_active=True).values_list("key", flat=True))
            errors["stage"] = [
                _("There is no lifecycle stage %(key)r. Use one of: %(keys)s.") % {"key": key, "keys": keys}
            ]
        else:
            cleaned["stage"] = stage
    if "email_consent" in data:
        if data["email_consent"] not in Contact.Consent.values:
            errors["email_consent"] = [_("Use one of: %(values)s.") % {"values": ", ".join(Contact.Consent.values)}]
        else:
            cleaned["email_consent"] = data["email_consent"]
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def contact_upsert(
    *,
    email: Any = None,
    external_id: Any = None,
    data: Mapping[str, Any] | None = None,
    cause: str = StageChange.Cause.API,
    source: str = "api",
    now: datetime | None = None,
) -> tuple[Contact, bool]:
    """Create or update the contact with this email and/or external id. Returns (contact, created).

    A contact found by one identifier gets the other filled in when it had none. Raises
    ``ValidationError`` naming the field for bad input; nothing is stored then.
    """
    now = now or timezone.now()
    identity = Identity.clean(email, external_id)
    fields = clean_contact_fields(data or {})
    existing = contacts_find([identity])[identity]
    if isinstance(existing, ValidationError):
        raise existing
    created = existing is None
    if existing is None:
        try:
            with transaction.atomic():
                contact = Contact.objects.create(
                    email=identity.email,
                    external_id=identity.external_id,
                    consent_changed_at=now,
                    consent_source=source,
                )
        except IntegrityError:  # created meanwhile by someone else
            found = contacts_find([identity])[identity]
            if not isinstance(found, Contact):
                raise ValidationError({"email": [_("This contact could not be created; try again.")]}) from None
            contact, created = found, False
    else:
        contact = existing
        filled = []
        if identity.email and not contact.email:
            contact.email = identity.email
            filled.append("email")
        if identity.external_id and not contact.external_id:
            contact.external_id = identity.external_id
            filled.append("external_id")
        if filled:
            try:
                with transaction.atomic():
                    contact.save(update_fields=[*filled, "updated_at"])
            except IntegrityError:
                raise ValidationError({filled[0]: [_("Another contact already has this value.")]}) from None
    _apply_fields(contact, fields, cause=cause, source=source, now=now)
    return contact, created


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    data: Mapping[str, Any],
    cause: str = StageChange.Cause.API,
    source: str = "api",
    now: datetime | None = None,
) -> Contact:
    """Change fields of ``contact`` (``email``/``external_id`` too). Raises ``ValidationError`` naming the field."""
    now = now or timezone.now()
    fields = clean_contact_fields(data)
    identity_changes: dict[str, Any] = {}
    if "email" in data:
        identity_changes["email"] = normalise_email(data["email"])
    if "external_id" in data:
        identity_changes["external_id"] = normalise_external_id(data["external_id"])
    if identity_changes:
        email = identity_changes.get("email", contact.email)
        external_id = identity_changes.get("external_id", contact.external_id)
        if email is None and external_id is None:
            raise ValidationError({"email": [_("A contact needs an email address or an external id.")]})
        contact.email, contact.external_id = email, external_id
        try:
            with transaction.atomic():
                contact.save(update_fields=["email", "external_id", "updated_at"])
        except IntegrityError:
            field = "email" if "email" in identity_changes else "external_id"
            raise ValidationError({field: [_("Another contact already has this value.")]}) from None
    _apply_fields(contact, fields, cause=cause, source=source, now=now)
    return contact


def attributes_merged(attributes: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``attributes`` with ``changes`` applied: a value sets its key, ``None`` removes it."""
    merged = dict(attributes)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _apply_fields(contact: Contact, fields: dict[str, Any], *, cause: str, source: str, now: datetime) -> None:
    changed: list[str] = []
    for name in EDITABLE_FIELDS:
        if name in fields and getattr(contact, name) != fields[name]:
            setattr(contact, name, fields[name])
            changed.append(name)
    if "attributes" in fields:
        merged = attributes_merged(contact.attributes, fields["attributes"])
        if merged != contact.attributes:
            contact.attributes = merged
            changed.append("attributes")
    if "email_consent" in fields and fields["email_consent"] != contact.email_consent:
        contact.email_consent = fields["email_consent"]
        contact.consent_changed_at = now
        contact.consent_source = source[:100]
        changed += ["email_consent", "consent_changed_at", "consent_source"]
    if changed:
        contact.save(update_fields=[*changed, "updated_at"])
    tags_changed = _apply_tags(contact, fields)
    if "stage" in fields and fields["stage"] != contact.stage:
        stages_set(contact_ids=[contact.pk], stage=fields["stage"], cause=cause, detail=source, now=now)
        contact.refresh_from_db(fields=["stage"])
    if changed or tags_changed:
        contacts_changed([contact.pk], now=now)


def _apply_tags(contact: Contact, fields: dict[str, Any]) -> bool:
    current = set(contact.tags.values_list("name", flat=True))
    wanted = set(current)
    if "tags" in fields:
        wanted = set(fields["tags"])
    wanted |= set(fields.get("add_tags", []))
    wanted -= set(fields.get("remove_tags", []))
    if wanted == current:
        return False
    tags_set(contact=contact, add=wanted - current, remove=current - wanted)
    return True


def tags_set(*, contact: Contact, add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
    add, remove = set(add), set(remove)
    if add:
        Tag.objects.bulk_create([Tag(name=name) for name in add], ignore_conflicts=True)
        tags = Tag.objects.filter(name__in=add)
        ContactTag.objects.bulk_create([ContactTag(contact=contact, tag=tag) for tag in tags], ignore_conflicts=True)
    if remove:
        ContactTag.objects.filter(contact=contact, tag__name__in=remove).delete()


def consent_set(*, contact: Contact, consent: str, source: str, now: datetime | None = None) -> bool:
    """Record a consent change (unsubscribe, bounce, complaint, resubscribe). Returns whether it changed."""
    before = contact.email_consent
    contact_update(contact=contact, data={"email_consent": consent}, source=source, now=now)
    return contact.email_consent != before


def stages_set(
    *,
    contact_ids: Sequence[int],
    stage: LifecycleStage | None,
    cause: str,
    detail: str = "",
    now: datetime | None = None,
) -> list[StageChange]:
    """Move contacts to ``stage`` (``None`` clears it), recording and announcing each change.

    Contacts already in ``stage`` are left alone and not recorded.
    """
    now = now or timezone.now()
    target_id = stage.pk if stage else None
    moving = list(
        Contact.objects.filter(pk__in=contact_ids).exclude(stage_id=target_id).values_list("pk", "stage_id")
        if target_id is not None
        else Contact.objects.filter(pk__in=contact_ids, stage__isnull=False).values_list("pk", "stage_id")
    )
    if not moving:
        return []
    Contact.objects.filter(pk__in=[pk for pk, _old in moving]).update(stage_id=target_id, updated_at=now)
    changes = StageChange.objects.bulk_create(
        [
            StageChange(
                contact_id=pk,
                from_stage_id=old,
                to_stage_id=target_id,
                changed_at=now,
                cause=cause,
                detail=detail[:300],
            )
            for pk, old in moving
        ]
    )
    contacts_mark_dirty([pk for pk, _old in moving], now=now)
    signals.stage_changed.send(sender=StageChange, changes=changes)
    return changes


def contacts_changed(contact_ids: Sequence[int], *, now: datetime) -> None:
    """Re-evaluate these contacts' segments soon and tell subscribers they changed."""
    contacts_mark_dirty(contact_ids, now=now)
    signals.contacts_changed.send(sender=Contact, contact_ids=list(contact_ids))


@transaction.atomic
def contact_erase(*, contact: Contact) -> None:
    """Erase a contact: their personal data, events, stage history and memberships are deleted.

    Audience providers are told to remove them first (the membership rows go, a removal is
    queued for the provider), so an erased person does not stay on an ad network.
    """
    from contacts.services.audiences import audience_members_forget

    audience_members_forget(contact_ids=[contact.pk])
    contact.delete()
