"""The shared test world: users in each role, API clients, and a real Chromium for browser tests."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from flowbuilder.accounts.roles import Role
from flowbuilder.accounts.services import user_set_role

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "artifacts"
PASSWORD = "correct horse battery staple"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _static_files_without_manifest(settings: Any) -> None:
    """Serve static files by name in tests; the manifest build has its own test (test_static.py)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_journey_plans() -> Iterator[None]:
    """Each test's database starts its ids again; the executor's cache of versions must too."""
    from journeys.executor import plans_forget

    plans_forget()
    yield
    plans_forget()


@pytest.fixture(autouse=True)
def _seeded_rows_for_committing_tests(request: pytest.FixtureRequest) -> None:
    """A test that commits (``live_server``, ``transaction=True``) ends by emptying every table,
    the rows the migrations seeded (the lifecycle funnel) too: each such test starts with them
    put back, as the migration made them, whatever ran before it."""
    marker = request.node.get_closest_marker("django_db")
    committing = {"live_server", "transactional_db"} & set(request.fixturenames) or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if not committing:
        return
    from django.apps import apps

    request.getfixturevalue("transactional_db")
    __import__("contacts.migrations.0002_default_stages", fromlist=["create"]).create(apps, None)


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    """Create a user holding ``role`` (or no role with ``role=None``); password is ``PASSWORD``."""
    counter = iter(range(1, 10_000))

    def make(role: Role | None = Role.MARKETER, *, username: str | None = None, **fields: Any) -> Any:
        name = username or f"{role.value if role else 'norole'}{next(counter)}"
        user = get_user_model().objects.create_user(
            username=name, email=f"{name}@example.com", password=PASSWORD, **fields
        )
        user_set_role(user=user, role=role)
        return user

    return make


@pytest.fixture
def admin(make_user: Callable[..., Any]) -> Any:
    return make_user(Role.ADMIN, username="ada", first_name="Ada", last_name="Admin")


@pytest.fixture
def marketer(make_user: Callable[..., Any]) -> Any:
    return make_user(Role.MARKETER, username="mia", first_name="Mia", last_name="Marketer")


@pytest.fixture
def viewer(make_user: Callable[..., Any]) -> Any:
    return make_user(Role.VIEWER, username="victor", first_name="Victor", last_name="Viewer")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


# --- Browser tests -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; skipped only where that browser is not installed.

    Module-scoped: Playwright's sync API runs an event loop in the main thread while it is
    started, which would break async_to_sync in the (non-browser) tests that follow.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; Django's ORM,
    # used by the test itself, must be allowed to run beside it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def console_allows() -> list[str]:
    """Substrings of console messages a test expects (e.g. a 400 from validating bad input)."""
    return []


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest, console_allows: list[str]) -> Iterator[Any]:
    """A fresh 1280×800 page. Console errors fail the test (unless listed in ``console_allows``);
    a failing test leaves a screenshot."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    problems: list[str] = []
    tab.on(
        "console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in {"error", "warning"} else None
    )
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    failures: list[str] = []  # console messages of failed loads do not name the address; these do
    tab.on("requestfailed", lambda r: failures.append(f"{r.method} {r.url}: {r.failure}"))
    tab.on(
        "response", lambda r: failures.append(f"{r.request.method} {r.url}: {r.status}") if r.status >= 400 else None
    )
    yield tab
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        shot = ARTIFACTS / "screenshots" / f"FAILED-{request.node.name}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(shot), full_page=True)
    context.close()
    unexpected = [p for p in problems if not any(allowed in p for allowed in console_allows)]
    # A test that failed already tells its story; what its page logged afterwards is noise.
    assert failed or not unexpected, "\n".join(unexpected + [f"(failed request) {f}" for f in failures])


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    """``screenshot(page, name)`` saves artifacts/screenshots/<name>.png (git-ignored)."""

    def save(tab: Any, name: str) -> Path:
        path = ARTIFACTS / "screenshots" / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(path))
        return path

    return save


@pytest.fixture
def log_in(request: pytest.FixtureRequest) -> Callable[..., None]:
    """``log_in(page, user)`` logs in through the real login form of the live server (or of
    ``base_url``, another server of the same app)."""

    def do(tab: Any, user: Any, *, password: str = PASSWORD, base_url: str | None = None) -> None:
        url = base_url or request.getfixturevalue("live_server").url
        tab.goto(f"{url}/login/")
        tab.get_by_label("Username").fill(user.get_username())
        tab.get_by_label("Password").fill(password)
        tab.get_by_role("button", name="Log in").click()
        tab.wait_for_url(lambda url: "/login/" not in url)

    return do


@pytest.fixture(autouse=True)
def _default_language_after_each_test() -> Iterator[None]:
    """A request in a test may switch this thread's language (as every request does); reset it."""
    yield
    from django.utils import translation

    translation.deactivate()
