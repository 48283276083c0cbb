"""Journey: an invited participant sets a password, enrols an authenticator app by typing the
secret, logs out, logs back in with a code, and sees their home page with the help lines."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from accounts.services import invitation_create
from tests.helpers import make_user, next_code, screenshot, wrong_code

pytestmark = pytest.mark.browser

EMAIL = "new.participant@example.org"
NEW_PASSWORD = "blue-kettle-harbour-917"


def _path_is(page: Page, base_url: str, path: str) -> None:
    expect(page).to_have_url(re.compile("^" + re.escape(base_url + path) + r"(\?.*)?$"))


def test_invited_participant_onboards_and_logs_back_in(page: Page, base_url: str) -> None:
    therapist = make_user("inviting.therapist@example.org", [Role.THERAPIST], name="Tove")
    _invitation, path = invitation_create(
        actor=therapist, email=EMAIL, roles=["participant"], display_name="Sam"
    )

    # 1. The invitation link: choose a password.
    response = page.goto(base_url + path)
    assert response is not None and response.status == 200, (
        f"GET {path} answered {response and response.status}"
    )
    page.fill("input[name=password1]", NEW_PASSWORD)
    page.fill("input[name=password2]", NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()

    # 2. Set up the authenticator app: read the key the person would type into their app.
    _path_is(page, base_url, "/account/2fa/setup/")
    expect(page.locator(".qr svg")).to_be_visible()
    page.locator("details summary").click()  # "Cannot scan? Type this key instead"
    secret_el = page.locator("code#totp-secret")
    expect(secret_el).to_be_visible()
    secret = "".join(secret_el.inner_text().split())
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret), f"not a base32 secret: {secret!r}"
    screenshot(page, "2fa-setup.png")
    page.fill("input[name=code]", next_code(secret))
    page.locator("main form button[type=submit]").click()

    # 3. Recovery codes, shown once; then on to the participant's home.
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    page.locator("main a.button").click()
    _path_is(page, base_url, "/participant/")
    expect(page.locator("h1")).to_contain_text("Sam")

    # 4. Log out with the header's button.
    logout = page.locator("header form[action='/account/logout/']").get_by_role(
        "button", name="Logga ut", exact=True
    )
    logout.click()
    _path_is(page, base_url, "/account/login/")

    # 5. Log in again: the password, then a code.
    page.goto(base_url + "/account/login/")
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", NEW_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    _path_is(page, base_url, "/account/2fa/")

    # A wrong code: an error, and still on the code page.
    page.fill("input[name=code]", wrong_code(secret))
    page.locator("main form button[type=submit]").first.click()
    _path_is(page, base_url, "/account/2fa/")
    expect(page.locator(".errorlist")).to_be_visible()
    expect(page.locator(".errorlist")).not_to_be_empty()
    screenshot(page, "2fa-wrong-code.png")
    # django-otp throttles a device for 1 s after a failure (OTP_TOTP_THROTTLE_FACTOR = 1).
    page.wait_for_timeout(1100)

    # The right code: the next one (the enrolment's code cannot be replayed).
    page.fill("input[name=code]", next_code(secret))
    page.locator("main form button[type=submit]").first.click()
    _path_is(page, base_url, "/participant/")
    expect(page.locator("h1")).to_contain_text("Sam")
    expect(page.locator("aside.help-box")).to_contain_text("112")
    screenshot(page, "participant-home.png")


def test_static_files_are_served(page: Page, base_url: str) -> None:
    """The live server serves the stylesheet (whitenoise with finders, STATIC_MANIFEST=0)."""
    response = page.request.get(base_url + "/static/css/omtag.css")
    assert response.status == 200, f"/static/css/omtag.css answered {response.status}"
    assert "text/css" in response.headers.get("content-type", "")
