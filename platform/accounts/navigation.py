"""Where each role lands, in the order a person holding several roles sees them."""

from __future__ import annotations

from collections.abc import Callable
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
    # Organisations and their administrators; never a page with anyone's record.
    (Role.PLATFORM_ADMIN, "platform_admin:home", _("Organisations")),
]


# Pages of apps further down the dependency line (messages, say), registered from their
# AppConfig.ready() so that accounts never imports them.
EXTRA_ITEMS: list[tuple[str, str, Any]] = []


# A count shown beside a navigation item (open risk signals beside the caseload), with the
# text that says what it counts; one query per page for the people who see it.
BADGES: dict[str, tuple[Callable[[Any], int], Any, str]] = {}


def register_nav_item(role: str, url_name: str, label: Any) -> None:
    if (role, url_name, label) not in EXTRA_ITEMS:
        EXTRA_ITEMS.append((role, url_name, label))


def register_nav_badge(
    url_name: str, count: Callable[[Any], int], meaning: Any, *, kind: str = "risk"
) -> None:
    """`kind` is the badge's look: "risk" (red, something to act on at once) or "info"."""
    BADGES[url_name] = (count, meaning, kind)


def role_homes(user: Any) -> list[dict[str, Any]]:
    seen: set[str] = set()
    homes = []
    for role, url_name, label in [*ROLE_HOMES, *EXTRA_ITEMS]:
        if user.has_role(role) and url_name not in seen:
            seen.add(url_name)
            item = {"url": reverse(url_name), "label": label, "url_name": url_name}
            if url_name in BADGES:
                count, meaning, kind = BADGES[url_name]
                item["badge"] = count(user)
                item["badge_meaning"] = meaning
                item["badge_kind"] = kind
            homes.append(item)
    return homes
