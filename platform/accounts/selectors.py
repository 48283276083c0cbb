"""Reads about accounts that other apps share."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import RoleGrant, User


def users_with_role(role: str) -> QuerySet[User]:
    """The active accounts holding `role`, by name then email: what an admin picks from when
    assigning a therapist or a partner-contact worker. A locked account is inactive, so it is
    not among them."""
    ids = RoleGrant.objects.filter(role=role).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("display_name", "email")
