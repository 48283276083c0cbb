"""The viewer's organisation and its words for every template: `viewer_organisation`, and
`terms.record` / `terms.person` (organisations.terms). A participant's organisation is their
latest enrollment's unit's, staff's that of their grants (modules.selectors.organisation_of)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.models import User
from organisations.models import Organisation
from organisations.terms import terms_for

from .selectors import organisation_of


def terms(request: HttpRequest) -> dict[str, Any]:
    memo: dict[str, Organisation | None] = {}

    def organisation() -> Organisation | None:
        if "organisation" not in memo:
            user = getattr(request, "user", None)
            if isinstance(user, User) and user.is_authenticated:
                memo["organisation"] = organisation_of(user)
            else:
                memo["organisation"] = None
        return memo["organisation"]

    # Lazy: only a page that uses them pays the query, and it pays it once.
    return {
        "viewer_organisation": SimpleLazyObject(organisation),
        "terms": SimpleLazyObject(lambda: terms_for(organisation())),
    }
