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
