"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Every test here is marked `browser`. Without /usr/bin/chromium they are skipped, except on
CI (CI=true), where a missing browser is a failure: a green build must have run them.
Playwright never downloads a browser of its own; it is pointed at /usr/bin/chromium.
"""

from __future__ import annotations

import base64
import os
import re
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django_otp.oath import hotp, totp

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.live_server_helper import LiveServer

    from accounts.models import User
    from content.models import ModulePage

# Playwright's sync API runs an event loop in the test thread; without this Django refuses
# ORM calls made from that thread (creating the cast, reading back what the browser did).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = "Chromium is missing: install it with `apt-get install chromium`"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    # Without these the closed network refuses Chromium's background connections.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
REPO_ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = REPO_ROOT / "test-artifacts"
DEFAULT_TIMEOUT_MS = 10_000

TOTP_STEP = 30
TOTP_DIGITS = 6

E2E_DIR = Path(__file__).resolve().parent


# --- Marking and the skip rule ---------------------------------------------------------------


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


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(
            f"{CHROMIUM_MISSING} (CI=true: browser tests may not be skipped)", pytrace=False
        )
    pytest.skip(CHROMIUM_MISSING)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item (rep_setup, rep_call, rep_teardown), so the page
    fixture knows at teardown whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# --- Browser, context, page ----------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    _require_chromium()
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


# pytest-django's live server is a ThreadedWSGIServer, and with the test suite's in-memory
# SQLite database every request thread shares the test thread's ONE connection. Two requests
# at once (Chromium fetching /favicon.ico while the test submits a form, say) then fail with
# "sqlite3.OperationalError: database table is locked: django_session" and a 500 page. So
# the live server handles one request at a time. Hold SERVER_LOCK yourself around ORM calls
# made while the browser may still be loading something.
SERVER_LOCK = threading.Lock()


class _OneRequestAtATime:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable[..., object]) -> list[bytes]:
        with SERVER_LOCK:
            body = self.app(environ, start_response)
            try:
                return list(body)  # the whole response, while still holding the lock
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()


@pytest.fixture(autouse=True)
def _serialize_live_server(request: pytest.FixtureRequest) -> None:
    if "live_server" not in request.fixturenames:
        return
    httpd = request.getfixturevalue("live_server").thread.httpd
    if not isinstance(httpd.get_app(), _OneRequestAtATime):
        httpd.set_app(_OneRequestAtATime(httpd.get_app()))


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


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG into test-artifacts/ (git-ignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")
    path = ARTIFACTS / (safe if safe.endswith(".png") else f"{safe}.png")
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as error:  # noqa: BLE001 - a failed screenshot must not hide the test's error
        print(f"could not save screenshot {path}: {error}")
    return path


# --- TOTP codes ------------------------------------------------------------------------------


def _key(secret: str) -> bytes:
    secret = "".join(secret.split()).upper()
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def _step() -> int:
    return int(time.time() // TOTP_STEP)


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for a base32 secret (no replay bookkeeping:
    use next_code() for a code you are about to submit)."""
    return f"{totp(_key(secret), step=TOTP_STEP, t0=0, digits=TOTP_DIGITS):06d}"


_last_step: dict[str, int] = {}


def next_code(secret: str) -> str:
    """A code that the device will accept: django-otp refuses a code from a time step already
    used (replay protection), so if this secret's code was used in the current step, wait for
    the next 30-second boundary (+1 s of margin) first."""
    norm = "".join(secret.split()).upper()
    last = _last_step.get(norm)
    if last is not None and _step() <= last:
        wait = (last + 1) * TOTP_STEP - time.time() + 1
        if wait > 0:
            time.sleep(wait)
    # Not right at the end of a step either: the code could expire on its way to the server.
    into_step = time.time() % TOTP_STEP
    if into_step > TOTP_STEP - 2:
        time.sleep(TOTP_STEP - into_step + 1)
    _last_step[norm] = _step()
    return totp_code(norm)


def wrong_code(secret: str) -> str:
    """Six digits that are none of the codes the device would accept around now."""
    key = _key(secret)
    step = _step()
    valid = {hotp(key, step + d, digits=TOTP_DIGITS) for d in range(-3, 4)}
    candidate = (min(valid) + 500_000) % 1_000_000
    while candidate in valid:
        candidate = (candidate + 1) % 1_000_000
    return f"{candidate:06d}"


