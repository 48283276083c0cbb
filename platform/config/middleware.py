"""Ids in URLs that no row can have are a 404 before any view sees them.

Django's `<int:…>` converter takes any run of digits, and several of Wagtail's admin views
take `<str:pk>`; a database integer is at most 2**63 - 1, and an id beyond that (or one
that is not a number at all) makes the ORM raise (OverflowError, ValueError) where a missing
row makes it answer 404. Checked once here, by the URL keyword's name, for every view,
including Wagtail's, instead of in each view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponseBase

BIGINT_MAX = 2**63 - 1


def _is_id_name(name: str) -> bool:
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
        return None
