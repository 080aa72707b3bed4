# ruff: noqa: E501 - email HTML reads better unbroken
"""Demo email templates for ``make run``: the ones the gallery journeys send."""

from __future__ import annotations

from journeys.models import EmailTemplate

LAYOUT = """<!doctype html>
<html><body style="margin:0;background:#f4f5f7;font-family:Helvetica,Arial,sans-serif;color:#1d2230">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:32px 12px">
<table role="presentation" width="100%" style="max-width:560px;background:#ffffff;border-radius:12px" cellpadding="0" cellspacing="0">
<tr><td style="padding:32px 32px 8px;font-size:20px;font-weight:bold;color:#4f46e5">Flowbuilder Shop</td></tr>
<tr><td style="padding:8px 32px 32px;font-size:16px;line-height:1.6">{body}</td></tr>
</table></td></tr></table></body></html>"""
BUTTON = '<p><a href="{url}" style="display:inline-block;background:#4f46e5;color:#fff;padding:12px 20px;border-radius:8px;text-decoration:none">{label}</a></p>'

TEMPLATES = [
    (
        "Welcome",
        "Welcome, {{ contact.first_name | default('there') }}!",
        "Here is what happens next.",
        "<p>Hi {{ contact.first_name | default('there') }},</p><p>Thanks for signing up. Over the next days we will show you how to get the most out of your account.</p>"
        + BUTTON.format(url="https://shop.example.com/start", label="Get started"),
    ),
    (
        "Getting started",
        "Three tips to get started",
        "Most people begin with these.",
        "<p>Hi {{ contact.first_name | default('there') }},</p><ol><li>Complete your profile.</li><li>Import your contacts.</li><li>Start from a ready-made journey.</li></ol>",
    ),
    (
        "Welcome reminder",
        "Did you see our welcome?",
        "A quick reminder.",
        "<p>Hi {{ contact.first_name | default('there') }},</p><p>Our welcome email may have slipped through. Here it is again, in short: your account is ready.</p>"
        + BUTTON.format(url="https://shop.example.com/start", label="Open your account"),
    ),
    (
        "Nurture: how teams use Flowbuilder",
        "How teams like yours use us",
        "Three short examples.",
        "<p>Hi {{ contact.first_name | default('there') }},</p><p>Here is how teams of your size reach the right customer at the right moment.</p>",
    ),
    (
        "Nurture: customer story",
        "How Acme doubled repeat orders",
        "A customer story.",
        "<p>Hi {{ contact.first_name | default('there') }},</p><p>Acme started with a simple post-purchase journey. Six months later, repeat orders had doubled.</p>",
    ),
    (
        "Cart reminder",
        "You left something in your cart",
        "It is still waiting for you.",
        "<p>Hi {{ contact.first_name | default('there') }},</p><p>Your cart is saved. Complete your order whenever you are ready.</p>"
        + BUTTON.format(url="https://shop.example.com/cart", label="Back to your cart"),
    ),
    (
        "Thank you for your order",
        "Thank you for your order",
        "Here is how to get started.",
        "<p>Hi {{ contact.first_name | default('there') }},</p><p>Thank you! Here are three things to do first with your purchase.</p>",
    ),
    (
        "Review request",
        "How did we do?",
        "Your review helps others choose.",
        "<p>Hi {{ contact.first_name | default('there') }},</p><p>Would you take a minute to review your purchase?</p>"
        + BUTTON.format(url="https://shop.example.com/review", label="Write a review"),
    ),
    (
        "We miss you",
        "We miss you, {{ contact.first_name | default('friend') }}",
        "Here is 15 % off your next order.",
        "<p>Hi {{ contact.first_name | default('there') }},</p><p>It has been a while. Here is 15 % off your next order, valid for two weeks.</p>"
        + BUTTON.format(url="https://shop.example.com/?code=COMEBACK15", label="Shop now"),
    ),
    (
        "Last chance offer",
        "Your 15 % ends soon",
        "Last chance.",
        "<p>Hi {{ contact.first_name | default('there') }},</p><p>Your comeback discount ends in three days.</p>",
    ),
    (
        "Referral ask",
        "Know someone who would love us?",
        "Give 20 %, get 20 %.",
        "<p>Hi {{ contact.first_name | default('there') }},</p><p>Thanks for being a fan. Share your link and you both get 20 % off.</p>"
        + BUTTON.format(url="https://shop.example.com/refer", label="Share your link"),
    ),
]


def demo_load() -> int:
    """Create the demo templates that do not exist yet. Returns how many were created."""
    created = 0
    for name, subject, preheader, body in TEMPLATES:
        _template, made = EmailTemplate.objects.get_or_create(
            name=name,
            defaults={
                "subject": subject,
                "preheader": preheader,
                "html_body": LAYOUT.format(body=body),
                "sender_name": "Flowbuilder Shop",
                "sender_email": "hello@shop.example.com",
            },
        )
        created += made
    return created