MIGRATION_ROWS = [
    ("content.migrations.0001_editor_groups", "create_groups"),
    ("content.migrations.0004_page_permissions", "grant"),
    ("content.migrations.0005_translation_permission", "grant"),
    ("partner.migrations.0002_risk_items", "add_items"),
    ("measures.migrations.0003_seed_instruments", "seed"),
]


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

    from tests.modules.conftest import wagtail_root

    request.getfixturevalue("transactional_db")
    with SERVER_LOCK:
        wagtail_root()
        for module, function in MIGRATION_ROWS:
            getattr(importlib.import_module(module), function)(apps, None)


# --- Logging in, and the CMS journeys' shared steps -------------------------------------------


def totp_secret(hex_key: str) -> str:
    """The base32 secret an authenticator app holds for a device's hex key."""
    return base64.b32encode(bytes.fromhex(hex_key)).decode()


def user_with_key(email: str, roles: list[str], hex_key: str, *, name: str = "") -> User:
    """A user of the fixed password whose confirmed TOTP device has this key. A key of its
    own per person spares next_code() a wait for the next 30-second step."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import make_user

    user = make_user(email, roles, name=name, enrolled=False)
    TOTPDevice.objects.create(user=user, name="app", key=hex_key, confirmed=True)
    return user


def path_is(page: Page, base_url: str, path: str) -> None:
    from playwright.sync_api import expect

    expect(page).to_have_url(re.compile("^" + re.escape(base_url + path) + r"(\?.*)?$"))


def log_in(page: Page, base_url: str, email: str, hex_key: str) -> None:
    """Password, then the authenticator code: the two factors every role needs."""
    from playwright.sync_api import expect

    from tests.conftest import PASSWORD

    page.goto(base_url + "/account/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    path_is(page, base_url, "/account/2fa/")
    page.fill("input[name=code]", next_code(totp_secret(hex_key)))
    page.locator("main form button[type=submit]").first.click()
    expect(page).not_to_have_url(re.compile(r"/account/"))


def log_out(page: Page, base_url: str) -> None:
    # Account and security: a page of ours (with the header's log-out button) for every role.
    page.goto(base_url + "/account/security/")
    page.locator("header form[action='/account/logout/']").get_by_role(
        "button", name="Logga ut", exact=True
    ).click()
    path_is(page, base_url, "/account/login/")


def cms_module(body: list[dict[str, Any]]) -> ModulePage:
    """A published programme with one published module of this body, under the clinical
    review workflow (as the seed sets it up)."""
    from content.models import ModulePage, ProgramPage
    from content.seed import attach_review_workflow
    from tests.modules.conftest import wagtail_root

    root = wagtail_root()
    programme = ProgramPage(title="Programmet", slug="program", intro="<p>Demo</p>")
    root.add_child(instance=programme)
    programme.save_revision().publish()
    module = ModulePage(title="Välkommen", slug="valkommen", summary="Om programmet", body=body)
    programme.add_child(instance=module)
    module.save_revision().publish()
    attach_review_workflow()
    return module


def open_footer_actions(page: Page) -> None:
    """Unfold the page editor's footer action menu (submit, approve, …)."""
    page.locator("footer .w-dropdown-button .w-dropdown__toggle").click()


def submit_for_review(page: Page, base_url: str, programme_pk: int) -> None:
    """From the page editor: submit to the "Klinisk granskning" workflow."""
    from playwright.sync_api import expect

    open_footer_actions(page)
    submit = page.locator("footer button[name=action-submit]")
    expect(submit).to_be_visible()
    expect(submit).to_contain_text("Klinisk granskning")
    submit.click()
    path_is(page, base_url, f"/cms/pages/{programme_pk}/")  # the programme's list
    expect(page.locator("main")).to_contain_text("under moderering")


def approve_in_editor(page: Page, edit_url: str) -> None:
    """As a reviewer, in the page editor: approve the workflow's task (no comment)."""
    from playwright.sync_api import expect

    page.goto(edit_url)
    open_footer_actions(page)
    approve = page.locator(
        "footer button[data-workflow-action-name=approve]:not([data-workflow-action-modal-url])"
    )
    expect(approve).to_be_visible()
    approve.click()
    expect(page).not_to_have_url(re.compile(re.escape(edit_url) + "$"))
