"""Basic accessibility of our own pages: one h1, a language, labelled inputs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.helpers import check_accessibility, make_user, unverified_client, verified_client

PUBLIC_PAGES = ["/account/login/", "/account/password/reset/", "/account/password/reset/done/"]
SIGNED_IN_PAGES = {
    "participant": ["/participant/", "/account/security/", "/account/security/confirm/"],
    "therapist": ["/therapist/", "/account/security/"],
    "partner_worker": ["/partner/"],
    "editor": ["/editor/"],
    "admin": ["/account/admin/"],
}


@pytest.mark.django_db
def test_public_pages():
    for url in PUBLIC_PAGES:
        check_accessibility(Client().get(url).content.decode(), url)


@pytest.mark.django_db
def test_signed_in_pages(cast):
    for role, urls in SIGNED_IN_PAGES.items():
        client = verified_client(cast[role])
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            check_accessibility(response.content.decode(), url)


@pytest.mark.django_db
def test_second_factor_pages():
    enrolled = make_user("enrolled@example.org", ["participant"])
    check_accessibility(
        unverified_client(enrolled).get("/account/2fa/").content.decode(), "/account/2fa/"
    )
    new = make_user("new@example.org", ["participant"], enrolled=False)
    page = unverified_client(new).get("/account/2fa/setup/").content.decode()
    check_accessibility(page, "/account/2fa/setup/")


# --- Tables on a narrow phone (the browser walk, tests/e2e/test_axe_walk.py, renders them) ----

TEMPLATES = Path(__file__).resolve().parent.parent / "platform"


def _templates() -> list[Path]:
    return sorted(TEMPLATES.glob("**/templates/**/*.html"))


def test_a_stacked_table_names_every_cell_for_its_card():
    """Below 40em a table.stack shows each row as a card, each cell under its column's name
    (data-label): a cell without one would stand there unnamed."""
    checked = 0
    for path in _templates():
        html = path.read_text()
        for table in re.findall(r'<table class="[^"]*\bstack\b[^"]*">(.*?)</table>', html, re.S):
            checked += 1
            for cell in re.findall(r"<td\b[^>]*>", table):
                if "colspan" not in cell:
                    assert "data-label=" in cell, (path.name, cell)
    assert checked >= 8  # the caseload, overview, measures, access log, referrals, report


def test_a_scrolling_table_can_be_reached_by_keyboard_and_is_named():
    for path in _templates():
        for wrap in re.findall(r'<div class="table-wrap"[^>]*>', path.read_text()):
            if 'tabindex="0"' in wrap:
                assert 'role="region"' in wrap, (path.name, wrap)
                assert "aria-label=" in wrap or "aria-labelledby=" in wrap, (path.name, wrap)
