"""Paths that hold an id no row can have, or a file name no file can have, are a 404 for
editors and everyone else, never a server error: a NUL byte under /media/, page ids beyond
64 bits, Wagtail's deliberate error page and its choosers' `chosen/<not a number>/`."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from tests.conftest import verified_client

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
