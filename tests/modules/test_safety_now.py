"""The check-in's receipt shows what to do now after an answer about thoughts of harming
oneself or someone else (issue 14, item 2), and the therapist's signal says which answer
raised it. The lines come from the organisation's help settings."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from wagtail.models import Site

from content.models import HelpSettings, default_safety_lines
from modules.models import RiskSignal
from tests.helpers import verified_client

pytestmark = pytest.mark.django_db

CHECKIN = {
    "violence": "no",
    "closeness": "2",
    "children": "no",
    "home": "calm",
    "harm_thoughts": "no",
    "free_text": "",
}


def _section(page: str) -> str:
    found = re.search(r'<section class="safety-now".*?</section>', page, re.DOTALL)
    assert found, "no safety section on the page"
    return found.group(0)


def _submit(client, **answers: str):
    response = client.post(reverse("modules:checkin"), {**CHECKIN, **answers})
    assert response.status_code == 302 and response["Location"] == reverse("modules:checkin_done")
    return client.get(response["Location"]).content.decode()


def test_thoughts_of_harm_show_what_to_do_now_on_the_receipt(enrollment, participant):
    client = verified_client(participant)
    page = _submit(client, harm_thoughts="yes")
    section = _section(page)
    assert 'href="tel:90101"' in section and "Självmordslinjen" in section
    assert 'href="tel:112"' in section and 'href="tel:1177"' in section
    assert 'href="https://mind.se/hitta-hjalp/sjalvmordslinjen/"' in section
    assert "dygnet runt" in section
    assert "Din terapeut ser det du har skrivit nästa gång hen loggar in" in section
    # Calm, and never a word about flags or signals.
    for word in ("risk", "signal", "flagg"):
        assert word not in section.lower()
    # A reload of the receipt still shows it.
    assert 'href="tel:90101"' in client.get(reverse("modules:checkin_done")).content.decode()


def test_a_checkin_without_such_an_answer_does_not(enrollment, participant):
    client = verified_client(participant)
    page = _submit(client, violence="yes", closeness="9")  # a risk, but not of self-harm
    assert 'class="safety-now"' not in page and "tel:90101" not in page
    assert RiskSignal.objects.filter(enrollment=enrollment).exists()
    # Nor does the receipt page opened without a check-in of one's own.
    assert (
        "safety-now"
        not in verified_client(participant).get(reverse("modules:checkin_done")).content.decode()
    )


def test_another_participants_checkin_id_in_the_session_shows_nothing(
    enrollment, participant, participant2, therapist
):
    from tests.helpers import enroll, make_programme

    other = enroll(participant2, therapist, make_programme(modules=1, answers_per_module=1))
    _submit(verified_client(participant2), harm_thoughts="yes")
    theirs = other.checkins.get()
    client = verified_client(participant)
    session = client.session
    session["omtag:checkin-receipt"] = str(theirs.public_id)
    session.save()
    assert "safety-now" not in client.get(reverse("modules:checkin_done")).content.decode()
    session["omtag:checkin-receipt"] = "not-a-uuid"
    session.save()
    assert client.get(reverse("modules:checkin_done")).status_code == 200


def test_the_therapist_sees_which_answer_raised_the_signal(enrollment, participant, therapist):
    _submit(verified_client(participant), harm_thoughts="yes", free_text="<b>svårt</b>")
    signal = RiskSignal.objects.get(enrollment=enrollment)
    assert signal.reasons == ["harm_thoughts"]
    client = verified_client(therapist)
    page = client.get(reverse("therapist:participant", args=[enrollment.public_id]))
    risk = page.content.decode().split('id="risk"', 1)[1].split("</section>", 1)[0]
    assert (
        "Tankar på att skada sig själv eller någon annan: "
        "”Har du haft tankar på att skada dig själv eller någon annan?” svar: Ja"
    ) in risk
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("therapist:participant", args=[enrollment.public_id]))
    risk = page.content.decode().split('id="risk"', 1)[1].split("</section>", 1)[0]
    assert "“Have you had thoughts of harming yourself or someone else?” answer: Yes" in risk


def test_the_lines_are_the_organisations_help_settings(enrollment, participant):
    help_settings = HelpSettings.for_site(Site.objects.get(is_default_site=True))
    assert [c.value["number"] for c in help_settings.safety_lines] == ["90101", "1177"]
    help_settings.safety_lines = [
        (
            "line",
            {
                "name": "Jourlinjen <script>",
                "number": "020-50 50 50",
                "hours": "kvällar",
                "hours_en": "evenings",
                "chat_url": "",
            },
        )
    ]
    help_settings.therapist_sees_sv = "Din terapeut läser det inom en arbetsdag."
    help_settings.save()
    section = _section(_submit(verified_client(participant), harm_thoughts="yes"))
    assert 'href="tel:020505050"' in section and "Jourlinjen &lt;script&gt;" in section
    assert "Din terapeut läser det inom en arbetsdag." in section
    assert "90101" not in section and 'href="tel:112"' in section


def test_an_existing_installation_gets_the_lines_from_the_migration():
    module = __import__("content.migrations.0009_safety_lines", fromlist=["seed_safety_lines"])
    help_settings = HelpSettings.for_site(Site.objects.get(is_default_site=True))
    HelpSettings.objects.filter(pk=help_settings.pk).update(safety_lines=[])
    module.seed_safety_lines(apps, None)
    help_settings.refresh_from_db()
    assert [c.value["name"] for c in help_settings.safety_lines] == [
        line["value"]["name"] for line in default_safety_lines()
    ]
