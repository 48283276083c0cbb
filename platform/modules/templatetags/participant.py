from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def answer_text(value: Any) -> str:
    """A stored answer as plain text (escaped by the template like any other text)."""
    if isinstance(value, dict):
        return "\n".join(str(v) for v in value.values() if v)
    if isinstance(value, list):
        return "\n".join(str(v) for v in value if v != "")
    return "" if value is None else str(value)


@register.filter
def violence_kinds(codes: Any) -> str:
    """The kinds of violence a check-in reported, named in the reader's language (the stored
    codes are English words a Swedish reader should not have to decode). Unknown codes are
    shown as they are, so nothing reported is hidden."""
    from modules.checkin import VIOLENCE_KINDS

    names = {code: str(label).split(" (")[0] for code, label in VIOLENCE_KINDS}
    if not isinstance(codes, list | tuple):
        return ""
    return ", ".join(names.get(str(code), str(code)) for code in codes)
