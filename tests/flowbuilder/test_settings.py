"""Settings come from the environment; bad values stop the process with a message naming the variable."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from flowbuilder.env import Env

REPO = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x7Hq2-vLmN9pR4sT6uW8yZ1bC3dF5gJ0kP2rS4tV6xY8zA1cE3gI5mO7qU9wB2dF",
    "ALLOWED_HOSTS": "flowbuilder.example.com",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
}


def run_django(code: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with only ``env`` (plus PATH) so settings load anew."""
    clean = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "flowbuilder.settings",
        "FLOWBUILDER_VAR_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=clean, capture_output=True, text=True, timeout=60)


def settings_of(env: dict[str, str], tmp_path: Path, *names: str) -> dict[str, object]:
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    result = run_django(code, env, tmp_path)
    assert result.returncode == 0, result.stderr
    values: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return values


class TestEnvReaders:
    def test_it_reads_booleans_in_the_usual_spellings(self):
        env = Env({"A": "yes", "B": "0", "C": " On "})
        assert (env.get_bool("A", False), env.get_bool("B", True), env.get_bool("C", False)) == (True, False, True)
        assert env.get_bool("MISSING", True) is True

    def test_it_names_the_variable_of_a_bad_boolean(self):
        with pytest.raises(ImproperlyConfigured, match=r"DEBUG='maybe' is not valid: expected one of true/false"):
            Env({"DEBUG": "maybe"}).get_bool("DEBUG", True)

    def test_it_names_the_variable_of_a_bad_number(self):
        with pytest.raises(ImproperlyConfigured, match=r"Q_WORKERS='two'.*whole number"):
            Env({"Q_WORKERS": "two"}).get_int("Q_WORKERS", 2)
        with pytest.raises(ImproperlyConfigured, match=r"Q_WORKERS='0'.*at least 1"):
            Env({"Q_WORKERS": "0"}).get_int("Q_WORKERS", 2, minimum=1)

    def test_an_empty_value_means_the_default(self):
        env = Env({"SECURE_SSL_REDIRECT": "", "ALLOWED_HOSTS": " ", "Q_WORKERS": ""})
        assert env.get_bool("SECURE_SSL_REDIRECT", True) is True
        assert env.get_list("ALLOWED_HOSTS", ["x"]) == ["x"]
        assert env.get_int("Q_WORKERS", 2) == 2

    def test_it_splits_lists_on_commas(self):
        assert Env({"H": "a.example, b.example,,"}).get_list("H", []) == ["a.example", "b.example"]

    def test_it_accepts_iana_time_zones_only(self):
        assert Env({"TZ": "Europe/Berlin"}).timezone("TZ", "UTC") == "Europe/Berlin"
        with pytest.raises(ImproperlyConfigured, match=r"TIME_ZONE='Mars/Olympus'.*IANA time zone"):
            Env({"TIME_ZONE": "Mars/Olympus"}).timezone("TIME_ZONE", "UTC")

    def test_it_parses_postgres_and_sqlite_urls(self):
        pg = Env({"DATABASE_URL": "postgres://fb:secret@db.internal:5433/flow"}).database("DATABASE_URL", "")
        assert (pg["NAME"], pg["HOST"], pg["PORT"], pg["USER"], pg["PASSWORD"]) == (
            "flow",
            "db.internal",
            5433,
            "fb",
            "secret",
        )
        lite = Env({}).database("DATABASE_URL", "sqlite:////tmp/x.sqlite3")
        assert lite["ENGINE"] == "django.db.backends.sqlite3"

    @pytest.mark.parametrize("url", ["mysql://root@localhost/db", "nonsense", "postgres://localhost"])
    def test_it_refuses_database_urls_it_cannot_use(self, url):
        with pytest.raises(ImproperlyConfigured, match="DATABASE_URL="):
            Env({"DATABASE_URL": url}).database("DATABASE_URL", "")

    @pytest.mark.parametrize("url", ["http://localhost:6379", "redis://", "redis://localhost:port/0"])
    def test_it_refuses_redis_urls_it_cannot_use(self, url):
        with pytest.raises(ImproperlyConfigured, match="REDIS_URL="):
            Env({"REDIS_URL": url}).redis_url("REDIS_URL")

    def test_an_unset_email_url_keeps_mail_in_the_app(self):
        assert Env({}).email("EMAIL_URL").backend == "flowbuilder.core.mail.StoredEmailBackend"

    def test_it_reads_smtp_urls_with_tls_and_credentials(self):
        config = Env({"EMAIL_URL": "smtp+tls://user%40corp:p%2Fw@mail.example.com?timeout=5"}).email("EMAIL_URL")
        assert (config.host, config.port, config.user, config.password) == ("mail.example.com", 587, "user@corp", "p/w")
        assert (config.use_tls, config.use_ssl, config.timeout) == (True, False, 5)
        assert Env({"E": "smtps://mail.example.com"}).email("E").port == 465

    @pytest.mark.parametrize("url", ["imap://mail.example.com", "smtp://", "smtp://h:abc", "smtp://h?timeout=x"])
    def test_it_refuses_email_urls_it_cannot_use(self, url):
        with pytest.raises(ImproperlyConfigured, match="EMAIL_URL="):
            Env({"EMAIL_URL": url}).email("EMAIL_URL")

    def test_it_checks_throttle_rates(self):
        assert Env({"R": "100/min"}).rate("R", "1/s") == "100/min"
        with pytest.raises(ImproperlyConfigured, match="API_THROTTLE_USER='lots'"):
            Env({"API_THROTTLE_USER": "lots"}).rate("API_THROTTLE_USER", "1/s")


