"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Every test here is marked `browser`. Without /usr/bin/chromium they are skipped, except on
CI (CI=true), where a missing browser is a failure: a green build must have run them.
Playwright never downloads a browser of its own; it is pointed at /usr/bin/chromium.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.live_server_helper import LiveServer

from tests.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DEFAULT_TIMEOUT_MS,
    E2E_DIR,
    MIGRATION_ROWS,
    SERVER_LOCK,
    OneRequestAtATime,
    require_chromium,
    screenshot,
    wagtail_root,
)

# Playwright's sync API runs an event loop in the test thread; without this Django refuses
# ORM calls made from that thread (creating the cast, reading back what the browser did).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    browser_items = []
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            browser_items.append(item)
    # Browser tests last: Playwright's sync API keeps an event loop running on the main thread
    # for the rest of the session, and the async tests (sockets) cannot start their own then.
    others = [item for item in items if item not in browser_items]
    items[:] = others + browser_items


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item (rep_setup, rep_call, rep_teardown), so the page
    fixture knows at teardown whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        # launch() already uses a fresh temporary profile, removed on close.
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture(autouse=True)
def _serialize_live_server(request: pytest.FixtureRequest) -> None:
    if "live_server" not in request.fixturenames:
        return
    httpd = request.getfixturevalue("live_server").thread.httpd
    if not isinstance(httpd.get_app(), OneRequestAtATime):
        httpd.set_app(OneRequestAtATime(httpd.get_app()))


@pytest.fixture
def base_url(live_server: LiveServer, _serialize_live_server: None) -> str:
    return str(live_server.url)


@pytest.fixture
def page(browser: Browser, base_url: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    pg = context.new_page()
    pg.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        yield pg
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            screenshot(pg, f"FAILED-{request.node.nodeid}")
        context.close()


@pytest.fixture(autouse=True)
def _migration_rows(request: pytest.FixtureRequest) -> None:
    """The live server's transactional database is flushed after each test, which removes
    the rows our migrations made (Wagtail's root page, the editor groups and their page
    permissions, the partner risk instrument, the seeded measure instruments). Put them back
    before each browser test. (Serialized rollback would be the stock answer, but it
    collides with the content types and permissions that the flush's post_migrate signal
    recreates.)"""
    if "live_server" not in request.fixturenames:
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    with SERVER_LOCK:
        wagtail_root()
        for module, function in MIGRATION_ROWS:
            getattr(importlib.import_module(module), function)(apps, None)
