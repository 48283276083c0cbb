"""Reads about accounts that other apps share."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Q, QuerySet

from organisations.models import Unit

from .models import RoleGrant, User


def users_with_role(role: str, *, units: Collection[int]) -> QuerySet[User]:
    """The active accounts holding `role` in one of `units` (there, or for its whole
    organisation), by name then email: what an admin picks from when assigning a therapist
    or a partner-contact worker. A locked account is inactive, so it is not among them."""
    organisations = Unit.objects.filter(pk__in=units).values("organisation_id")
    ids = RoleGrant.objects.filter(
        Q(unit__in=units) | Q(unit__isnull=True, organisation_id__in=organisations), role=role
    ).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("display_name", "email")


def people_managed_by(admin: User, *, organisation: int | None = None) -> QuerySet[User]:
    """Whom an administrator manages: everyone granted a role in a unit the admin covers,
    and the staff granted for a whole organisation the admin administers; with
    `organisation`, only those granted a role in that one. An administrator of one unit
    never sees another unit's participants."""
    from .models import Role
    from .scope import organisations_where, units_where

    grants = RoleGrant.objects.filter(
        Q(unit_id__in=units_where(admin, Role.ADMIN))
        | Q(unit__isnull=True, organisation_id__in=organisations_where(admin, Role.ADMIN))
    )
    if organisation is not None:
        grants = grants.filter(organisation_id=organisation)
    ids = grants.values("user_id")
    return User.objects.filter(pk__in=ids)


def people_of(organisations: Collection[int]) -> QuerySet[User]:
    """Everyone holding a role in one of `organisations`: whom its administrators manage."""
    ids = RoleGrant.objects.filter(organisation_id__in=organisations).values("user_id")
    return User.objects.filter(pk__in=ids)
