"""Ids in URLs that no row can have are a 404 before any view sees them, and a malformed
request to Wagtail's admin is a 400, not a server error.

Django's `<int:…>` converter takes any run of digits, and several of Wagtail's admin views
take `<str:pk>`; a database integer is at most 2**63 - 1, and an id beyond that (or one
that is not a number at all) makes the ORM raise (OverflowError, ValueError) where a missing
row makes it answer 404. Checked once here, by the URL keyword's name, for every view,
including Wagtail's, instead of in each view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.utils.datastructures import MultiValueDictKeyError

CMS_PREFIX = "/cms/"

BIGINT_MAX = 2**63 - 1


# URL keywords that end like an id but are not one: allauth's provider_id is a provider's
# slug (its OpenID Connect callback, /account/oidc/<provider_id>/login/callback/).
NOT_IDS = frozenset({"provider_id"})


def _is_id_name(name: str) -> bool:
    if name in NOT_IDS:
        return False
    return name in ("pk", "object_id") or name.endswith(("_id", "_pk"))


def fits_an_id(value: object) -> bool:
    """An integer a database id can hold (0 to 2**63 - 1), as an int or as ASCII digits."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value <= BIGINT_MAX
    if isinstance(value, str):
        return value.isascii() and value.isdigit() and len(value) <= 19 and int(value) <= BIGINT_MAX
    return True  # a UUID or anything else a converter already checked


class UrlIdGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        for name, value in view_kwargs.items():
            if _is_id_name(name) and not fits_an_id(value):
                raise Http404
        # Wagtail's choosers take the chosen ids as ?id=…&id=… and hand them to the ORM.
        if request.path.startswith(CMS_PREFIX) and not all(
            fits_an_id(value) for value in request.GET.getlist("id")
        ):
            raise Http404
        return None

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        """A form Wagtail's admin draws always sends its management fields (a StreamField's
        `body-count`, the copy form's `new_parent_page`); a request without them was not made
        by a page of ours, and Wagtail reads them unchecked. That is the sender's mistake
        (400), not ours (500). Anything else still raises, and is logged, as before."""
        if request.path.startswith(CMS_PREFIX) and isinstance(exception, MultiValueDictKeyError):
            return render(request, "400.html", status=400)
        return None
