"""Uploaded files are behind login and the second factor, in development and production."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from wagtail.documents.models import Document

from tests.helpers import unverified_client, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def image_file(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "picture.png").write_bytes(b"\x89PNG fake")
    (tmp_path / "secret.txt").write_text("not for anyone")
    return "/media/images/picture.png"


def test_a_verified_user_gets_the_image(image_file, participant):
    response = verified_client(participant).get(image_file)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\x89PNG fake"


def test_anonymous_and_unverified_visitors_get_no_file(image_file, participant):
    assert Client().get(image_file).status_code == 302
    assert unverified_client(participant).get(image_file).status_code == 302


def test_only_image_folders_and_no_way_out_of_them(image_file, participant):
    client = verified_client(participant)
    for path in [
        "/media/secret.txt",
        "/media/images/../secret.txt",
        "/media/images/%2e%2e/secret.txt",
        "/media/images/missing.png",
        "/media/documents/x.pdf",
    ]:
        assert client.get(path).status_code == 404, path


def test_a_video_document_is_served_inline_behind_login(settings, tmp_path, participant):
    settings.MEDIA_ROOT = tmp_path
    document = Document.objects.create(
        title="Film", file=ContentFile(b"\x00\x00\x00\x18ftypmp42", name="film.mp4")
    )
    assert Client().get(document.url).status_code == 302
    response = verified_client(participant).get(document.url)
    assert response.status_code == 200
    assert "attachment" not in response.get("Content-Disposition", "")
