from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .middleware import is_second_factor_verified
from .navigation import menu


def omtag(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    verified = is_second_factor_verified(user)
    return {
        "site_name": settings.SITE_NAME,
        "help_lines": settings.HELP_LINES,
        "user_verified": verified,
        "menu": menu(user) if verified else {"items": [], "groups": []},
        # Safety rule 5: every page a participant (or anyone not yet known as staff) sees
        # says where to get help right now.
        "show_help_box": not verified or bool(getattr(user, "is_participant", False)),
    }
