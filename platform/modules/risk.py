"""Risk words in participants' messages. The list is data (RiskTerm), edited by admins; the
matching lives here, in one place."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import RiskLevel, RiskTerm

LEVEL_ORDER: list[str] = [RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.ACUTE]


def term_pattern(phrase: str) -> str:
    """The regular expression for one phrase: words separated by any whitespace, a trailing
    `*` on a word for any ending, and nothing matched inside a longer word."""
    words = []
    for word in phrase.strip().split():
        stem = word.rstrip("*")
        if not stem:
            continue
        words.append(re.escape(stem) + (r"\w*" if word.endswith("*") else ""))
    if not words:
        return r"(?!x)x"  # matches nothing
    return r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"


@dataclass(frozen=True)
class RiskMatch:
    level: str
    phrases: list[str]


def scan(text: str) -> RiskMatch | None:
    """The risk words in `text`, with the highest level among them; None when there are
    none."""
    # One query; the `re` module keeps the compiled patterns in its own cache.
    found = [
        (phrase, level)
        for phrase, level in RiskTerm.objects.filter(active=True).values_list("phrase", "level")
        if re.search(term_pattern(phrase), text, re.IGNORECASE)
    ]
    if not found:
        return None
    top = max((level for _phrase, level in found), key=LEVEL_ORDER.index)
    return RiskMatch(level=top, phrases=sorted({phrase for phrase, _level in found}))
