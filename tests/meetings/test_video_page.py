"""The video meeting's page (/meetings/<uuid>/video/): who gets it, when it offers the call,
its camera and microphone permission (this page only), its CSP, the ICE servers it is given,
and the link from the meeting's page."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

import pytest
from django.utils import timezone

from meetings import video
from meetings.models import Kind, Meeting, Status
from tests.helpers import in_english, unverified_client, verified_client

pytestmark = pytest.mark.django_db


def book(enrollment, *, kind=Kind.VIDEO, starts_in=timedelta(minutes=2), status=Status.SCHEDULED):
    starts = timezone.now() + starts_in
    return Meeting.objects.create(
        enrollment=enrollment,
        therapist=enrollment.therapist,
        participant=enrollment.participant,
        kind=kind,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=45),
        status=status,
    )


def url(meeting: Meeting) -> str:
    return f"/meetings/{meeting.public_id}/video/"


def test_both_people_get_the_room_with_camera_and_microphone_allowed_for_it_alone(
    enrollment, therapist, participant
):
    meeting = book(enrollment)
    for person, side in ((therapist, "therapist"), (participant, "participant")):
        response = in_english(verified_client(person)).get(url(meeting))
        assert response.status_code == 200
        html = response.content.decode()
        assert f'data-socket="/ws/meetings/{meeting.public_id}/"' in html
        assert f'data-side="{side}"' in html
        assert 'id="video-ice" type="application/json">[]<' in html  # no servers by default
        policy = response["Permissions-Policy"]
        assert "camera=(self)" in policy and "microphone=(self)" in policy
        assert "geolocation=()" in policy
        csp = response["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self'"
        # No inline script: the page's code is a static file; its data are JSON, not run.
        assert "<script>" not in html
        assert "js/video.js" in html
        # Every other page still denies them, the meeting's own page included.
        other = verified_client(person).get(f"/meetings/{meeting.public_id}/")
        assert "camera=()" in other["Permissions-Policy"]
        assert "microphone=()" in other["Permissions-Policy"]


def test_the_staff_read_is_in_the_access_log(enrollment, therapist):
    from audit.models import AuditEvent

    meeting = book(enrollment)
    verified_client(therapist).get(url(meeting))
    assert AuditEvent.objects.filter(
        actor=therapist, subject=enrollment.participant, target_id=str(meeting.public_id)
    ).exists()


def test_anyone_else_gets_404_and_a_password_only_session_the_second_factor(
    enrollment, other_therapist, participant2, admin_user, partner_worker, participant
):
    meeting = book(enrollment)
    for person in (other_therapist, participant2, admin_user, partner_worker):
        assert verified_client(person).get(url(meeting)).status_code == 404, person.email
    response = unverified_client(participant).get(url(meeting))
    assert response.status_code == 302 and "/account/" in response["Location"]


def test_a_phone_meeting_has_no_video_room(enrollment, participant):
    meeting = book(enrollment, kind=Kind.PHONE)
    assert verified_client(participant).get(url(meeting)).status_code == 404


def test_before_the_window_the_page_says_when_it_opens_and_offers_no_call(enrollment, participant):
    meeting = book(enrollment, starts_in=timedelta(hours=3))
    response = in_english(verified_client(participant)).get(url(meeting))
    html = response.content.decode()
    assert response.status_code == 200
    opens = timezone.localtime(meeting.starts_at - video.OPENS_BEFORE).strftime("%H:%M")
    assert f"The video room opens at {opens}" in html
    assert "js/video.js" not in html and 'id="video"' not in html


def test_the_meeting_page_links_to_the_room_only_while_it_is_open(
    enrollment, therapist, participant
):
    now_meeting = book(enrollment)
    later = book(enrollment, starts_in=timedelta(days=2))
    phone = book(enrollment, kind=Kind.PHONE, starts_in=timedelta(minutes=1))
    for person in (therapist, participant):
        client = in_english(verified_client(person))
        assert (
            url(now_meeting) in client.get(f"/meetings/{now_meeting.public_id}/").content.decode()
        )
        assert url(later) not in client.get(f"/meetings/{later.public_id}/").content.decode()
        assert url(phone) not in client.get(f"/meetings/{phone.public_id}/").content.decode()


def test_turn_credentials_are_per_user_and_time_limited(settings, enrollment, participant):
    settings.WEBRTC_ICE_SERVERS = [{"urls": "stun:stun.example.org:3478"}]
    settings.WEBRTC_TURN_URLS = ["turn:turn.example.org:3478?transport=udp"]
    settings.WEBRTC_TURN_SECRET = "shared-secret"
    settings.WEBRTC_TURN_TTL_SECONDS = 3600
    servers = video.ice_servers(participant)
    assert servers[0] == {"urls": "stun:stun.example.org:3478"}
    turn = servers[1]
    expiry, user = turn["username"].split(":")
    assert user == str(participant.public_id)
    assert 3500 < int(expiry) - timezone.now().timestamp() <= 3600
    expected = hmac.new(b"shared-secret", turn["username"].encode(), hashlib.sha1).digest()
    assert turn["credential"] == base64.b64encode(expected).decode()
    # And the page hands them to the browser as data, not script.
    meeting = book(enrollment)
    html = verified_client(participant).get(url(meeting)).content.decode()
    assert "turn:turn.example.org" in html and turn["username"].split(":")[1] in html


def test_bad_ice_settings_stop_the_start_with_a_clear_message():
    from tests.helpers import manage_check

    result = manage_check({"WEBRTC_ICE_SERVERS": "not json", "SECRET_KEY": "x", "DEBUG": "1"})
    assert result.returncode != 0 and "WEBRTC_ICE_SERVERS is not JSON" in result.stderr
    result = manage_check(
        {"WEBRTC_TURN_URLS": "turn:t.example.org", "SECRET_KEY": "x", "DEBUG": "1"}
    )
    assert result.returncode != 0 and "WEBRTC_TURN_SECRET" in result.stderr
