"""Names and descriptions of the gallery journeys, so they are extracted for translation."""

from __future__ import annotations

from django.utils.translation import gettext_noop

STRINGS = [
    gettext_noop("Welcome series"),
    gettext_noop("Greets new subscribers, then follows up depending on whether they opened the first email."),
    gettext_noop("Lead nurture by budget"),
    gettext_noop("Form leads with a budget under 5,000 get a nurture sequence; bigger budgets go straight to sales."),
    gettext_noop("Cart abandonment"),
    gettext_noop("Waits an hour after an abandoned cart; if no order comes in, sends a reminder."),
    gettext_noop("Post-purchase onboarding and review"),
    gettext_noop("Thanks new customers, helps them start, and asks for a review a week later."),
    gettext_noop("Win back customers at risk"),
    gettext_noop("When a customer goes quiet, sends a win-back offer and adds them to a retargeting audience."),
    gettext_noop("Referral ask for advocates"),
    gettext_noop("When a contact becomes an advocate, asks them to refer a friend and thanks them when they do."),
]
