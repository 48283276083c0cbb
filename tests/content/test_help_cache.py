"""The help box is on every participant page, so its settings are kept in the cache
(content/help.py): a page reads them without a query, a change shows on the very next page,
and a cache that cannot be reached (Redis away) still leaves the help box on the page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from accounts.models import Role
from content.models import HelpSettings, OrganisationHelp
from organisations.selectors import first_unit
from tests.helpers import make_user, verified_client

pytestmark = pytest.mark.django_db

HELP_TABLES = ("wagtailcore_site", "content_helpsettings", "content_organisationhelp")


def _line(name: str, number: str) -> dict[str, str]:
    return {"name": name, "number": number, "hours": "dygnet runt", "hours_en": ""}


def _help_queries(client, path: str = "/participant/") -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(path)
    assert page.status_code == 200
    return [q["sql"] for q in ctx.captured_queries if any(t in q["sql"] for t in HELP_TABLES)]


def test_a_second_page_reads_the_help_box_without_a_query(participant):
    OrganisationHelp.objects.create(
        organisation=first_unit().organisation, crisis_lines=[_line("Egen linje", "0123-1")]
    )
    client = verified_client(participant)
    assert _help_queries(client)  # the first page fills the cache
    assert _help_queries(client) == []
    assert "Egen linje" in client.get("/participant/").content.decode()


def test_the_organisations_new_crisis_number_shows_on_the_very_next_page():
    unit = first_unit()
    participant = make_user("cached@example.org", [Role.PARTICIPANT], unit=unit)
    editor = make_user("ed-cache@example.org", [Role.EDITOR], unit=unit)
    OrganisationHelp.objects.create(
        organisation=unit.organisation, crisis_lines=[_line("Gamla linjen", "0123-111 11")]
    )
    reader = verified_client(participant)
    assert "0123-111 11" in reader.get("/participant/").content.decode()  # now in the cache

    data = {
        "site_display_name": "",
        "emergency_number": "",
        "not_realtime_sv": "",
        "not_realtime_en": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "12",
        "lines-0-name": "Nya linjen",
        "lines-0-number": "0999-222 22",
        "lines-0-hours": "dygnet runt",
        "lines-0-hours_en": "",
    }
    url = f"/editor/organisation-help/{unit.organisation.public_id}/"
    assert verified_client(editor).post(url, data).status_code == 302

    page = reader.get("/participant/").content.decode()
    assert "Nya linjen" in page and "0999-222 22" in page
    assert "0123-111 11" not in page


def test_the_installations_new_emergency_number_shows_on_the_very_next_page(participant):
    client = verified_client(participant)
    assert "113 13" not in client.get("/participant/").content.decode()
    help_settings = HelpSettings.for_site(Site.objects.get(is_default_site=True))
    help_settings.emergency_number = "113 13"
    help_settings.save()
    assert "113 13" in client.get("/participant/").content.decode()


def test_the_help_box_is_on_the_page_when_the_cache_cannot_be_reached(participant, monkeypatch):
    from django.core.cache import cache

    def away(*args, **kwargs):
        raise ConnectionError("Redis is away")

    for name in ("get", "get_many", "set", "add"):
        monkeypatch.setattr(cache, name, away)
    client = verified_client(participant)
    for _ in range(2):
        page = client.get("/participant/")
        assert page.status_code == 200
        text = page.content.decode()
        assert "112" in text and "020-555 666" in text
