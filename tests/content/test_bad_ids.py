"""Paths that hold an id no row can have, or a file name no file can have, are a 404 for
editors and everyone else, never a server error: a NUL byte under /media/, page ids beyond
64 bits, Wagtail's deliberate error page and its choosers' `chosen/<not a number>/`."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from tests.helpers import verified_client

pytestmark = pytest.mark.django_db

HUGE = "9" * 25
BEYOND_64_BITS = str(2**63)
BAD_PATHS = [
    "/media/images/a%00b.png",
    "/media/images/%00",
    "/media/%00/../secret.txt",
    f"/editor/translations/{HUGE}/missing-exercises/",
    f"/editor/translations/{BEYOND_64_BITS}/missing-exercises/",
    "/cms/failwhale/",
    "/cms/images/chooser/chosen/abc/",
    "/cms/images/chooser/chosen/-1/",
    f"/cms/images/chooser/chosen/{HUGE}/",
    "/cms/images/chooser/chosen/%F0%9F%99%82/",
    "/cms/documents/chooser/chosen/abc/",
    f"/cms/documents/chooser/chosen/{BEYOND_64_BITS}/",
    f"/cms/pages/{HUGE}/edit/",
    f"/cms/pages/{HUGE}/",
    f"/cms/images/{HUGE}/",
    f"/cms/documents/edit/{HUGE}/",
    f"/cms/pages/{HUGE}/revisions/compare/live...latest/",
]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "images").mkdir()
    (tmp_path / "secret.txt").write_text("not for anyone")


@pytest.mark.parametrize("path", BAD_PATHS)
def test_an_impossible_id_or_file_name_is_a_404_for_an_editor(
    path, editor, clinical_lead, media_root, caplog
):
    for user in (editor, clinical_lead):
        client = verified_client(user)
        client.raise_request_exception = False
        with caplog.at_level(logging.ERROR, logger="django.request"):
            response = client.get(path)
        assert response.status_code == 404, (path, response.status_code)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("path", ["/media/images/a%00b.png", "/cms/failwhale/"])
def test_anyone_else_is_sent_to_log_in_first(path, media_root):
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")


def test_the_chooser_still_answers_for_a_real_document(editor, media_root):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    document = Document.objects.create(title="Blad", file=ContentFile(b"x", name="blad.txt"))
    response = verified_client(editor).get(f"/cms/documents/chooser/chosen/{document.pk}/")
    assert response.status_code == 200 and "Blad" in response.content.decode()


def test_a_malformed_cms_form_is_a_bad_request_not_a_server_error(editor, programme):
    """Wagtail reads a StreamField's management fields and the copy form's target unchecked;
    a request without them answers 400 with our page, and the page is unchanged."""
    from tests.helpers import make_module

    module = make_module(programme, [])
    client = verified_client(editor)
    client.raise_request_exception = False
    for url in (
        f"/cms/pages/{module.pk}/edit/",
        f"/cms/pages/{module.pk}/copy/",
        f"/cms/pages/add/content/modulepage/{programme.pk}/",
    ):
        response = client.post(url, {"title": "Changed"})
        assert response.status_code == 400, url
        assert "Begäran kunde inte hanteras" in response.content.decode(), url
    module.refresh_from_db()
    assert module.title == "Module"


def test_a_chooser_given_an_id_no_row_can_have_answers_not_found(editor):
    client = verified_client(editor)
    client.raise_request_exception = False
    for url in (
        "/cms/choose-page/chosen-multiple/?id=1%00",
        "/cms/images/chooser/chosen-multiple/?id=x",
        "/cms/documents/chooser/chosen-multiple/?id=99999999999999999999",
    ):
        assert client.get(url).status_code == 404, url


def test_wagtails_logout_link_does_not_end_the_session_on_a_get(editor):
    """A link or an image on another site could otherwise log an editor out; Wagtail's menu
    item leads to our logout page, which asks first."""
    client = verified_client(editor)
    response = client.get("/cms/logout/")
    assert response.status_code == 302 and response["Location"] == "/account/logout/"
    assert client.get("/editor/").status_code == 200
