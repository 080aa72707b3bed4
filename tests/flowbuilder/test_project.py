"""Project-wide checks: migrations match the models, the OpenAPI schema has no warnings."""

from __future__ import annotations

from django.core.management import call_command


def test_every_model_change_has_a_migration(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_the_openapi_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "openapi: 3" in (tmp_path / "schema.yml").read_text()


def test_system_checks_pass():
    call_command("check", fail_level="WARNING")
