"""The interface is Swedish with English beside it: no source string lacks its Swedish."""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

PO = Path(settings.LOCALE_PATHS[0]) / "sv" / "LC_MESSAGES" / "django.po"
PLATFORM = Path(settings.LOCALE_PATHS[0]).parent

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    msgctxt: str | None
    msgid: str
    msgid_plural: str | None
    msgstrs: list[str]
    fuzzy: bool


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text)


def _blocks(text: str) -> list[list[str]]:
    """The .po split into entries: a comment, msgctxt or msgid after a msgstr starts the next
    one (a blank line between entries is the convention, not the rule)."""
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        starts = line.startswith(("#", "msgctxt ", "msgid "))
        if starts and any(seen.startswith("msgstr") for seen in blocks[-1]):
            blocks.append([])
        if line.strip():
            blocks[-1].append(line)
    return blocks


def _entries(text: str) -> list[Entry]:
    """The live entries of a .po (not the header, not the obsolete #~ ones), unescaped."""
    entries = []
    for block in _blocks(text):
        fields: dict[str, str] = {}
        key = None
        for line in block:
            if match := re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line):
                key = match.group(1)
                fields[key] = match.group(2)
            elif key and (match := re.match(r'^"(.*)"$', line)):
                fields[key] += match.group(1)
        if not fields.get("msgid"):
            continue
        msgstrs = [_unescape(v) for k, v in sorted(fields.items()) if k.startswith("msgstr")]
        entries.append(
            Entry(
                msgctxt=_unescape(fields["msgctxt"]) if "msgctxt" in fields else None,
                msgid=_unescape(fields["msgid"]),
                msgid_plural=_unescape(fields["msgid_plural"])
                if "msgid_plural" in fields
                else None,
                msgstrs=msgstrs,
                fuzzy=any(re.match(r"^#,.*\bfuzzy\b", line) for line in block),
            )
        )
    return entries


def _untranslated(po_text: str) -> list[str]:
    return [e.msgid for e in _entries(po_text) if e.fuzzy or not all(e.msgstrs)]


def test_every_string_has_a_swedish_translation():
    entries = _entries(PO.read_text())
    assert len(entries) > 100
    assert _untranslated(PO.read_text()) == []


def test_every_string_in_the_code_has_a_swedish_translation(tmp_path):
    """Regenerate the catalogue from the code as `make messages` does, in a copy of platform/,
    and list every msgid without a settled Swedish text (new, empty or fuzzy). The test above
    reads only the committed .po, which knows nothing of strings added to the code since."""
    copy = tmp_path / "platform"
    shutil.copytree(PLATFORM, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    # The Makefile runs django-admin without settings, so only <copy>/locale is written to.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    command = [sys.executable, "-m", "django", "makemessages", "-l", "sv", "--no-location"]
    subprocess.run(
        [*command, "--ignore=locale"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    missing = _untranslated((copy / PO.relative_to(PLATFORM)).read_text())
    assert missing == [], (
        f"{len(missing)} text(s) in the code have no Swedish translation, or a fuzzy one: "
        "run `make messages` and translate them in platform/locale/sv/LC_MESSAGES/django.po "
        "(remove the fuzzy flag once the Swedish is right), then run `make messages` again.\n"
        + "\n".join(f"  {msgid!r}" for msgid in missing)
    )


def test_the_compiled_catalogue_matches_the_po():
    """The site reads the .mo: a .po edited but not compiled changes nothing on screen."""
    with (PO.parent / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for e in _entries(PO.read_text()):
        if e.fuzzy or not all(e.msgstrs):
            continue
        if e.msgid_plural is not None:
            got = [compiled.ngettext(e.msgid, e.msgid_plural, n) for n in (1, 2)]
            ok = got == e.msgstrs[:2]
        elif e.msgctxt is not None:
            ok = compiled.pgettext(e.msgctxt, e.msgid) == e.msgstrs[0]
        else:
            ok = compiled.gettext(e.msgid) == e.msgstrs[0]
        if not ok:
            stale.append(e.msgid)
    assert stale == [], f"the .mo is older than the .po: run `make messages`. {stale[:10]!r}"


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
