"""Where each role lands, in the order a person holding several roles sees them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Role

ROLE_HOMES: list[tuple[str, str, Any]] = [
    (Role.PARTICIPANT, "modules:home", _("My treatment")),
    (Role.THERAPIST, "therapist:home", _("My participants")),
    (Role.PARTNER_WORKER, "partner:home", _("Partner contact")),
    (Role.EDITOR, "content:editor_home", _("Content")),
    (Role.CLINICAL_LEAD, "content:editor_home", _("Content")),
    (Role.ADMIN, "accounts:admin_home", _("Administration")),
]


# Pages of apps further down the dependency line (messages, say), registered from their
# AppConfig.ready() so that accounts never imports them.
EXTRA_ITEMS: list[tuple[str, str, Any]] = []


def register_nav_item(role: str, url_name: str, label: Any) -> None:
    if (role, url_name, label) not in EXTRA_ITEMS:
        EXTRA_ITEMS.append((role, url_name, label))


def role_homes(user: Any) -> list[dict[str, Any]]:
    seen: set[str] = set()
    homes = []
    for role, url_name, label in [*ROLE_HOMES, *EXTRA_ITEMS]:
        if user.has_role(role) and url_name not in seen:
            seen.add(url_name)
            homes.append({"url": reverse(url_name), "label": label, "url_name": url_name})
    return homes
