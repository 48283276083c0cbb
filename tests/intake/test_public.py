"""The public "ask for help" page: anonymous, discreet, validated, spam-resistant,
rate-limited, and nothing emailed."""

from __future__ import annotations

import re
import time
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from intake import protection
from intake.models import Referral, ReferralSource, ReferralStatus
from tests.helpers import english_client, form_data, make_user, unverified_client, verified_client

pytestmark = pytest.mark.django_db

ASK = "/help/"


def test_the_urls_are_where_the_brief_says():
    assert reverse("intake:ask") == ASK
    assert reverse("intake:ask_sent") == "/help/sent/"


def test_anonymous_visitor_gets_the_form_with_the_help_box_and_a_discreet_title():
    response = english_client().get(ASK)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="help-box' in page and "112" in page
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title is not None
    assert title.group(1).strip() == "Contact – Omtag"
    assert "violen" not in title.group(1).lower() and "våld" not in title.group(1).lower()
    for name in ("name", "phone", "safe_times", "may_leave_message", "situation"):
        assert f'name="{name}"' in page
    assert 'name="started"' in page and 'name="website"' in page


def test_swedish_is_the_default_and_the_title_stays_discreet():
    page = Client().get(ASK).content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title is not None and "våld" not in title.group(1).lower()


def test_a_good_request_creates_a_waiting_self_referral_and_says_what_happens_next(settings):
    settings.INTAKE_CALLBACK_DAYS = 2
    client = english_client()
    response = client.post(ASK, form_data(situation="I shouted at my partner."))
    assert response.status_code == 302 and response["Location"] == "/help/sent/"
    referral = Referral.objects.get()
    assert referral.source == ReferralSource.SELF
    assert referral.status == ReferralStatus.NEW
    assert referral.name == "Kim" and referral.phone == "070-123 45 67"
    assert referral.may_leave_message == "no"
    assert referral.situation == "I shouted at my partner."
    assert referral.entered_by is None
    page = client.get(response["Location"]).content.decode()
    assert "within 2 working days" in page
    assert "hidden number" in page
    assert "email" in page
    assert 'class="help-box' in page
    assert mail.outbox == []


def test_the_receipt_keeps_no_address_or_browser_in_the_access_log():
    english_client().post(ASK, form_data(), REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Firefox")
    event = AuditEvent.objects.get(action=AuditEvent.Action.REFERRAL_RECEIVED)
    assert event.ip_address is None and event.user_agent == "" and event.actor is None
    assert event.target_id == str(Referral.objects.get().public_id)


def test_nothing_is_emailed_and_no_session_is_made_for_the_visitor():
    client = english_client()
    client.get(ASK)
    client.post(ASK, form_data())
    assert mail.outbox == []
    assert "sessionid" not in client.cookies


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Write a name or an alias"),
        ("name", "x" * 121, "Write at most 120 characters"),
        ("phone", "", "Write the phone number"),
        ("phone", "070 123 45 67 ring mig", "digits only"),
        ("phone", "070/1234567", "digits only"),
        ("phone", "12345", "between 6 and 20 digits"),
        ("phone", "1" * 21, "between 6 and 20 digits"),
        ("safe_times", "", "when it is safe to call"),
        ("safe_times", "x" * 301, "Write at most 300 characters"),
        ("may_leave_message", "", "whether we may leave a message"),
        ("may_leave_message", "maybe", "whether we may leave a message"),
        ("situation", "x" * 2001, "Write at most 2000 characters"),
    ],
)
def test_each_bad_field_is_explained_and_what_was_typed_is_kept(field, value, message):
    data = form_data(**{"name": "Sam the alias", "safe_times": "Evenings", field: value})
    response = english_client().post(ASK, data)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert Referral.objects.count() == 0
    if field != "name":
        assert 'value="Sam the alias"' in page
    if field != "safe_times":
        assert 'value="Evenings"' in page


@pytest.mark.parametrize(
    "phone", ["070-123 45 67", "+46 70 123 45 67", "0701234567", "123456", "1" * 20]
)
def test_phone_numbers_people_write_are_accepted(phone):
    response = english_client().post(ASK, form_data(phone=phone))
    assert response.status_code == 302
    assert Referral.objects.get().phone == phone


def test_the_situation_is_optional():
    assert english_client().post(ASK, form_data(situation="")).status_code == 302


GENERIC = "could not be sent"


