"""The e-ID login buttons' providers, for the login, invitation and confirm-it-is-you pages."""

from __future__ import annotations

from typing import Any

from django import template

from accounts import eid

register = template.Library()


@register.simple_tag
def eid_login_providers(organisation: Any = None) -> list[Any]:
    """The enabled e-ID providers (of `organisation`, if given) whose organisation lets its
    participants use e-ID."""
    return eid.login_providers(organisation)
