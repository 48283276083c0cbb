"""What a member of staff covers: the units where they hold a role.

Every selector that returns people's data narrows by these sets in its query (DESIGN.md,
"scope in one place"). A grant for a whole organisation (unit empty) covers every unit of it,
including units made after the grant. The sets are read once per user object (one query) and
kept on it for the request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from organisations.models import Unit

if TYPE_CHECKING:
    from .models import User


def _grants(user: User) -> list[tuple[str, int | None, int | None]]:
    return user.grant_rows


def forget(user: User) -> None:
    """Drop what was read, after the user's grants changed."""
    for key in ("grant_rows", "_units_where", "roles"):
        user.__dict__.pop(key, None)


def organisations_where(user: User, *roles: str) -> frozenset[int]:
    """The organisations in which `user` holds any of `roles`, in one unit or in all."""
    return frozenset(org for role, org, _unit in _grants(user) if role in roles and org)


def whole_organisations_where(user: User, *roles: str) -> frozenset[int]:
    """The organisations in which `user` holds one of `roles` for the whole organisation (not
    only in some of its units)."""
    return frozenset(
        org for role, org, unit in _grants(user) if role in roles and org and unit is None
    )


def units_where(user: User, *roles: str) -> frozenset[int]:
    """The units in which `user` holds any of `roles`: those granted one by one, and every
    unit of an organisation granted as a whole."""
    memo: dict[tuple[str, ...], frozenset[int]] = user.__dict__.setdefault("_units_where", {})
    key = tuple(sorted(roles))
    if key not in memo:
        rows = [(org, unit) for role, org, unit in _grants(user) if role in roles]
        single = {unit for _org, unit in rows if unit is not None}
        whole = {org for org, unit in rows if unit is None and org is not None}
        if whole:
            memo[key] = frozenset(
                Unit.objects.filter(Q(pk__in=single) | Q(organisation_id__in=whole)).values_list(
                    "pk", flat=True
                )
            )
        else:
            memo[key] = frozenset(single)
    return memo[key]


def covers(user: User, unit_id: int | None, *roles: str) -> bool:
    """Whether `user` holds one of `roles` in the unit `unit_id`."""
    return unit_id is not None and unit_id in units_where(user, *roles)


def acting_unit(user: User, *roles: str) -> Unit:
    """The one unit where `user` holds one of `roles`: where what they start now belongs.
    Someone who works in several units must say which (ValidationError)."""
    units = list(
        Unit.objects.select_related("organisation").filter(pk__in=units_where(user, *roles))[:2]
    )
    if len(units) != 1:
        raise ValidationError(_("Choose the unit this is for."))
    return units[0]
