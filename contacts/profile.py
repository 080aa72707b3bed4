"""Panels other apps add to the contact profile, so contacts never has to import them.

``PROFILE_PANELS`` lists functions that take the request and the contact and return what to
show (a :class:`Panel`: a template and its context) or ``None`` to show nothing for this
contact. The profile renders the panels in the main column, under Activity, in the order they
were registered.

To add one, in your app:

1. Write the function and decorate it with ``@profile_panel``::

       # journeys/profile_panels.py
       from contacts.profile import Panel, profile_panel

       @profile_panel
       def emails(request: HttpRequest, contact: Contact) -> Panel | None:
           return {"template": "journeys/contact_emails_panel.html", "context": {"messages": [...]}}

2. Import that module in your ``AppConfig.ready()`` so it registers at start.
3. Write the template: a ``<section class="card">``. Its context is available as ``panel``
   (``{{ panel.messages }}``), beside the profile's own ``contact`` and ``request``.

Keep a panel cheap (one or two queries); it runs on every profile view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

from django.http import HttpRequest

from contacts.models import Contact


class Panel(TypedDict):
    template: str
    context: dict[str, Any]


PanelFunction = Callable[[HttpRequest, Contact], Panel | None]

PROFILE_PANELS: list[PanelFunction] = []


def profile_panel(func: PanelFunction) -> PanelFunction:
    """Register ``func`` as a profile panel (once, however often its module is imported)."""

    def key(f: PanelFunction) -> str:
        return f"{f.__module__}.{f.__qualname__}"

    for index, known in enumerate(PROFILE_PANELS):
        if key(known) == key(func):  # the module was imported again (reloads, tests): keep one
            PROFILE_PANELS[index] = func
            return func
    PROFILE_PANELS.append(func)
    return func


def profile_panels(request: HttpRequest, contact: Contact) -> list[Panel]:
    """The panels to show on ``contact``'s profile, in registration order, leaving out ``None``."""
    return [panel for func in PROFILE_PANELS if (panel := func(request, contact)) is not None]
