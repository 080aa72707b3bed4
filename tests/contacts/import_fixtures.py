"""Fixtures shared by the CSV import tests (services and API). Test modules import them by name.

Uploads are stored under a temporary MEDIA_ROOT; imports run synchronously through the real
``import_run``, as the task would run them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contacts.models import ContactImport
from contacts.services.imports import import_create, import_run, import_start


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def csv_file() -> Callable[..., SimpleUploadedFile]:
    """``csv_file(text_or_bytes, name=..., encoding=...)`` → an upload as a browser would send it."""

    def make(content: str | bytes, name: str = "contacts.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
        data = content.encode(encoding) if isinstance(content, str) else content
        return SimpleUploadedFile(name, data, content_type="text/csv")

    return make


@pytest.fixture
def run_import(db: None, media_root: Path, csv_file: Callable[..., Any], marketer: Any) -> Callable[..., ContactImport]:
    """``run_import(text, mapping=None, **run_options)``: upload, start with ``mapping`` (default: the
    suggested one) and run to the end, as the task would. Returns the import, refreshed."""

    def run(content: str | bytes, mapping: dict[str, str] | None = None, **options: Any) -> ContactImport:
        contact_import = import_create(upload=csv_file(content), user=marketer)
        import_start(contact_import=contact_import, mapping=mapping or contact_import.mapping)
        result = import_run(import_id=contact_import.pk, **options)
        assert result is not None
        return result

    return run