class TestStartup:
    @pytest.mark.parametrize(
        ("env", "message"),
        [
            ({"DEBUG": "maybe"}, "DEBUG='maybe' is not valid"),
            ({"DATABASE_URL": "mysql://localhost/x"}, "DATABASE_URL='mysql://localhost/x' is not valid"),
            ({"REDIS_URL": "localhost:6379"}, "REDIS_URL='localhost:6379' is not valid"),
            ({"TIME_ZONE": "Berlin"}, "TIME_ZONE='Berlin' is not valid"),
            ({"EMAIL_URL": "smtp:/nohost"}, "EMAIL_URL='smtp:/nohost' is not valid"),
            ({"DB_CONN_MAX_AGE": "-5"}, "DB_CONN_MAX_AGE='-5' is not valid"),
            ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL='LOUD' is not valid"),
        ],
    )
    def test_a_bad_value_stops_manage_py_with_a_message_naming_the_variable(self, env, message, tmp_path):
        result = run_django("import django; django.setup()", env, tmp_path)
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr
        assert message in result.stderr

    def test_without_debug_a_missing_secret_key_refuses_to_start(self, tmp_path):
        result = run_django("import django; django.setup()", {"DEBUG": "false", "ALLOWED_HOSTS": "x"}, tmp_path)
        assert result.returncode != 0
        assert "SECRET_KEY is not set" in result.stderr

    def test_without_debug_missing_allowed_hosts_refuses_to_start(self, tmp_path):
        env = {"DEBUG": "false", "SECRET_KEY": PRODUCTION_ENV["SECRET_KEY"]}
        result = run_django("import django; django.setup()", env, tmp_path)
        assert result.returncode != 0
        assert "ALLOWED_HOSTS is not set" in result.stderr

    def test_the_defaults_need_no_services(self, tmp_path):
        values = settings_of({}, tmp_path, "DATABASES", "CHANNEL_LAYERS", "Q_CLUSTER", "EMAIL_BACKEND", "DEBUG")
        assert values["DEBUG"] is True
        db = values["DATABASES"]["default"]
        assert db["ENGINE"] == "django.db.backends.sqlite3"
        assert db["NAME"] == str(tmp_path / "flowbuilder.sqlite3")
        assert db["CONN_MAX_AGE"] > 0
        assert values["CHANNEL_LAYERS"]["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
        assert values["Q_CLUSTER"]["orm"] == "default"
        assert values["EMAIL_BACKEND"] == "flowbuilder.core.mail.StoredEmailBackend"

    def test_postgres_and_redis_urls_switch_the_backends(self, tmp_path):
        env = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/fb", "REDIS_URL": "redis://127.0.0.1:6379/3"}
        values = settings_of(env, tmp_path, "DATABASES", "CHANNEL_LAYERS", "Q_CLUSTER", "CACHES")
        db = values["DATABASES"]["default"]
        assert (db["ENGINE"], db["NAME"], db["CONN_HEALTH_CHECKS"]) == ("django.db.backends.postgresql", "fb", True)
        assert values["CHANNEL_LAYERS"]["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
        assert values["Q_CLUSTER"]["redis"] == "redis://127.0.0.1:6379/3"
        assert "orm" not in values["Q_CLUSTER"]
        assert values["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"

    def test_the_task_cluster_is_tuned_for_the_orm_broker(self, tmp_path):
        q = settings_of({}, tmp_path, "Q_CLUSTER")["Q_CLUSTER"]
        assert q["save_limit"] in (-1, 0)
        assert q["timeout"] < q["retry"]
        assert 0 < q["max_attempts"] < 10

    def test_check_deploy_is_clean_with_a_production_environment(self, tmp_path):
        code = "import sys; from django.core.management import execute_from_command_line as m; " + (
            "m(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
        )
        result = run_django(code, PRODUCTION_ENV, tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout


def test_every_variable_is_documented_in_the_readme_and_env_example():
    source = (REPO / "flowbuilder" / "settings.py").read_text()
    names = set(re.findall(r'env\.\w+\("([A-Z_]+)"', source))
    assert len(names) > 15
    readme = (REPO / "README.md").read_text()
    example = (REPO / ".env.example").read_text()
    assert {n for n in names if f"`{n}`" not in readme} == set()
    assert {n for n in names if f"\n{n}=" not in example} == set()
