"""Dates follow the language: Swedish writes short month names in lowercase ("23 nov 2025"),
English capitalises them ("23 Nov 2025"). Templates ask for DATE_FORMAT, DATETIME_FORMAT
and MONTH_DAY_FORMAT, which config/formats/<lang>/formats.py define."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, translation

from accounts.models import User
from messaging.models import Message, Thread
from messaging.services import message_send
from modules.models import Enrollment
from tests.helpers import enroll, in_english, make_programme, verified_client

STOCKHOLM = ZoneInfo("Europe/Stockholm")
WHEN = datetime(2025, 11, 23, 14, 5, tzinfo=STOCKHOLM)

SNIPPET = Template(
    '{{ when|date:"DATE_FORMAT" }}|{{ when|date:"DATETIME_FORMAT" }}|'
    '{{ when|date:"MONTH_DAY_FORMAT" }}'
)


def _render() -> str:
    return SNIPPET.render(Context({"when": WHEN}))


def test_swedish_templates_write_the_month_in_lowercase():
    with translation.override("sv"):
        assert _render() == "23 nov 2025|23 nov 2025, 14:05|23 nov"


def test_english_templates_capitalise_the_month():
    with translation.override("en"):
        assert _render() == "23 Nov 2025|23 Nov 2025, 14:05|23 Nov"


def test_the_other_formats_still_come_from_django():
    """Our modules set three names; the rest falls through to Django's locale modules."""
    with translation.override("sv"):
        assert formats.get_format("SHORT_DATE_FORMAT") == "Y-m-d"
        assert formats.get_format("DECIMAL_SEPARATOR") == ","
    with translation.override("en"):
        assert formats.get_format("SHORT_DATE_FORMAT") == "m/d/Y"
        assert formats.get_format("DECIMAL_SEPARATOR") == "."


@pytest.fixture
def november_enrollment(participant: User, therapist: User) -> Enrollment:
    """Started on 23 November, with a message from the participant written that day."""
    enrollment = enroll(participant, therapist, make_programme(modules=1, answers_per_module=1))
    Enrollment.objects.filter(pk=enrollment.pk).update(started_at=WHEN)
    thread = Thread.objects.get(enrollment=enrollment)
    message, _created = message_send(
        sender=participant, thread=thread, body="Hej", client_id=str(uuid.uuid4())
    )
    Message.objects.filter(pk=message.pk).update(created_at=WHEN)
    return enrollment


@pytest.mark.django_db
def test_the_therapist_sees_swedish_dates_in_lowercase(november_enrollment, therapist):
    url = reverse("therapist:participant", args=[november_enrollment.public_id])
    page = verified_client(therapist).get(url).content.decode()
    assert "23 nov 2025, 14:05" in page  # the message
    assert "började 23 nov 2025" in page  # the header
    assert "23 Nov" not in page


@pytest.mark.django_db
def test_the_therapist_sees_english_dates_capitalised(november_enrollment, therapist):
    url = reverse("therapist:participant", args=[november_enrollment.public_id])
    page = in_english(verified_client(therapist)).get(url).content.decode()
    assert "started 23 Nov 2025" in page
    assert "23 Nov 2025, 14:05" in page
    assert "23 nov" not in page


@pytest.mark.django_db
def test_the_participant_sees_the_message_date_in_swedish(november_enrollment, participant):
    thread = Thread.objects.get(enrollment=november_enrollment)
    url = reverse("messaging:thread", args=[thread.public_id])
    page = verified_client(participant).get(url).content.decode()
    assert "23 nov 2025, 14:05" in page
    assert "23 Nov" not in page
