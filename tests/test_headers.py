"""Security headers on every response."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.helpers import verified_client


@pytest.mark.django_db
def test_public_page_headers():
    response = Client().get("/account/login/")
    csp = response["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_pages_behind_login_are_never_cached(participant):
    response = verified_client(participant).get("/participant/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_no_inline_script_in_our_pages(cast):
    for user in cast.values():
        client = verified_client(user)
        page = client.get("/", follow=True).content.decode()
        for chunk in page.split("<script")[1:]:
            tag = chunk.split(">", 1)[0]
            assert "src=" in tag or 'type="application/json"' in tag, tag


@pytest.mark.django_db
def test_participant_pages_carry_the_help_box(participant):
    page = verified_client(participant).get("/participant/").content.decode()
    assert "112" in page and "020-555 666" in page
    assert "läses inte i realtid" in page


@pytest.mark.django_db
def test_error_pages_show_no_stack_trace(participant):
    response = verified_client(participant).get("/participant/does-not-exist/")
    assert response.status_code == 404
    assert "Traceback" not in response.content.decode()


def _inline_scripts(html: str) -> list[str]:
    import re

    return [
        m.group(0)[:120]
        for m in re.finditer(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", html, re.S)
        if "application/json" not in m.group(1) and m.group(2).strip()
    ]


@pytest.mark.django_db
def test_cms_pages_run_without_inline_script(editor):
    """Our CSP forbids inline script; Wagtail's widgets that use one are overridden."""
    from wagtail.models import Page

    from content.models import ProgramPage

    client = verified_client(editor)
    # A page to edit: the site has no page of Wagtail's own (its welcome page is removed).
    root = Page.get_first_root_node()
    assert root is not None
    page = root.add_child(instance=ProgramPage(title="Programme", slug="p", intro="<p>Intro</p>"))
    for url in ["/cms/", "/cms/pages/", f"/cms/pages/{page.pk}/edit/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _inline_scripts(response.content.decode()) == [], url
    edit = client.get(f"/cms/pages/{page.pk}/edit/").content.decode()
    assert 'data-omtag-init="initDateTimeChooser"' in edit
    assert "gravatar" not in edit


@pytest.mark.django_db
def test_help_box_on_every_participant_page_and_not_on_staff_pages(participant, therapist):
    participant_client = verified_client(participant)
    for url in ["/participant/", "/account/security/", "/account/security/confirm/"]:
        assert "020-555 666" in participant_client.get(url).content.decode(), url
    assert "020-555 666" not in verified_client(therapist).get("/therapist/").content.decode()
    assert "020-555 666" in Client().get("/account/login/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/account/login/", "/static/css/omtag.css", "/no-such-page/"])
def test_other_sites_and_browser_features_are_kept_out(path):
    """Another site cannot embed or fetch what we serve (CORP), and no page may turn on the
    camera, the microphone or the location: also files and error pages."""
    response = Client().get(path)
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in policy
