"""The help box and the site name come from a Wagtail site setting (safety rule 5)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from wagtail.models import Site
from wagtail.test.utils.form_data import nested_form_data, streamfield

from content.context_processors import help_box
from content.models import DEFAULT_NOT_REALTIME_SV, HelpSettings
from tests.helpers import verified_client

pytestmark = pytest.mark.django_db


def _settings() -> HelpSettings:
    return HelpSettings.for_site(Site.objects.get(is_default_site=True))


def _line(name: str, number: str, hours: str = "", hours_en: str = "") -> tuple[str, dict]:
    return ("line", {"name": name, "number": number, "hours": hours, "hours_en": hours_en})


def test_defaults_match_the_installation_defaults(participant):
    help_settings = _settings()
    assert help_settings.emergency_number == "112"
    assert [child.value["name"] for child in help_settings.crisis_lines] == ["Välj att sluta"]
    page = verified_client(participant).get("/participant/").content.decode()
    assert "112" in page and "020-555 666" in page and "vardagar" in page
    assert DEFAULT_NOT_REALTIME_SV in page
    assert "Kvinnofridslinjen" not in page  # a line for victims, not for participants


def test_changing_the_setting_changes_the_participant_page(participant):
    help_settings = _settings()
    help_settings.emergency_number = "113 13"
    help_settings.crisis_lines = [_line("Jourlinjen", "020-123 456", "dygnet runt", "24/7")]
    help_settings.not_realtime_sv = "Vi svarar inom två arbetsdagar."
    help_settings.not_realtime_en = "We answer within two working days."
    help_settings.site_display_name = "Omtag Norr"
    help_settings.save()

    client = verified_client(participant)
    page = client.get("/participant/").content.decode()
    assert "Jourlinjen" in page and "020-123 456" in page and "dygnet runt" in page
    assert 'href="tel:020123456"' in page
    assert "113 13" in page
    assert "Vi svarar inom två arbetsdagar." in page
    assert "020-555 666" not in page and DEFAULT_NOT_REALTIME_SV not in page
    assert "<title>" in page and "Omtag Norr</title>" in page

    client.cookies["omtag_language"] = "en"
    page = client.get("/participant/").content.decode()
    assert "We answer within two working days." in page and "24/7" in page


def test_a_script_in_a_line_name_is_escaped(participant):
    help_settings = _settings()
    help_settings.crisis_lines = [_line("<script>alert(1)</script>", "020-1")]
    help_settings.site_display_name = "<b>Omtag</b>"
    help_settings.save()
    page = verified_client(participant).get("/participant/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>Omtag</b>" not in page


def test_blank_site_name_falls_back_to_the_installation_name(settings, participant):
    settings.SITE_NAME = "Omtag Test"
    page = verified_client(participant).get("/participant/").content.decode()
    assert "Omtag Test" in page


def test_the_setting_is_read_once_then_from_the_cache(django_assert_num_queries):
    from django.core.cache import cache

    cache.clear()
    # The first request creates the setting with its defaults; the second reads it: Wagtail's
    # site lookup and the setting itself (content/help.py keeps them in the cache).
    help_box(RequestFactory().get("/", HTTP_HOST="localhost"))
    cache.clear()
    with django_assert_num_queries(2):
        first = help_box(RequestFactory().get("/participant/", HTTP_HOST="localhost"))
    # Every later request, in any process, reads them from the cache.
    request = RequestFactory().get("/participant/", HTTP_HOST="localhost")
    with django_assert_num_queries(0):
        assert help_box(request) == first
    with django_assert_num_queries(0):
        assert help_box(request) == first


def test_without_a_site_the_installation_defaults_are_used(settings):
    Site.objects.all().delete()
    settings.SITE_NAME = "Omtag Fallback"
    context = help_box(RequestFactory().get("/", HTTP_HOST="nowhere.example"))
    assert context["site_name"] == "Omtag Fallback"
    assert context["help_lines"] == settings.HELP_LINES
    assert context["help_emergency"] == "112"


def test_only_clinical_leads_edit_the_setting(editor, clinical_lead, participant):
    site = Site.objects.get(is_default_site=True)
    url = f"/cms/settings/content/helpsettings/{site.pk}/"
    assert verified_client(editor).get(url).status_code in (302, 403)
    lead = verified_client(clinical_lead)
    assert lead.get(url).status_code == 200
    response = lead.post(
        url,
        nested_form_data(
            {
                "site_display_name": "",
                "emergency_number": "112",
                "crisis_lines": streamfield([_line("Stödlinjen", "020-999 999", "kvällar")]),
                "not_realtime_sv": DEFAULT_NOT_REALTIME_SV,
                "not_realtime_en": "Messages are not read in real time.",
                # Issue 14 item 2 added these (what to do now after a self-harm answer).
                "safety_lines": streamfield(
                    [("line", {"name": "Självmordslinjen", "number": "90101", "chat_url": ""})]
                ),
                "therapist_sees_sv": "Din terapeut ser det nästa arbetsdag.",
                "therapist_sees_en": "Your therapist sees it on the next working day.",
            }
        ),
    )
    assert response.status_code == 302
    assert "Stödlinjen" in verified_client(participant).get("/participant/").content.decode()
