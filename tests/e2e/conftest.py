"""Browser journeys against a live site, run by `make e2e` (tests/e2e/run.sh).

The journeys talk to the running server over HTTP only: no Django test database, no ORM. Without
E2E_BASE_URL (a plain `make test`), every test marked e2e is skipped.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from . import axe

E2E_DIR = Path(__file__).resolve().parent
SCREENSHOT_DIR = E2E_DIR / "screenshots"

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config, items):
    if os.environ.get("E2E_BASE_URL"):
        return
    skip = pytest.mark.skip(reason="browser journey: run it with `make e2e` (E2E_BASE_URL unset)")
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    if not axe.lesser_violations:
        return
    terminalreporter.section("axe: minor and moderate violations (not failing)")
    for url, description in sorted(set(axe.lesser_violations)):
        terminalreporter.write_line(f"{urlsplit(url).path}: {description}")


@pytest.fixture(scope="session")
def base_url():
    return os.environ["E2E_BASE_URL"].rstrip("/")


@pytest.fixture(scope="session")
def mail_dir():
    return Path(os.environ.get("E2E_MAIL_DIR", E2E_DIR / "mail"))


@pytest.fixture(scope="session")
def demo_password():
    return os.environ.get("DEMO_PASSWORD") or "co-produce-2026"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, base_url):
    """Open a page in a fresh browser context (no cookies); closed when the test ends.

    bypass_csp lets axe-core be injected into pages that allow only same-origin scripts; the test
    that checks the policy itself opens its context with bypass_csp=False.
    """
    contexts = []
    problems = []
    elsewhere = re.compile(r"^(?!" + re.escape(base_url) + r"/)[a-z]+://")

    def on_response(response):
        kind = response.request.resource_type
        if kind in {"stylesheet", "script", "font", "image"} and response.status >= 400:
            problems.append(f"{response.status} for {kind} {response.url}")

    def open_page(viewport=DESKTOP, bypass_csp=True):
        context = browser.new_context(base_url=base_url, viewport=viewport, bypass_csp=bypass_csp)
        context.set_default_timeout(TIMEOUT_MS)
        # Nothing leaves the machine: the site must work from its own origin alone.
        context.route(elsewhere, lambda route: route.abort())
        contexts.append(context)
        page = context.new_page()
        page.on(
            "pageerror", lambda error: problems.append(f"JavaScript error on {page.url}: {error}")
        )
        page.on("response", on_response)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def screenshot(request):
    """screenshot(page, name): a full-page PNG in tests/e2e/screenshots/<test>-<name>.png."""
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")

    def take(page, name):
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{test_name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
