"""User-written text on its way out: escaped, line breaks kept, plain links clickable."""

from __future__ import annotations

from typing import Any, cast

import bleach
from bleach.linkifier import Linker, build_url_re
from django.utils.safestring import SafeString, mark_safe

LINK_PROTOCOLS = ["http", "https", "mailto"]
LINK_REL = "nofollow noopener noreferrer"


def _set_rel(attrs: dict[Any, str], new: bool = False) -> dict[Any, str] | None:
    href = attrs.get((None, "href"), "")
    if not href.lower().startswith(("http://", "https://", "mailto:")):
        return None  # not one of ours: leave the text as text
    attrs[(None, "rel")] = LINK_REL
    return attrs


# A callback returning None (leave the text unlinked) is bleach's documented way; its stubs
# do not know it.
_linker = Linker(
    callbacks=[cast(Any, _set_rel)],
    url_re=build_url_re(protocols=LINK_PROTOCOLS),
    parse_email=True,
)


def render_text(text: str) -> SafeString:
    """Plain text as safe HTML: everything escaped (no tag survives), then http(s) and
    mailto links made into anchors with rel="nofollow noopener noreferrer", then line
    breaks as <br>."""
    escaped = bleach.clean(text, tags=set(), attributes={}, strip=False)
    linked = _linker.linkify(escaped)
    return mark_safe(linked.replace("\n", "<br>\n"))  # noqa: S308 - escaped above
