"""Static files as production serves them: the manifest build, and icons the templates use."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import RequestFactory

from flowbuilder.core.context_processors import NAV_ITEMS

REPO = Path(__file__).resolve().parents[3]


def listed_icons() -> set[str]:
    return set(json.loads((REPO / "frontend" / "icons.json").read_text())["icons"])


def test_the_front_end_build_exists():
    assert (REPO / "static" / "build" / "shell.js").is_file(), "run `make frontend` (make test does)"
    sprite = (REPO / "static" / "build" / "icons.svg").read_text()
    assert all(f'id="i-{name}"' in sprite for name in listed_icons())


def test_every_icon_the_templates_and_navigation_use_is_in_the_sprite():
    used = {item.icon for item in NAV_ITEMS}
    for template in (REPO / "templates").rglob("*.html"):
        used |= set(re.findall(r'{%\s*icon\s+"([\w-]+)"', template.read_text()))
        used |= set(re.findall(r'icon="([\w-]+)"', template.read_text()))
    assert used - listed_icons() == set()


@pytest.mark.slow
def test_collectstatic_builds_the_compressed_manifest_and_pages_use_hashed_names(settings, tmp_path, db):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    assert {"css/app.css", "build/shell.js", "build/icons.svg"} <= set(manifest)
    assert (tmp_path / (manifest["css/app.css"] + ".gz")).is_file()
    html = render_to_string("registration/login.html", {"form": None}, request=RequestFactory().get("/login/"))
    assert f"/static/{manifest['css/app.css']}" in html


def _bundle_files(entry: str) -> set[Path]:
    """The built entry and every chunk it imports, transitively."""
    build = REPO / "static" / "build"
    seen: set[Path] = set()
    todo = [build / entry]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for relative in re.findall(r'from\s*"(\.{1,2}/[^"]+\.js)"', path.read_text()):
            todo.append((path.parent / relative).resolve())
    return seen


def test_the_journey_editor_with_react_and_react_flow_stays_within_300_kb_gzipped():
    import gzip

    files = _bundle_files("journey-editor.js") | {REPO / "static" / "build" / "journey-editor.css"}
    files.add(REPO / "static" / "css" / "canvas.css")
    assert len(files) >= 3, files  # the entry, React's shared chunk and the styles
    total = sum(len(gzip.compress(path.read_bytes(), 9)) for path in files)
    assert total <= 300 * 1024, f"{total / 1024:.0f} KB gzipped"


def test_every_icon_the_front_end_and_the_palette_use_is_in_the_sprite():
    from journeys.nodes import node_types

    used = {cls.icon for cls in node_types()}
    for source in (REPO / "frontend").rglob("*.js*"):
        used |= set(re.findall(r'<Icon name="([\w-]+)"', source.read_text()))
        used |= set(re.findall(r'icon: "([\w-]+)"', source.read_text()))
    assert used - listed_icons() == set()
