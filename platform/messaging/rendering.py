"""User-written text on its way out: escaped, line breaks kept, plain links clickable."""

from __future__ import annotations

import re
from typing import Any, cast

import bleach
from bleach.linkifier import EMAIL_RE, Linker, build_url_re
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
_URL_RE = build_url_re(protocols=LINK_PROTOCOLS)
_linker = Linker(
    callbacks=[cast(Any, _set_rel)],
    url_re=_URL_RE,
    email_re=EMAIL_RE,
    parse_email=True,
)


def render_text(text: str) -> SafeString:
    """Plain text as safe HTML: everything escaped (no tag survives), then http(s) and
    mailto links made into anchors with rel="nofollow noopener noreferrer", then line
    breaks as <br>."""
    if _is_plain(text) and not _may_link(text):
        # Nothing to escape and nothing to link: bleach would give the text back as it is
        # (tests/messaging/test_rendering.py holds the two to the same output), at a fraction
        # of the cost; most messages are such.
        return mark_safe(text.replace("\n", "<br>\n"))  # noqa: S308 - nothing to escape
    escaped = bleach.clean(text, tags=set(), attributes={}, strip=False)
    linked = _linker.linkify(escaped)
    return mark_safe(linked.replace("\n", "<br>\n"))  # noqa: S308 - escaped above


_MARKUP = re.compile(r"[<>&\"'`=]")


def _is_plain(text: str) -> bool:
    """Text that HTML reads as nothing but text: no markup, entity or quote, and only
    printable characters besides line breaks and tabs (no control, format or unassigned
    character, which the HTML parser may replace)."""
    return not _MARKUP.search(text) and text.replace("\n", "").replace("\t", "").isprintable()


def _may_link(text: str) -> bool:
    """Whether the linker could find a link or an address in `text` (its own patterns)."""
    return bool(_URL_RE.search(text) or EMAIL_RE.search(text))
