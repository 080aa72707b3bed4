"""Delivering queued messages: claim a batch, send it over one SMTP connection (or keep it in the
local store), record what happened.

Rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` inside a transaction that also records
the outcome, so two senders never send the same row and a crash before the commit leaves the row
queued (the redelivery carries the same ``Message-ID``, so receivers and we can recognise it).
Transient failures (4xx, timeouts, lost connections) are retried after 1, 2, 4 … 32 minutes;
permanent ones (5xx) mark the message bounced and, for marketing email, the address too.
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from flowbuilder.core.retries import backoff
from journeys.emails.mime import message_bytes
from journeys.emails.services.outbox import messages_not_sent, why_not_marketing
from journeys.models import OutboundMessage

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
BATCH = 200
SERVER_RETRY = timedelta(minutes=1)
# Errors of the connection or the login, not of one message.
SERVER_ERRORS = (
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPNotSupportedError,
    ConnectionRefusedError,
    ssl.SSLError,
)


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    bounced: int = 0
    skipped: int = 0


def build_email(message: OutboundMessage) -> bytes:
    """The message for a row (see ``mime.py``): text and HTML alternatives, our headers, its own
    Message-ID. Raises ``HeaderInjection`` for a value with a line break."""
    return message_bytes(
        from_email=message.from_email,
        to=message.to_email,
        subject=message.subject,
        message_id=message.message_id,
        text=message.text_body or "",
        html=message.html_body,
        reply_to=message.reply_to,
        headers=message.headers.items(),
    )


class _Smtp:
    """One SMTP connection for a batch, opened on first use and reopened if the server drops it.

    Opening it (host, port, timeout, SSL or STARTTLS with the configured certificates, login, a
    cached local host name) is Django's SMTP backend's; this only adds sending raw bytes and
    recovering from a dropped connection.
    """

    def __init__(self) -> None:
        self.backend = SmtpBackend(fail_silently=False)

    def send(self, sender: str, recipient: str, data: bytes) -> None:
        for attempt in range(2):
            try:
                self.backend.open()
                connection = self.backend.connection
                if connection is None:  # open() raises rather than leave none (fail_silently=False)
                    raise smtplib.SMTPServerDisconnected("no connection")
                connection.sendmail(sender, [recipient], data)
                return
            except smtplib.SMTPServerDisconnected:
                self.close()
                if attempt:
                    raise

    def close(self) -> None:
        """Close the connection (also one an error left unusable); the next send opens a new one."""
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self.backend.close()
        self.backend.connection = None


def messages_send(*, now: datetime | None = None, batch: int = BATCH, max_batches: int = 50) -> SendReport:
    """Send due queued messages, a batch per transaction, until none are due (or ``max_batches``).

    Returns what happened. Rows locked by another sender are skipped, not waited for, so several
    senders (task clusters on several machines) share the work.
    """
    report = SendReport()
    smtp = None if settings.EMAIL_IS_LOCAL else _Smtp()
    try:
        for _round in range(max_batches):
            moment = now or timezone.now()
            with transaction.atomic():
                claimed = list(
                    OutboundMessage.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("contact")
                    .filter(status=OutboundMessage.Status.QUEUED, next_attempt_at__lte=moment)
                    .order_by("next_attempt_at", "id")[:batch]
                )
                if not claimed:
                    break
                rows = _still_wanted(claimed, report)
                if not rows:
                    continue
                if smtp is None:
                    _store_locally(rows, moment, report)
                else:
                    _send_batch(smtp, rows, moment, report)
    finally:
        if smtp is not None:
            smtp.close()
    return report


def _still_wanted(rows: list[OutboundMessage], report: SendReport) -> list[OutboundMessage]:
    """``rows`` less the marketing email whose contact may no longer get it (unsubscribed,
    bounced or complained since it was queued, from whatever source, or deleted): those are
    marked not sent, with the reason, one UPDATE per reason."""
    wanted: list[OutboundMessage] = []
    unwanted: dict[str, list[int]] = {}
    for row in rows:
        reason = ""
        if row.kind == OutboundMessage.Kind.MARKETING:
            reason = why_not_marketing(row.contact) if row.contact is not None else _("The contact was deleted.")
        if reason:
            unwanted.setdefault(reason, []).append(row.pk)
        else:
            wanted.append(row)
    for reason, pks in unwanted.items():
        report.skipped += messages_not_sent(pks=pks, reason=reason)
    return wanted


def _store_locally(rows: list[OutboundMessage], now: datetime, report: SendReport) -> None:
    """No SMTP configured: keep the messages in the app's Outbox (what ``EMAIL_URL`` unset means)."""
    from flowbuilder.core.models import StoredEmail

    StoredEmail.objects.bulk_create(
        [
            StoredEmail(
                from_email=row.from_email,
                to=[row.to_email],
                reply_to=[row.reply_to] if row.reply_to else [],
                subject=row.subject,
                text_body=row.text_body,
                html_body=row.html_body,
                headers=dict(row.headers),
                message_id=row.message_id,
            )
            for row in rows
        ]
    )
    OutboundMessage.objects.filter(pk__in=[row.pk for row in rows]).update(
        status=OutboundMessage.Status.SENT, sent_at=now, attempts=F("attempts") + 1, last_error=""
    )
    report.sent += len(rows)


