"""The local mail store: an email backend that writes messages to ``StoredEmail``."""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import make_msgid

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

from flowbuilder.core.models import StoredEmail


class StoredEmailBackend(BaseEmailBackend):
    """Stores each message as a row instead of sending it. Used when ``EMAIL_URL`` is unset."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        rows = [self._row(message) for message in email_messages if message.recipients()]
        StoredEmail.objects.bulk_create(rows)
        return len(rows)

    @staticmethod
    def _row(message: EmailMessage) -> StoredEmail:
        html = ""
        if message.content_subtype == "html":
            html, text = str(message.body), ""
        else:
            text = str(message.body)
        if isinstance(message, EmailMultiAlternatives):
            for alternative in message.alternatives:
                content, mimetype = alternative[0], alternative[1]
                if mimetype == "text/html":
                    html = str(content)
        headers = {str(k): str(v) for k, v in (message.extra_headers or {}).items()}
        message_id = headers.pop("Message-ID", "") or make_msgid(domain="flowbuilder.local")
        return StoredEmail(
            from_email=str(message.from_email),
            to=list(message.to),
            cc=list(message.cc),
            bcc=list(message.bcc),
            reply_to=list(message.reply_to),
            subject=str(message.subject)[:998],
            text_body=text,
            html_body=html,
            headers=headers,
            message_id=message_id,
        )
