"""CSV imports of contacts: check and store an upload, map its columns, import it in the background.

``import_create`` stores an upload once it is known to be a UTF-8 CSV file with a header and
suggests a mapping from the column names; ``import_start`` checks the mapping and queues the
task that calls ``import_run``. That applies the rows in chunks, each chunk in one transaction
together with the import's counters: progress moves after every chunk, a crash never leaves a
chunk half applied, and a rerun resumes after the last chunk that was committed.

Each row is checked completely before anything of it is written, then applied through
``contact_upsert`` in its own savepoint. A row that would change nothing writes nothing, so
importing the same file twice leaves contacts, ``updated_at`` and stage history alone.
"""

from __future__ import annotations

import itertools
import logging
import re
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from typing import IO, Any, cast

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from contacts.models import Contact, ContactImport, ContactTag, LifecycleStage, StageChange
from contacts.services.contacts import EDITABLE_FIELDS, Identity, clean_contact_fields, contact_upsert, contacts_find
from contacts.services.csv_files import cell_typed, csv_open, file_error

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 1_000_000
CHUNK_SIZE = 500
MAX_REJECTED_KEPT = 1000  # rows reported in detail; the total is counted, not listed
SAMPLE_ROWS = 5
IGNORE = "ignore"
ATTRIBUTE_PREFIX = "attributes."
TARGETS = ("email", "external_id", "first_name", "last_name", "timezone", "locale", "stage", "email_consent", "tags")
# Header names (lower case, letters and digits only) that suggest a target.
SUGGESTIONS = {
    "email": {"email", "mail", "emailaddress", "mailaddress", "emailadresse"},
    "external_id": {"externalid", "userid", "customerid", "customernumber", "kundennummer"},
    "first_name": {"firstname", "givenname", "forename", "vorname"},
    "last_name": {"lastname", "surname", "familyname", "nachname"},
    "timezone": {"timezone", "tz", "zeitzone"},
    "locale": {"locale", "language", "lang", "sprache"},
    "stage": {"stage", "lifecyclestage", "lifecycle"},
    "email_consent": {"consent", "emailconsent", "subscribed"},
    "tags": {"tags", "tag", "labels"},
}
CONSENT_WORDS = {
    **dict.fromkeys(("true", "yes", "y", "1", "ja"), Contact.Consent.SUBSCRIBED.value),
    **dict.fromkeys(("false", "no", "n", "0", "nein"), Contact.Consent.UNSUBSCRIBED.value),
}
# One level of the segment rule language's field names (contacts.rules), so rules can use them.
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z_][\w-]{0,99}")


def import_sample(*, contact_import: ContactImport, size: int = SAMPLE_ROWS) -> list[list[str]]:
    """The first ``size`` data rows of the stored file, as lists of cells; ``[]`` if it cannot be read."""
    try:
        with contact_import.file.open("rb") as binary, csv_open(binary=cast(IO[bytes], binary)) as (_columns, records):
            return [cells for _line, cells in itertools.islice(records, size)]
    except (OSError, ValidationError):
        return []


