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


# The administrator has a dozen pages: the menu shows them in headed groups, in this order.
# A page joins one by the group it is registered with; a page without one (every other
# role's) is listed before the groups.
PEOPLE = "people"
ORGANISATION = "organisation"
FOLLOW_UP = "follow-up"
GROUPS: list[tuple[str, Any]] = [
    (PEOPLE, _("People")),
    (ORGANISATION, _("Organisation")),
    (FOLLOW_UP, _("Follow-up")),
]
# (role, url name) → group.
GROUP_OF: dict[tuple[str, str], str] = {(Role.ADMIN, "accounts:admin_home"): PEOPLE}


# Pages of apps further down the dependency line (messages, say), registered from their
# AppConfig.ready() so that accounts never imports them.
EXTRA_ITEMS: list[tuple[str, str, Any]] = []


# A count shown beside a navigation item (open risk signals beside the caseload), with the
# text that says what it counts; one query per page for the people who see it.
BADGES: dict[str, tuple[Callable[[Any], int], Any, str]] = {}


def register_nav_item(role: str, url_name: str, label: Any, *, group: str = "") -> None:
    """`group`: one of GROUPS' keys, under whose heading the page is listed."""
    if (role, url_name, label) not in EXTRA_ITEMS:
        EXTRA_ITEMS.append((role, url_name, label))
    if group:
        assert group in dict(GROUPS), group
        GROUP_OF[(role, url_name)] = group


def register_nav_badge(
    url_name: str, count: Callable[[Any], int], meaning: Any, *, kind: str = "risk"
) -> None:
    """`kind` is the badge's look: "risk" (red, something to act on at once) or "info"."""
    BADGES[url_name] = (count, meaning, kind)


def _group_of(user: Any, url_name: str) -> str:
    """The page's group for any role the person holds it by (the administrator's Report is
    in a group also for an administrator who leads the organisation)."""
    for (role, name), group in GROUP_OF.items():
        if name == url_name and user.has_role(role):
            return group
    return ""


def role_homes(user: Any) -> list[dict[str, Any]]:
    seen: set[str] = set()
    homes = []
    for role, url_name, label in [*ROLE_HOMES, *EXTRA_ITEMS]:
        if user.has_role(role) and url_name not in seen:
            seen.add(url_name)
            item = {
                "url": reverse(url_name),
                "label": label,
                "url_name": url_name,
                "group": _group_of(user, url_name),
            }
            if url_name in BADGES:
                count, meaning, kind = BADGES[url_name]
                item["badge"] = count(user)
                item["badge_meaning"] = meaning
                item["badge_kind"] = kind
            homes.append(item)
    return homes


def menu(user: Any) -> dict[str, Any]:
    """The person's pages for the main menu: those in no group (`items`), then the headed
    groups that have any (`groups`: key, label, items), each item as role_homes gives it."""
    homes = role_homes(user)
    groups = [
        {"key": key, "label": label, "items": [h for h in homes if h["group"] == key]}
        for key, label in GROUPS
    ]
    return {
        "items": [h for h in homes if not h["group"]],
        "groups": [g for g in groups if g["items"]],
    }