@pytest.mark.parametrize(
    "spam",
    [
        {"website": "http://spam.example"},
        {"started": ""},
        {"started": "forged:token"},
        {"started": "NOW"},  # sent at once: faster than a person
    ],
    ids=["honeypot", "no-timestamp", "forged-timestamp", "too-fast"],
)
def test_bots_are_refused_without_saving_and_without_being_told_why(spam):
    if spam.get("started") == "NOW":
        spam = {"started": protection.issue_token()}
    response = english_client().post(ASK, form_data(**spam))
    page = response.content.decode()
    assert response.status_code == 400
    assert Referral.objects.count() == 0
    assert GENERIC in page
    for detail in ("honeypot", "too fast", "timestamp", "website", "seconds"):
        assert detail not in page.lower().replace('name="website"', "").replace(
            'id="id_website"', ""
        ).replace('for="id_website"', "")
    # What the person typed is kept and the honeypot is emptied, so a person can send again.
    assert 'value="Kim"' in page
    assert "spam.example" not in page


def test_a_person_refused_as_too_fast_can_send_again_without_waiting_again():
    client = english_client()
    token = protection.issue_token(time.time() - 1)  # 1 s: too fast
    page = client.post(ASK, form_data(started=token)).content.decode()
    kept = re.search(r'name="started" value="([^"]+)"', page)
    assert kept is not None and kept.group(1) == token  # the original time is kept


def test_a_form_left_open_too_long_is_refused_and_handed_out_again(settings):
    settings.INTAKE_FORM_MAX_AGE_HOURS = 1
    data = form_data()
    later = time.time() + 2 * 3600
    with mock.patch("django.core.signing.time.time", return_value=later):
        response = english_client().post(ASK, data)
    page = response.content.decode()
    assert response.status_code == 400 and GENERIC in page
    assert Referral.objects.count() == 0
    kept = re.search(r'name="started" value="([^"]+)"', page)
    assert kept is not None and kept.group(1) != data["started"]


def test_the_hour_limit_per_address(settings):
    settings.INTAKE_RATE_LIMIT_PER_HOUR = 3
    client = english_client()
    for _ in range(3):
        assert client.post(ASK, form_data(), REMOTE_ADDR="10.0.0.1").status_code == 302
    response = client.post(ASK, form_data(name="Fourth"), REMOTE_ADDR="10.0.0.1")
    page = response.content.decode()
    assert response.status_code == 429
    assert "try again in an hour" in page
    assert 'value="Fourth"' in page  # kept, so nothing has to be typed again
    assert Referral.objects.count() == 3
    # Another address is not affected.
    assert client.post(ASK, form_data(), REMOTE_ADDR="10.0.0.2").status_code == 302
    assert mail.outbox == []


def test_the_limit_counts_refused_attempts_too(settings):
    settings.INTAKE_RATE_LIMIT_PER_HOUR = 2
    client = english_client()
    client.post(ASK, form_data(phone="x"), REMOTE_ADDR="10.0.0.9")
    client.post(ASK, form_data(website="spam"), REMOTE_ADDR="10.0.0.9")
    assert client.post(ASK, form_data(), REMOTE_ADDR="10.0.0.9").status_code == 429
    assert Referral.objects.count() == 0


def test_the_limit_key_does_not_hold_the_address():
    from django.test import RequestFactory

    request = RequestFactory().post(ASK, REMOTE_ADDR="192.0.2.55")
    assert "192.0.2.55" not in protection._rate_key(request)


@pytest.mark.parametrize("who", ["participant", "therapist", "unverified"])
def test_logged_in_people_reach_the_public_pages_too(who):
    user = make_user(f"{who}@example.org", ["participant" if who == "participant" else "therapist"])
    client = unverified_client(user) if who == "unverified" else verified_client(user)
    assert client.get(ASK).status_code == 200
    assert client.get("/help/sent/").status_code == 200


def test_a_signed_in_person_is_not_timed_but_the_honeypot_still_counts(participant):
    client = verified_client(participant)
    page = client.get(ASK).content.decode()
    assert 'name="started" id="id_started"' in page or 'name="started" value=""' in page
    assert client.get(ASK).content.decode().count("started") == page.count("started")
    assert client.post(ASK, form_data(started="")).status_code == 302
    assert client.post(ASK, form_data(website="x")).status_code == 400
    assert Referral.objects.count() == 1


def test_the_hour_limit_counts_an_ipv6_network_as_one_sender(settings):
    """A phone or home gets a whole IPv6 /64 and may pick a new address in it for every
    request: the limit counts the /64, so changing address within it does not reset it."""
    settings.INTAKE_RATE_LIMIT_PER_HOUR = 2
    client = english_client()
    for host in ("1", "2"):
        assert client.post(ASK, form_data(), REMOTE_ADDR=f"2001:db8:1:1::{host}").status_code == 302
    assert client.post(ASK, form_data(), REMOTE_ADDR="2001:db8:1:1:ffff::9").status_code == 429
    # The next /64 (another household) is not affected.
    assert client.post(ASK, form_data(), REMOTE_ADDR="2001:db8:1:2::1").status_code == 302
    assert Referral.objects.count() == 3
