"""The editors' landing page, and the CMS's uploaded files served behind login."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils._os import safe_join

from accounts.models import Role
from accounts.views import role_required

# Image files (originals and renditions). Documents and videos go through Wagtail's own
# serve view at /documents/, which applies its collection privacy too.
SERVED_MEDIA_DIRS = ("images/", "original_images/")


@role_required(Role.EDITOR, Role.CLINICAL_LEAD)
def editor_home(request: HttpRequest) -> HttpResponse:
    return render(request, "content/editor_home.html")


def media_file(request: HttpRequest, path: str) -> FileResponse:
    """An uploaded image, to a logged-in, two-factor-verified user only (the login and
    second-factor middleware guard every URL), in development and production alike: the
    programme's pictures are not for the open internet."""
    try:
        full = Path(safe_join(settings.MEDIA_ROOT, path)).resolve()
    except SuspiciousFileOperation:
        raise Http404 from None
    root = Path(settings.MEDIA_ROOT).resolve()
    # Checked on the resolved path, so "images/../secret" does not pass as an image.
    allowed = any(full.is_relative_to(root / folder) for folder in SERVED_MEDIA_DIRS)
    if not allowed or not full.is_file():
        raise Http404
    return FileResponse(full.open("rb"))
