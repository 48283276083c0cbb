"""A programme is kept by the organisation that owns it: only its editors and clinical leads
change it, and only its clinical leads approve a change (the Wagtail hooks and the review task
both ask here)."""

from __future__ import annotations

from typing import Any


def programme_of(page: Any) -> Any:
    """The programme a page belongs to (itself, if it is one), or None above every programme."""
    from .models import ProgramPage

    specific = page.specific
    if isinstance(specific, ProgramPage):
        return specific
    return ProgramPage.objects.ancestor_of(page).first()


def keeps(user: Any, programme: Any, *roles: str) -> bool:
    """Whether `user` holds one of `roles` (default: editor or clinical lead) in the
    organisation that owns the programme. A programme owned by no organisation is the
    installation's, kept by all."""
    from accounts.models import Role
    from accounts.scope import organisations_where

    if programme is None or programme.owning_organisation_id is None:
        return True
    return programme.owning_organisation_id in organisations_where(
        user, *(roles or (Role.EDITOR, Role.CLINICAL_LEAD))
    )


def kept_page_ids(user: Any, *roles: str) -> list[str]:
    """The ids (as text, the way Wagtail's revisions name their object) of every page in the
    programmes `user` keeps with one of `roles`, programmes included."""
    from django.db.models import Q
    from wagtail.models import Page

    from accounts.scope import organisations_where

    from .models import ProgramPage

    owners = organisations_where(user, *roles)
    paths = ProgramPage.objects.filter(
        Q(owning_organisation__isnull=True) | Q(owning_organisation__in=owners)
    ).values_list("path", flat=True)
    if not paths:
        return []
    within = Q()
    for path in paths:
        within |= Q(path__startswith=path)
    return [str(pk) for pk in Page.objects.filter(within).values_list("pk", flat=True)]