def _send_batch(smtp: _Smtp, rows: list[OutboundMessage], now: datetime, report: SendReport) -> None:
    """Send each row over the shared connection; record the outcomes set-wise (one UPDATE for
    everything sent, one per failure)."""
    sent: list[int] = []
    suppressed: set[int] = set()  # contacts whose address bounced in this batch
    for index, row in enumerate(rows):
        if row.kind == OutboundMessage.Kind.MARKETING and row.contact_id in suppressed:
            report.skipped += messages_not_sent(pks=[row.pk], reason=_("The address bounced."))
            continue
        try:
            data = build_email(row)
        except ValueError as exc:  # HeaderInjection, or an address that cannot be written
            _failed(row, now, report, code=None, error=str(exc), final=True)
            continue
        try:
            smtp.send(_envelope_sender(row.from_email), row.to_email, data)
        except SERVER_ERRORS as exc:
            # The server, not this message: try the rest of the batch later, without counting it
            # against their attempts (a wrong password must not fail every email).
            smtp.close()
            error = f"{type(exc).__name__}: {exc}"
            logger.error("Cannot send email through %s:%s: %s", settings.EMAIL_HOST, settings.EMAIL_PORT, error)
            OutboundMessage.objects.filter(pk__in=[r.pk for r in rows[index:]]).update(
                next_attempt_at=now + SERVER_RETRY, last_error=error[:2000]
            )
            report.retrying += len(rows) - index
            break
        except smtplib.SMTPSenderRefused as exc:
            # The sender address is refused: nothing wrong with the recipient's address.
            _failed(
                row,
                now,
                report,
                code=None,
                error=f"{exc.smtp_code} {_text(exc.smtp_error)}",
                final=exc.smtp_code >= 500,
            )
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (550, b""))
            if _failed(row, now, report, code=code, error=f"{code} {_text(text)}", address_refused=True):
                suppressed.add(row.contact_id or 0)
        except smtplib.SMTPResponseException as exc:
            error = f"{exc.smtp_code} {_text(exc.smtp_error)}"
            if _failed(row, now, report, code=exc.smtp_code, error=error, address_refused=_names_the_address(error)):
                suppressed.add(row.contact_id or 0)
            if exc.smtp_code in (421, 554) or exc.smtp_code < 400:
                smtp.close()  # the server is closing the connection, or it is in a bad state
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            smtp.close()
            _failed(row, now, report, code=None, error=f"{type(exc).__name__}: {exc}")
        else:
            sent.append(row.pk)
    if sent:
        OutboundMessage.objects.filter(pk__in=sent).update(
            status=OutboundMessage.Status.SENT, sent_at=now, attempts=F("attempts") + 1, last_error=""
        )
        report.sent += len(sent)


@lru_cache(maxsize=256)
def _envelope_sender(from_header: str) -> str:
    """The address bounces go to (``MAIL FROM``): the From address."""
    return parseaddr(from_header)[1]


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _names_the_address(error: str) -> bool:
    """Whether a permanent answer after the message was sent blames the recipient's address or
    mailbox (enhanced status 5.1.x or 5.2.x) rather than the message (5.7.1 spam, say)."""
    return bool(_ADDRESS_STATUS.search(error))


_ADDRESS_STATUS = re.compile(r"\b5\.[12]\.\d{1,3}\b")


def _failed(
    row: OutboundMessage,
    now: datetime,
    report: SendReport,
    *,
    code: int | None,
    error: str,
    final: bool = False,
    address_refused: bool = False,
) -> bool:
    """Record a failed attempt. Returns whether the address is now suppressed.

    A permanent failure (5xx) bounces the message; when the server refused the address itself
    (``address_refused``), marketing email to it stops too. Anything else is retried with
    backoff until ``MAX_ATTEMPTS``, then (or at once when ``final``) the message is failed.
    """
    attempts = row.attempts + 1
    permanent = code is not None and 500 <= code < 600
    if permanent:
        OutboundMessage.objects.filter(pk=row.pk).update(
            status=OutboundMessage.Status.BOUNCED, attempts=attempts, last_error=error[:2000]
        )
        report.bounced += 1
        if address_refused and row.kind == OutboundMessage.Kind.MARKETING:
            from journeys.emails.services.feedback import delivery_problem

            delivery_problem(
                kind="bounce", email=row.to_email, message_id=row.message_id, permanent=True, reason=error, now=now
            )
            return True
        return False
    if attempts >= MAX_ATTEMPTS or final:
        OutboundMessage.objects.filter(pk=row.pk).update(
            status=OutboundMessage.Status.FAILED, attempts=attempts, last_error=error[:2000]
        )
        report.failed += 1
        logger.warning("Giving up on message %s after %s attempts: %s", row.pk, attempts, error)
        return False
    OutboundMessage.objects.filter(pk=row.pk).update(
        attempts=attempts, next_attempt_at=now + backoff(attempts), last_error=error[:2000]
    )
    report.retrying += 1
    return False
