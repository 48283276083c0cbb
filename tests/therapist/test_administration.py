"""The admin's pages: assign and reassign, pause and close with a reason, the access log
with its filters and CSV; and the participant's own access list."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from messaging.selectors import thread_for_user
from modules.models import EnrollmentStatus
from tests.helpers import verified_client

pytestmark = pytest.mark.django_db


def test_only_admins_reach_the_pages(request, enrollment):
    for who in ["therapist", "participant", "editor", "partner_worker"]:
        client = verified_client(request.getfixturevalue(who))
        assert client.get(reverse("administration:participants")).status_code == 404
        assert client.get(reverse("administration:access_log")).status_code == 404
        url = reverse("administration:set_status", args=[enrollment.public_id])
        assert client.post(url, {"status": "paused", "reason": "x"}).status_code == 404
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE


def test_reassignment_moves_access(enrollment, admin_user, therapist, other_therapist):
    client = verified_client(admin_user)
    page = client.get(reverse("administration:participants")).content.decode()
    assert "Alex" in page
    url = reverse("administration:assign", args=[enrollment.public_id])
    client.post(url, {"therapist": str(other_therapist.public_id), "substitute": ""})
    enrollment.refresh_from_db()
    assert enrollment.therapist == other_therapist
    therapist_client = verified_client(therapist)
    participant_url = reverse("therapist:participant", args=[enrollment.public_id])
    assert therapist_client.get(participant_url).status_code == 404
    assert verified_client(other_therapist).get(participant_url).status_code == 200
    assert thread_for_user(therapist, enrollment.thread.public_id) is None


def test_bad_assignments_get_a_clear_message(enrollment, admin_user, editor, therapist):
    client = verified_client(admin_user)
    url = reverse("administration:assign", args=[enrollment.public_id])
    for data in [
        {"therapist": ""},
        {"therapist": "not-a-uuid"},
        {"therapist": str(editor.public_id)},
        {"therapist": str(therapist.public_id), "substitute": str(therapist.public_id)},
    ]:
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        assert response.context["messages"], data
    enrollment.refresh_from_db()
    assert enrollment.therapist == therapist and enrollment.substitute is None


def test_pause_needs_a_reason_and_is_logged(enrollment, admin_user):
    client = verified_client(admin_user)
    url = reverse("administration:set_status", args=[enrollment.public_id])
    response = client.post(url, {"status": "paused", "reason": ""}, follow=True)
    assert "Skriv orsaken" in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
    client.post(url, {"status": "paused", "reason": "Sjukskriven två veckor"})
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.PAUSED
    assert enrollment.status_reason == "Sjukskriven två veckor"
    client.post(url, {"status": "active", "reason": ""})
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
    client.post(url, {"status": "invited", "reason": "nonsense"})
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert (
        AuditEvent.objects.filter(action=AuditEvent.Action.ENROLLMENT_STATUS_CHANGED).count() == 2
    )


def test_the_access_log_filters_and_exports(enrollment, admin_user, therapist, participant):
    verified_client(therapist).get(reverse("therapist:participant", args=[enrollment.public_id]))
    verified_client(therapist).get(reverse("therapist:notes", args=[enrollment.public_id]))
    client = verified_client(admin_user)
    page = client.get(reverse("administration:access_log"), {"staff": str(therapist.public_id)})
    assert len(page.context["page"]) == 2
    # The page reads in the reader's language: what was read and the roles, by name.
    shown = page.content.decode()
    # (A cell carries its column's name for the phone's card layout: data-label="Vad".)
    assert '<td data-label="Vad">översikt</td>' in shown
    assert '<td data-label="Vad">anteckningar</td>' in shown
    assert "(Terapeut)" in shown and "(therapist)" not in shown
    other = client.get(reverse("administration:access_log"), {"staff": str(admin_user.public_id)})
    assert len(other.context["page"]) == 0
    assert (
        client.get(reverse("administration:access_log"), {"from": "2999-01-01"})
        .context["page"]
        .paginator.count
        == 0
    )
    assert (
        client.get(
            reverse("administration:access_log"), {"from": "garbage", "staff": "bad"}
        ).status_code
        == 200
    )
    response = client.get(reverse("administration:access_log"), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["time", "staff", "roles", "participant", "what", "ip", "unit"]
    assert {r[4] for r in rows[1:]} == {"overview", "notes"}
    assert all(r[1] == therapist.email and r[3] == "Alex" for r in rows[1:])


def test_the_participant_downloads_who_read_their_record_by_role_not_name(
    enrollment, therapist, participant
):
    verified_client(therapist).get(reverse("therapist:participant", args=[enrollment.public_id]))
    response = verified_client(participant).get(reverse("accounts:my_access_log"))
    text = response.content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Tid", "Enhet", "Roll", "Vad"]
    assert len(rows) == 2 and rows[1][2] == "Terapeut" and rows[1][3] == "översikt"
    assert rows[1][1] == enrollment.unit.label
    assert therapist.email not in text and "Tove" not in text


def test_admins_edit_the_risk_words(admin_user, therapist):
    from modules.models import RiskTerm
    from modules.risk import scan

    url = reverse("administration:risk_words")
    assert verified_client(therapist).get(url).status_code == 404
    client = verified_client(admin_user)
    assert "kniv*" in client.get(url).content.decode()
    client.post(url, {"phrase": "  Slå  Sönder* ", "language": "sv", "level": "high"})
    assert scan("jag ville slå sönder dörren") is not None
    for bad in [
        {"phrase": "", "language": "sv", "level": "high"},
        {"phrase": "*", "language": "sv", "level": "high"},
        {"phrase": "x" * 101, "language": "sv", "level": "high"},
        {"phrase": "ok", "language": "de", "level": "high"},
        {"phrase": "slå sönder*", "language": "sv", "level": "high"},
    ]:
        assert client.post(url, bad).status_code == 400, bad
    term = RiskTerm.objects.get(phrase="slå sönder*")
    client.post(url, {"toggle": term.pk})
    assert scan("jag ville slå sönder dörren") is None
    assert client.post(url, {"toggle": "999999"}).status_code == 404


def _queries_for(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_treatments_list_comes_in_pages_at_a_constant_cost(admin_user, therapist, programme):
    """50 treatments a page, the newest first; the page costs as many queries with 60
    treatments as with 5; a page number that does not exist shows a page and says so."""
    from tests.helpers import many_participants

    client = verified_client(admin_user)
    url = reverse("administration:participants")
    many_participants(5, therapist, programme)
    client.get(url)  # the first request of a session warms what every request reads once
    few = _queries_for(client, url)
    many_participants(55, therapist, programme, start=5)
    assert _queries_for(client, url) == few
    first = client.get(url).content.decode()
    assert ">P59<" in first and ">P10<" in first and ">P9<" not in first
    assert 'rel="next"' in first and "60 behandlingar" in first
    second = client.get(url + "?page=2").content.decode()
    assert ">P9<" in second and ">P0<" in second and ">P10<" not in second
    assert 'value="2"' in second  # its forms bring the administrator back to page 2
    for asked, shown, lands_on in (("abc", "abc", "P59"), ("9999", "9999", "P0"), ("0", "0", "P0")):
        response = client.get(f"{url}?page={asked}")
        page = response.content.decode()
        assert response.status_code == 200
        assert f"Det finns ingen sida {shown}." in page and f">{lands_on}<" in page
    page = client.get(url + "?page=%3Cscript%3E").content.decode()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Det finns ingen sida" not in client.get(url + "?page=1").content.decode()


def test_a_form_sent_from_page_two_comes_back_to_page_two(admin_user, therapist, programme):
    from tests.helpers import many_participants

    enrollment = many_participants(60, therapist, programme)[0]
    client = verified_client(admin_user)
    response = client.post(
        reverse("administration:set_status", args=[enrollment.public_id]),
        {"status": "paused", "reason": "Semester", "page": "2"},
    )
    assert response.url == reverse("administration:participants") + "?page=2"
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.PAUSED
    response = client.post(
        reverse("administration:set_status", args=[enrollment.public_id]),
        {"status": "active", "reason": "Tillbaka", "page": "x"},
    )
    assert response.url == reverse("administration:participants")
