"""WSGI entry point (management tooling only: the app is served over ASGI, see asgi.py)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowbuilder.settings")

application = get_wsgi_application()
