"""The interface is Swedish with English beside it: no source string lacks its Swedish."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

PO = Path(settings.LOCALE_PATHS[0]) / "sv" / "LC_MESSAGES" / "django.po"


def _entries(text: str) -> list[tuple[str, str, bool]]:
    entries = []
    for block in text.split("\n\n"):
        fuzzy = "#, fuzzy" in block
        msgid = "".join(re.findall(r'^(?:msgid )?"(.*)"$', block.split("msgstr")[0], re.M))
        msgstr_part = block.split("msgstr", 1)[1] if "msgstr" in block else ""
        msgstr = "".join(re.findall(r'"(.*)"', msgstr_part))
        entries.append((msgid, msgstr, fuzzy))
    return entries


def test_every_string_has_a_swedish_translation():
    entries = [e for e in _entries(PO.read_text()) if e[0]]
    assert len(entries) > 100
    missing = [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy]
    assert missing == []


def test_compiled_swedish_catalog_is_in_use():
    from django.utils import translation

    with translation.override("sv"):
        assert translation.gettext("Log in") == "Logga in"
        assert translation.gettext("Skip to content") != "Skip to content"


@pytest.mark.django_db
def test_english_is_one_click_away(participant):
    from tests.helpers import verified_client

    client = verified_client(participant)
    assert "Min behandling" in client.get("/participant/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/participant/"})
    page = client.get("/participant/").content.decode()
    assert "My treatment" in page and '<html lang="en">' in page
