"""One page of a long list, by the query's `page`, for any app's staff pages (accounts is the
layer they all import). A page number that does not exist never fails: like Django's
`Paginator.get_page`, something that is not a number shows the first page and a number
past the end the last, and the page says so."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .parsing import int_or_none

# The longest piece of a bad page number repeated back on the page.
ASKED_SHOWN = 20


def page_of(
    request: HttpRequest, items: Sequence[Any] | Any, per_page: int
) -> tuple[Page[Any], str]:
    """The page of `items` asked for, and a notice for a page number that does not exist
    (empty when it does)."""
    asked = request.GET.get("page")
    page = Paginator(items, per_page).get_page(asked)
    if asked is None or int_or_none(asked) == page.number:
        return page, ""
    return page, _("There is no page %(asked)s. This is page %(number)s of %(total)s.") % {
        "asked": asked[:ASKED_SHOWN],
        "number": page.number,
        "total": page.paginator.num_pages,
    }
