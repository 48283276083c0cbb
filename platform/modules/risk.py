"""Risk words in participants' messages. The list is data (RiskTerm), edited by admins; the
matching lives here, in one place."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import connections

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
    none. One query, the list as it is now (an admin's change counts from the next message)."""
    found = [(phrase, level) for phrase, level, pattern in _patterns() if pattern.search(text)]
    if not found:
        return None
    top = max((level for _phrase, level in found), key=LEVEL_ORDER.index)
    return RiskMatch(level=top, phrases=sorted({phrase for phrase, _level in found}))


# The active terms' query compiled once per database (asked for every participant message),
# and the compiled patterns of the last list seen: they are compiled again only when the list
# the query returns differs.
_terms_sql: dict[str, tuple[str, tuple[Any, ...]]] = {}
_compiled: tuple[tuple[tuple[str, str], ...], list[tuple[str, str, re.Pattern[str]]]] = ((), [])


def _patterns() -> list[tuple[str, str, re.Pattern[str]]]:
    global _compiled
    terms = RiskTerm.objects.filter(active=True).values_list("phrase", "level")
    using = terms.db
    if using not in _terms_sql:
        _terms_sql[using] = terms.query.sql_with_params()
    sql, params = _terms_sql[using]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        rows = tuple((str(phrase), str(level)) for phrase, level in cursor.fetchall())
    seen, compiled = _compiled
    if rows != seen:
        compiled = [
            (phrase, level, re.compile(term_pattern(phrase), re.IGNORECASE))
            for phrase, level in rows
        ]
        _compiled = (rows, compiled)
    return compiled
