"""The SMTP server the email tests send to is real: smtplib talks to it over loopback."""

from __future__ import annotations

import smtplib

import pytest


def test_it_receives_what_is_sent(smtp_server, settings):
    with smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT) as client:
        client.sendmail("a@example.com", ["b@example.com"], b"Subject: hi\r\n\r\nhello\r\n")
    assert smtp_server.received[0].rcpt_tos == ["b@example.com"]
    assert smtp_server.received[0].message["Subject"] == "hi"


def test_it_answers_a_recipient_as_told(smtp_server, settings):
    smtp_server.answers["busy@example.com"] = "450 4.2.1 Mailbox busy"
    with smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT) as client, pytest.raises(smtplib.SMTPRecipientsRefused):
        client.sendmail("a@example.com", ["busy@example.com"], b"Subject: hi\r\n\r\nhello\r\n")
