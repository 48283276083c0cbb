"""Risk words in messages: whole words, Swedish inflections with `*`, case, phrases."""

from __future__ import annotations

import pytest

from modules.models import RiskLevel, RiskTerm
from modules.risk import scan

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ("Jag ville döda honom", ["döda*"]),
        ("han DÖDADE nästan katten", ["döda*"]),
        ("Jag tänkte ta livet av mig", ["ta livet av*"]),
        ("tänker på\nsjälvmord", ["självmord*"]),
        ("I want to kill him", ["kill"]),
        ("I will KILL", ["kill"]),
        ("hon tog fram en kniv", ["kniv*"]),
        ("knivarna låg framme", ["kniv*"]),
        ("I could hurt   the children", ["hurt the children"]),
        ("Jag vill inte skada barnen", ["skada barn*"]),
    ],
)
def test_risky_texts_match(text, phrases):
    match = scan(text)
    assert match is not None and match.phrases == phrases


@pytest.mark.parametrize(
    "text",
    [
        "killarna spelade fotboll",  # "kill" is not in "killar"
        "Skill and killjoy",
        "ett hotell vid havet",  # "hot" is not in "hotell"
        "jag hade en lugn vecka",
        "oskadad",
        "",
    ],
)
def test_innocent_texts_do_not(text):
    assert scan(text) is None


def test_the_highest_level_wins_and_admins_edit_the_list():
    match = scan("kniv och döda")
    assert match is not None and match.level == RiskLevel.ACUTE
    assert scan("en banan") is None
    RiskTerm.objects.create(phrase="banan*", language="sv", level=RiskLevel.MEDIUM)
    match = scan("Bananerna")
    assert match is not None and match.level == RiskLevel.MEDIUM
    RiskTerm.objects.filter(phrase="banan*").update(active=False)
    assert scan("Bananerna") is None