def import_create(*, upload: UploadedFile, user: Any) -> ContactImport:
    """Check an uploaded CSV file, store it and return an import waiting for its column mapping.

    Raises ``ValidationError`` on ``file`` naming the problem: too large, empty, not UTF-8 text
    (a byte order mark is fine), no header, empty or repeated column names, no rows, too many rows.
    """
    if upload.size and upload.size > MAX_FILE_BYTES:
        raise file_error(
            _("The file is %(size)s MB; at most %(max)s MB can be imported at once. Split it into smaller files.")
            % {"size": round(upload.size / 1024 / 1024, 1), "max": MAX_FILE_BYTES // 1024 // 1024}
        )
    with csv_open(binary=cast(IO[bytes], upload)) as (columns, records):
        total = sum(1 for _record in itertools.islice(records, MAX_ROWS + 1))
    if total > MAX_ROWS:
        raise file_error(
            _("The file has more than %(max)s rows. Split it into smaller files.") % {"max": f"{MAX_ROWS:,}"}
        )
    if not total:
        raise file_error(_("The file names its columns but has no rows to import."))
    contact_import = ContactImport(
        original_name=(upload.name or "contacts.csv")[:255],
        columns=columns,
        mapping=mapping_suggest(columns=columns),
        total_rows=total,
        created_by=user if getattr(user, "pk", None) else None,
    )
    contact_import.file.save(f"{uuid.uuid4().hex}.csv", upload, save=False)
    contact_import.save()
    return contact_import


def mapping_suggest(*, columns: list[str]) -> dict[str, str]:
    """Column → target guessed from the names (``E-Mail`` → email…); anything else → ``attributes.<slug>``."""
    mapping: dict[str, str] = {}
    for number, column in enumerate(columns, start=1):
        compact = re.sub(r"[^0-9a-z]", "", column.lower())
        target = next((t for t, names in SUGGESTIONS.items() if compact in names), None)
        if target is None or target in mapping.values():
            slug = slugify(column).replace("-", "_")[:90] or f"column_{number}"
            slug = slug if _ATTRIBUTE_NAME.fullmatch(slug) else f"column_{slug}"
            target, n = ATTRIBUTE_PREFIX + slug, 2
            while target in mapping.values():
                target, n = f"{ATTRIBUTE_PREFIX}{slug}_{n}", n + 1
        mapping[column] = target
    return mapping


def mapping_clean(*, columns: list[str], mapping: Any) -> dict[str, str]:
    """Check a column → target mapping; ``ValidationError`` names ``mapping.<column>`` for each problem.

    Targets: one of ``TARGETS``, ``attributes.<name>`` or ``ignore``. Every column needs one, each
    target but ``ignore`` serves one column, and email or external_id must be among them.
    """
    if not isinstance(mapping, dict):
        raise ValidationError({"mapping": [_("Expected an object that maps each column name to a field.")]})
    errors: dict[str, list[str]] = {}
    for key in mapping:
        if key not in columns:
            errors[f"mapping.{key}"] = [_("There is no column “%(column)s” in this file.") % {"column": key}]
    used: dict[str, str] = {}
    for column in columns:
        target, key = mapping.get(column), f"mapping.{column}"
        valid = target in (*TARGETS, IGNORE) or (
            isinstance(target, str)
            and target.startswith(ATTRIBUTE_PREFIX)
            and _ATTRIBUTE_NAME.fullmatch(target.removeprefix(ATTRIBUTE_PREFIX))
        )
        if target is None:
            errors[key] = [_("Choose a field for this column, or “ignore”.")]
        elif not valid:
            errors[key] = [
                _("“%(target)s” is not a field. Use one of: %(targets)s, attributes.<name> or ignore.")
                % {"target": target, "targets": ", ".join(TARGETS)}
            ]
        elif target in used:
            errors[key] = [
                _("“%(target)s” is already used for column “%(column)s”.") % {"target": target, "column": used[target]}
            ]
        elif target != IGNORE:
            used[target] = column
    if not errors and not {"email", "external_id"} & set(used):
        errors["mapping"] = [_("Map a column to email or external_id: contacts are found and created by them.")]
    if errors:
        raise ValidationError(errors)
    return {column: mapping[column] for column in columns}


def import_start(*, contact_import: ContactImport, mapping: Any) -> ContactImport:
    """Save the mapping and queue the import (after commit). ``ValidationError`` for a bad mapping,
    or with code ``not_mapping`` when the import was already started."""
    not_mapping = ValidationError(_("This import has already been started."), code="not_mapping")
    if contact_import.status != ContactImport.Status.MAPPING:
        raise not_mapping
    cleaned = mapping_clean(columns=contact_import.columns, mapping=mapping)
    with transaction.atomic():
        pending = ContactImport.objects.filter(pk=contact_import.pk, status=ContactImport.Status.MAPPING)
        if not pending.update(status=ContactImport.Status.QUEUED, mapping=cleaned):  # started meanwhile
            raise not_mapping
        transaction.on_commit(partial(import_schedule, contact_import.pk))
    contact_import.refresh_from_db()
    return contact_import


def import_schedule(import_id: int) -> None:
    from django_q.tasks import async_task

    async_task("contacts.tasks.run_contact_import", import_id, task_name=f"import.{import_id}", group="imports")


@dataclass
class _Row:
    line: int
    identity: Identity
    data: dict[str, Any]  # as contact_upsert takes it
    fields: dict[str, Any]  # as clean_contact_fields returns it


class _Rejected(Exception):  # a row's outcome, not an error
    def __init__(self, column: str | None, reason: str) -> None:
        self.column, self.reason = column, reason


class _Plan:
    """A mapping ready to turn cells into contact data."""

    def __init__(self, contact_import: ContactImport) -> None:
        self.source = f"import #{contact_import.pk}"
        self.now = timezone.now()
        self.width = len(contact_import.columns)
        self.targets = [
            (index, column, contact_import.mapping[column])
            for index, column in enumerate(contact_import.columns)
            if contact_import.mapping.get(column, IGNORE) != IGNORE
        ]
        self.column_of = {target: column for _index, column, target in self.targets}
        self.column_of["add_tags"] = self.column_of.get("tags", "")
        self.stage_keys: dict[str, str] = {}
        for key, name in LifecycleStage.objects.values_list("key", "name"):
            self.stage_keys.setdefault(name.lower(), key)
            self.stage_keys[key.lower()] = key

    def reject(self, exc: ValidationError) -> _Rejected:
        problems = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        if "email" in problems and "email" not in self.column_of:  # "give an email or an external id"
            problems["external_id"] = problems.pop("email")
        columns = [self.column_of.get(field) or None for field in problems]
        reasons = [
            _("Column “%(column)s”: %(message)s") % {"column": column, "message": " ".join(messages)}
            if column
            else " ".join(messages)
            for column, messages in zip(columns, problems.values(), strict=True)
        ]
        return _Rejected(next((c for c in columns if c), None), " ".join(reasons))

    def row(self, line: int, cells: list[str]) -> _Row:
        """Check a row completely; ``_Rejected`` names the column and the reason."""
        if any(cell.strip() for cell in cells[self.width :]):
            raise _Rejected(
                None,
                _("This row has %(cells)s cells but the first line names %(columns)s columns.")
                % {"cells": len(cells), "columns": self.width},
            )
        data: dict[str, Any] = {}
        attributes: dict[str, Any] = {}
        for index, _column, target in self.targets:
            value = cells[index].strip() if index < len(cells) else ""
            if not value:  # an empty cell sets nothing
                continue
            if target.startswith(ATTRIBUTE_PREFIX):
                attributes[target.removeprefix(ATTRIBUTE_PREFIX)] = cell_typed(value)
            elif target == "tags":
                data["add_tags"] = [tag for tag in re.split(r"[,;]", value) if tag.strip()]
            elif target == "stage":
                data["stage"] = self.stage_keys.get(value.lower(), value)
            elif target == "email_consent":
                data["email_consent"] = CONSENT_WORDS.get(value.lower(), value.lower())
            else:
                data[target] = value
        if attributes:
            data["attributes"] = attributes
        email, external_id = data.pop("email", None), data.pop("external_id", None)
        if email and len(email) > 254:
            raise _Rejected(self.column_of["email"], _("An email address has at most 254 characters."))
        try:
            identity = Identity.clean(email, external_id)
            fields = clean_contact_fields(data)
        except ValidationError as exc:
            raise self.reject(exc) from None
        return _Row(line, identity, data, fields)


def _differs(contact: Contact, tags: set[str], row: _Row) -> bool:
    """Whether applying ``row`` would change ``contact`` (whose tag names are ``tags``)."""
    fields = row.fields
    if (row.identity.email and not contact.email) or (row.identity.external_id and not contact.external_id):
        return True
    if any(name in fields and getattr(contact, name) != fields[name] for name in EDITABLE_FIELDS):
        return True
    if any(k not in contact.attributes or contact.attributes[k] != v for k, v in fields.get("attributes", {}).items()):
        return True
    if "email_consent" in fields and fields["email_consent"] != contact.email_consent:
        return True
    if set(fields.get("add_tags", ())) - tags:
        return True
    return "stage" in fields and fields["stage"].pk != contact.stage_id


def _row_apply(
    plan: _Plan, row: _Row, existing: Contact | ValidationError | None, tags: set[str]
) -> tuple[str, Contact]:
    """Apply one checked row: ``created``, ``updated`` or ``unchanged`` (nothing written), and the contact.

    Raises ``_Rejected`` when it cannot be applied; nothing of the row is stored then.
    """
    if isinstance(existing, ValidationError):
        raise plan.reject(existing)
    if existing is not None and not _differs(existing, tags, row):
        return "unchanged", existing
    try:
        with transaction.atomic():  # the row's savepoint: all of it or nothing
            contact, created = contact_upsert(
                email=row.identity.email,
                external_id=row.identity.external_id,
                data=row.data,
                cause=StageChange.Cause.IMPORT,
                source=plan.source,
                now=plan.now,
            )
    except ValidationError as exc:
        raise plan.reject(exc) from None
    except (IntegrityError, DataError):
        logger.warning("Import row %s refused by the database", row.line, exc_info=True)
        raise _Rejected(None, _("The database refused this row; a value may be too long.")) from None
    return ("created" if created else "updated"), contact


def _chunk_apply(
    plan: _Plan, chunk: list[tuple[int, list[str]]], *, counts: dict[str, int], rejected: list[Any]
) -> None:
    """Apply the rows of one chunk (inside the caller's transaction), counting what happened to each."""
    rows: list[_Row] = []
    for line, cells in chunk:
        try:
            rows.append(plan.row(line, cells))
        except _Rejected as exc:
            rejected.append({"row": line, "column": exc.column, "reason": exc.reason})
    # One query for the chunk's contacts (and one for their tags) makes an unchanged re-import cheap.
    found = contacts_find(row.identity for row in rows)
    tags: dict[int, set[str]] = defaultdict(set)
    if "tags" in plan.column_of:
        links = ContactTag.objects.filter(contact__in=[c for c in found.values() if isinstance(c, Contact)])
        for contact_id, name in links.values_list("contact_id", "tag__name"):
            tags[contact_id].add(name)
    touched: set[str] = set()  # identifiers of contacts this chunk wrote: later rows look them up afresh
    for row in rows:
        existing = found[row.identity]
        if {row.identity.email, row.identity.external_id} & touched:
            existing = contacts_find([row.identity])[row.identity]
            if isinstance(existing, Contact):
                tags[existing.pk] = set(existing.tags.values_list("name", flat=True))
        try:
            outcome, contact = _row_apply(
                plan, row, existing, tags[existing.pk] if isinstance(existing, Contact) else set()
            )
        except _Rejected as exc:
            rejected.append({"row": row.line, "column": exc.column, "reason": exc.reason})
            continue
        counts[outcome] += 1
        if outcome != "unchanged":
            identifiers = (row.identity.email, row.identity.external_id, contact.email, contact.external_id)
            touched |= {i for i in identifiers if i}
    rejected.sort(key=lambda item: item["row"])


def _chunk_commit(import_id: int, plan: _Plan, chunk: list[tuple[int, list[str]]], *, expected: int) -> bool:
    """Apply one chunk and count it in one transaction. False when another run already did (or stopped it)."""
    with transaction.atomic():
        current = ContactImport.objects.select_for_update().get(pk=import_id)
        if current.status != ContactImport.Status.RUNNING or current.processed_rows != expected:
            return False
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        rejected: list[Any] = []
        plan.now = timezone.now()
        _chunk_apply(plan, chunk, counts=counts, rejected=rejected)
        for outcome, count in counts.items():
            setattr(current, f"{outcome}_count", getattr(current, f"{outcome}_count") + count)
        current.processed_rows += len(chunk)
        current.rejected = [*current.rejected, *rejected][:MAX_REJECTED_KEPT]
        current.save(update_fields=["processed_rows", *(f"{o}_count" for o in counts), "rejected"])
    return True


def _slice_run(contact_import: ContactImport, *, chunk_size: int, time_limit: float | None) -> bool | None:
    """Import chunks from where the import stands: True at the end of the file, False when out of
    time, None when another run got to a chunk first (a redelivered task)."""
    deadline = None if time_limit is None else time.monotonic() + time_limit
    done = contact_import.processed_rows
    plan = _Plan(contact_import)
    with contact_import.file.open("rb") as binary, csv_open(binary=cast(IO[bytes], binary)) as (columns, records):
        if columns != contact_import.columns:
            raise ValidationError(_("The stored file no longer has the columns that were mapped."))
        records = itertools.islice(records, done, None)
        while chunk := list(itertools.islice(records, chunk_size)):
            if not _chunk_commit(contact_import.pk, plan, chunk, expected=done):
                return None
            done += len(chunk)
            if deadline is not None and time.monotonic() >= deadline and done < contact_import.total_rows:
                return False
    return True


def import_run(
    *, import_id: int, chunk_size: int = CHUNK_SIZE, time_limit: float | None = None
) -> ContactImport | None:
    """Import the rows of a queued import, or resume a running one after its last committed chunk.

    With ``time_limit`` (seconds) it stops after the chunk that passes it and queues a task to
    go on, so each task stays well inside the cluster's timeout. An unexpected error marks the
    import failed with the error and is not raised: a retry would fail the same way. Returns the
    import, or ``None`` when there was nothing to run (unknown, waiting for mapping, finished).
    """
    runnable = ContactImport.objects.filter(
        pk=import_id, status__in=[ContactImport.Status.QUEUED, ContactImport.Status.RUNNING]
    )
    if not runnable.update(status=ContactImport.Status.RUNNING):
        return None
    contact_import = ContactImport.objects.select_related("created_by").get(pk=import_id)
    # Reasons and errors are stored in the language of whoever uploaded the file.
    with translation.override(getattr(contact_import.created_by, "language", "") or None):
        try:
            finished = _slice_run(contact_import, chunk_size=chunk_size, time_limit=time_limit)
        except Exception as exc:  # recorded for the user: raising would only retry the same failure
            logger.exception("Contact import %s failed", import_id)
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else f"{type(exc).__name__}: {exc}"
            done = ContactImport.objects.get(pk=import_id).processed_rows  # the chunks committed
            runnable.update(
                status=ContactImport.Status.FAILED,
                error=_("The import stopped after %(rows)s rows: %(error)s") % {"rows": f"{done:,}", "error": message},
                finished_at=timezone.now(),
            )
        else:
            if finished:
                runnable.update(status=ContactImport.Status.DONE, finished_at=timezone.now())
            elif finished is False:
                transaction.on_commit(partial(import_schedule, import_id))
    return ContactImport.objects.get(pk=import_id)
