"""The admin's risk-word page: a form and a service that validate (no control characters, a
length, no duplicates) and write each change to the access log; bad ids are a 404."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from audit.models import AuditEvent
from modules.models import RiskTerm
from modules.risk import scan
from modules.services import risk_term_add, risk_term_set_active
from tests.helpers import in_english, verified_client

pytestmark = pytest.mark.django_db
URL = "/administration/risk-words/"


def _admin(admin_user) -> Client:
    client = in_english(verified_client(admin_user))
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize(
    "toggle", ["abc", "1.5", "-1", "0", "", "9" * 30, "1\x00", "١", "\u202e1", "🙂", "[1]"]
)
def test_a_toggle_id_that_is_not_a_term_is_a_404(admin_user, toggle):
    term = RiskTerm.objects.create(phrase="banan*", language="sv", level="high")
    response = _admin(admin_user).post(URL, {"toggle": toggle})
    assert response.status_code == 404  # "abc" was a 500
    term.refresh_from_db()
    assert term.active
    assert not AuditEvent.objects.filter(action="risk_term_changed").exists()


@pytest.mark.parametrize(
    "phrase",
    ["kniv\x00", "\x00", "slå\x00sönder", "kn\u202eiv", "hot\x07", "döda\u200b*", "a\x85b"],
)
def test_a_phrase_with_a_control_character_is_refused(admin_user, phrase):
    before = set(RiskTerm.objects.values_list("phrase", flat=True))
    response = _admin(admin_user).post(URL, {"phrase": phrase, "language": "sv", "level": "high"})
    assert response.status_code == 400
    assert "invisible or control character" in response.content.decode()
    assert set(RiskTerm.objects.values_list("phrase", flat=True)) == before
    assert not AuditEvent.objects.filter(action="risk_term_added").exists()


def test_adding_and_turning_off_are_in_the_access_log(admin_user):
    client = _admin(admin_user)
    response = client.post(URL, {"phrase": "  Slå  Sönder* ", "language": "sv", "level": "high"})
    assert response.status_code == 302
    term = RiskTerm.objects.get(phrase="slå sönder*")
    assert scan("jag ville slå sönder dörren") is not None
    added = AuditEvent.objects.get(action="risk_term_added")
    assert added.actor == admin_user and added.target_id == str(term.pk)
    assert "slå sönder*" in added.detail

    assert client.post(URL, {"toggle": str(term.pk)}).status_code == 302
    term.refresh_from_db()
    assert not term.active and scan("jag ville slå sönder dörren") is None
    changed = AuditEvent.objects.get(action="risk_term_changed")
    assert changed.actor == admin_user and changed.detail.endswith("off")


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"phrase": "slå sönder*", "language": "sv", "level": "high"}, "already on the list"),
        ({"phrase": "SLÅ   sönder*", "language": "sv", "level": "acute"}, "already on the list"),
        ({"phrase": "x" * 101, "language": "sv", "level": "high"}, "at most 100"),
        ({"phrase": "", "language": "sv", "level": "high"}, "at most 100"),
        ({"phrase": "*", "language": "sv", "level": "high"}, "at most 100"),
        ({"phrase": "ok", "language": "de", "level": "high"}, "Choose a language"),
        ({"phrase": "ok", "language": "sv", "level": "extreme"}, "Choose a language"),
    ],
)
def test_bad_phrases_are_refused_and_what_was_written_is_shown_back(admin_user, data, says):
    RiskTerm.objects.create(phrase="slå sönder*", language="sv", level="high")
    response = _admin(admin_user).post(URL, data)
    assert response.status_code == 400
    text = response.content.decode()
    assert says in text
    assert 'role="alert"' in text
    assert RiskTerm.objects.count() == 1 + RiskTerm.objects.exclude(phrase="slå sönder*").count()
    assert not AuditEvent.objects.filter(action="risk_term_added").exists()


def test_the_service_checks_the_role_and_the_text(therapist, admin_user, english):
    with pytest.raises(PermissionDenied):
        risk_term_add(actor=therapist, phrase="zebraord", language="sv", level="high")
    with pytest.raises(ValidationError):
        risk_term_add(actor=admin_user, phrase="zebra\ud800", language="sv", level="high")
    term = risk_term_add(actor=admin_user, phrase="zebraord", language="sv", level="high")
    with pytest.raises(PermissionDenied):
        risk_term_set_active(actor=therapist, term=term, active=False)
    with pytest.raises(ValidationError):
        risk_term_add(actor=admin_user, phrase="ZEBRAORD", language="sv", level="medium")
