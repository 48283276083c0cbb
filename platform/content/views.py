"""The editors' landing page, and the CMS's uploaded files served behind login."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils._os import safe_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Role
from accounts.parsing import uuid_or_none
from accounts.views import request_user, role_required

from .models import ModulePage
from .selectors import drafts_of, reviews_for, translations_lacking_exercises
from .services import translation_add_missing_exercises
from .translation import exercise_label, missing_exercises, original_of

# Image files (originals and renditions). Documents and videos go through Wagtail's own
# serve view at /documents/, which applies its collection privacy too.
SERVED_MEDIA_DIRS = ("images/", "original_images/")


@role_required(Role.EDITOR, Role.CLINICAL_LEAD)
def editor_home(request: HttpRequest) -> HttpResponse:
    """What the editor can act on now, each a link into the CMS: their own drafts, the
    reviews waiting for them, and the translations that lack exercises."""
    user = request_user(request)
    return render(
        request,
        "content/editor_home.html",
        {
            "drafts": drafts_of(user),
            "reviews": reviews_for(user),
            "translation_gaps": translations_lacking_exercises(),
        },
    )


@role_required(Role.EDITOR, Role.CLINICAL_LEAD)
def translation_gaps(request: HttpRequest, page_id: int) -> HttpResponse:
    """Copy the exercises a translated module lacks in from the original (asked first: the
    editor's unsaved changes are not part of the copy)."""
    page = get_object_or_404(ModulePage, pk=page_id)
    user = request_user(request)
    if not page.permissions_for_user(user).can_edit():
        raise PermissionDenied
    if request.method == "POST":
        added = translation_add_missing_exercises(actor=user, page=page)
        if added:
            messages.success(
                request,
                ngettext(
                    "One exercise is copied into a new draft, in the original's words. "
                    "Translate it and submit the draft for review.",
                    "%(n)d exercises are copied into a new draft, in the original's words. "
                    "Translate them and submit the draft for review.",
                    added,
                )
                % {"n": added},
            )
        else:
            messages.info(request, _("Nothing to copy: the translation has every exercise."))
        return redirect("wagtailadmin_pages:edit", page.pk)
    draft = page.get_latest_revision_as_object()
    return render(
        request,
        "content/translation_gaps.html",
        {
            "page": draft,
            "original": original_of(page),
            "missing": [exercise_label(c) for c in missing_exercises(draft)],
        },
    )


def not_found(request: HttpRequest) -> HttpResponse:
    raise Http404


def with_posted_fields(
    view: Callable[..., HttpResponseBase], *fields: str
) -> Callable[..., HttpResponseBase]:
    """Wagtail's external-link chooser crashes on a POST without its URL field (its field's
    to_python reads None as text); with the field present and empty, its form says the field
    is required, as it does for the browser."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST" and any(name not in request.POST for name in fields):
            posted = request.POST.copy()
            for name in fields:
                posted.setdefault(name, "")
            request.POST = posted  # type: ignore[assignment]
        return view(request, *args, **kwargs)

    return wrapped


def media_file(request: HttpRequest, path: str) -> FileResponse:
    """An uploaded image, to a logged-in, two-factor-verified user only (the login and
    second-factor middleware guard every URL), in development and production alike: the
    programme's pictures are not for the open internet."""
    if "\x00" in path:
        raise Http404  # no file name holds a NUL byte; the file system would refuse it
    try:
        full = Path(safe_join(settings.MEDIA_ROOT, path)).resolve()
    except (SuspiciousFileOperation, ValueError):
        raise Http404 from None
    root = Path(settings.MEDIA_ROOT).resolve()
    # Checked on the resolved path, so "images/../secret" does not pass as an image.
    allowed = any(full.is_relative_to(root / folder) for folder in SERVED_MEDIA_DIRS)
    if not allowed or not full.is_file():
        raise Http404
    return FileResponse(full.open("rb"))


@role_required(Role.ADMIN)
def programmes(request: HttpRequest) -> HttpResponse:
    """The shared library of programmes, and which of them the administrator's organisation
    offers to its participants."""
    from accounts.scope import organisations_where
    from organisations.models import Organisation

    from .selectors import library, offered_programmes
    from .services import programmes_offer

    actor = request_user(request)
    organisation = Organisation.objects.filter(
        pk__in=organisations_where(actor, Role.ADMIN)
    ).first()
    if organisation is None:
        raise Http404
    if request.method == "POST":
        keys = set(request.POST.getlist("programme"))
        try:
            programmes_offer(
                actor=actor,
                organisation_id=organisation.pk,
                translation_keys={_uuid_or_404(k) for k in keys},
                request=request,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The programmes offered are saved."))
        return redirect("content:programmes")
    offered = set(offered_programmes(organisation.pk).values_list("translation_key", flat=True))
    return render(
        request,
        "content/programmes.html",
        {"organisation": organisation, "library": library(), "offered": offered},
    )


def _uuid_or_404(value: str) -> UUID:
    """A programme's key as the form sent it; one that is not a UUID is no programme's."""
    key = uuid_or_none(value)
    if key is None:
        raise Http404
    return key
