"""A NUL byte or another control character in a case note or a risk acknowledgement is
dropped, not a server error (PostgreSQL cannot store a NUL); the words around it are kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from modules.models import RiskSignal
from tests.helpers import verified_client
from therapist.models import CaseNote

pytestmark = pytest.mark.django_db


def test_a_note_with_a_nul_byte_is_kept_without_it(enrollment, therapist):
    client = verified_client(therapist)
    client.raise_request_exception = False
    url = reverse("therapist:notes", args=[enrollment.public_id])
    response = client.post(url, {"body": "Samtal\x00 om\u202e veckan\x07"})
    assert response.status_code in (200, 302)
    assert list(CaseNote.objects.values_list("body", flat=True)) == ["Samtal om veckan"]


def test_an_acknowledgement_with_a_nul_byte_is_kept_without_it(enrollment, therapist):
    signal = RiskSignal.objects.create(
        enrollment=enrollment, source="message", level="high", reasons=["x"]
    )
    client = verified_client(therapist)
    client.raise_request_exception = False
    url = reverse("therapist:risk_acknowledge", args=[enrollment.public_id, signal.public_id])
    assert client.post(url, {"comment": "Ringde\x00 upp"}).status_code == 302
    signal.refresh_from_db()
    assert signal.acknowledgement == "Ringde upp"
