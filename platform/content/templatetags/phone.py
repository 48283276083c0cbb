"""Phone numbers as tel: links, so that help is one tap away on a phone.

`tel_links` finds Swedish phone numbers in text that is already HTML (the help box's
sentences, a callout's rich text) and makes each one a tel: link, leaving everything else,
and numbers already inside a link, as it was. `tel_href` is the href for one number."""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from typing import Any, cast

from bleach.linkifier import Linker
from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Short numbers that are phone numbers wherever they appear in our texts: emergency (112),
# the police's non-emergency line (114 14), 1177 Vårdguiden, Självmordslinjen (90101),
# information in a crisis (113 13) and the EU's 116 lines. A bare number outside this list
# ("10 minuter", "2026") is never taken for a phone number.
_SHORT = r"112|1177|90101|113\s?13|114\s?14|116\s?\d{3}"
# 020-555 666, 020-50 50 50, 08-123 456 78, 0771-22 00 60, 08-1234567.
_AREA = r"0\d{1,3}-(?:\d{2,4}(?:\s\d{2,4}){1,3}|\d{5,8})"
# +46 8 123 456 78, +46 20 555 666, +46-20-555666.
_INTERNATIONAL = r"\+46(?:[\s-]?\d){7,11}"
# Not part of a longer number, word, date, path or link ("1.112", "tel:112", "2026-112").
_BEFORE = r"(?<![\w+\-/.,:])"
_AFTER = r"(?![\w\-/]|[.,]\d)"
PHONE_RE = re.compile(rf"{_BEFORE}(?:{_INTERNATIONAL}|{_AREA}|{_SHORT}){_AFTER}")


def tel_href(number: Any) -> str:
    """tel:+4620555666 for "+46 20-555 666", tel:020555666 for "020-555 666"."""
    text = str(number)
    digits = re.sub(r"\D", "", text)
    return f"tel:+{digits}" if text.strip().startswith("+") else f"tel:{digits}"


def _as_tel(
    attrs: MutableMapping[tuple[str | None, str], str], new: bool = False
) -> MutableMapping[tuple[str | None, str], str]:
    # bleach keeps the link's text under the plain key "_text", beside the attribute keys.
    text = cast(Mapping[Any, str], attrs).get("_text", "")
    attrs[(None, "href")] = tel_href(text)
    return attrs


_linker = Linker(callbacks=[_as_tel], url_re=PHONE_RE, parse_email=False)


@register.filter(name="tel_href")
def tel_href_filter(number: Any) -> str:
    return tel_href(number)


@register.filter(is_safe=True)
def tel_links(value: Any) -> SafeString:
    """HTML (or text, which is escaped first) with its phone numbers as tel: links."""
    html = str(conditional_escape(value if hasattr(value, "__html__") else str(value)))
    if not PHONE_RE.search(html):
        return mark_safe(html)  # noqa: S308 - escaped above, or HTML that was already safe
    return mark_safe(_linker.linkify(html))  # noqa: S308 - as above, with <a href="tel:…"> added
