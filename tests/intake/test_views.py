"""The therapists' referral pages: every page for every role, the screening and each
decision through the browser, the waiting days and the navigation badge, and the access log."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from intake import services
from intake.models import Referral, ReferralStatus
from modules.models import Enrollment
from tests.helpers import SCREENING, make_referral, make_user, unverified_client, verified_client

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def staff_urls(referral: Referral) -> dict[str, tuple[str, str]]:
    """Every staff URL of the intake namespace: name -> (path, method)."""
    r = referral.public_id
    return {
        "referrals": (reverse("intake:referrals"), "get"),
        "referral_new": (reverse("intake:referral_new"), "get"),
        "referral": (reverse("intake:referral", args=[r]), "get"),
        "referral_contact": (reverse("intake:referral_contact", args=[r]), "post"),
        "referral_screening": (reverse("intake:referral_screening", args=[r]), "get"),
        "referral_enrol": (reverse("intake:referral_enrol", args=[r]), "post"),
        "referral_elsewhere": (reverse("intake:referral_elsewhere", args=[r]), "post"),
        "referral_close": (reverse("intake:referral_close", args=[r]), "post"),
        "referral_reopen": (reverse("intake:referral_reopen", args=[r]), "post"),
    }


PUBLIC = {"ask", "ask_organisation", "ask_sent"}
# Admins see the queue and enter agency referrals; a referral's details are a therapist's.
ADMIN_PAGES = {"referrals", "referral_new"}


def test_the_matrix_names_every_url_of_the_app(referral):
    from intake.urls import urlpatterns

    assert {p.name for p in urlpatterns} == set(staff_urls(referral)) | PUBLIC


@pytest.mark.parametrize(
    "who",
    ["therapist", "other_therapist", "admin", "participant", "editor", "partner_worker", "lead"],
)
def test_every_staff_page_for_every_role(who, cast, clinical_lead, referral):
    people = {**cast, "lead": clinical_lead}
    people["org_lead"] = make_user("orglead@example.org", ["org_lead"])
    client = verified_client(people[who])
    for name, (path, method) in staff_urls(referral).items():
        response = getattr(client, method)(path)
        if who in ("therapist", "other_therapist") or (who == "admin" and name in ADMIN_PAGES):
            # Any therapist may handle any referral: the queue is the organisation's.
            assert response.status_code in (200, 302, 400), (name, response.status_code)
        else:
            assert response.status_code == 404, (who, name, response.status_code)


def test_the_organisation_lead_sees_no_staff_page(referral):
    client = verified_client(make_user("orglead@example.org", ["org_lead"]))
    for name, (path, method) in staff_urls(referral).items():
        assert getattr(client, method)(path).status_code == 404, name


def test_anonymous_visitors_are_sent_to_login(referral):
    client = Client()
    for name, (path, method) in staff_urls(referral).items():
        response = getattr(client, method)(path)
        assert response.status_code == 302, name
        assert response["Location"].startswith("/account/login/"), name


def test_an_unverified_session_is_sent_to_the_second_factor(referral, therapist):
    client = unverified_client(therapist)
    for name, (path, method) in staff_urls(referral).items():
        response = getattr(client, method)(path)
        assert response.status_code == 302, name
        assert response["Location"].startswith("/account/2fa/"), name


def test_an_unknown_referral_is_a_404_like_any_other(therapist):
    import uuid

    client = verified_client(therapist)
    assert client.get(reverse("intake:referral", args=[uuid.uuid4()])).status_code == 404


def test_the_queue_shows_days_waited_and_source_oldest_first(therapist):
    make_referral(days_ago=2, name="Recent")
    services.referral_enter(
        actor=therapist,
        source="probation",
        received_on=__import__("datetime").date.today() - __import__("datetime").timedelta(days=11),
        agency="Frivården",
        agency_contact="Lars",
        consent_to_contact=False,
        person={"name": "Older", "phone": "0701234567", "may_leave_message": "unknown"},
    )
    page = english(verified_client(therapist)).get(reverse("intake:referrals")).content.decode()
    assert page.index("Older") < page.index("Recent")
    assert "11 days" in page and "2 days" in page
    assert "Probation service" in page and "Asked for help themselves" in page
    assert "No consent to contact" in page
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.RECORD_VIEWED, target_type="referral_queue", actor=therapist
    ).exists()


def test_the_navigation_badge_counts_referrals_waiting(therapist, admin_user, participant):
    make_referral(days_ago=1)
    make_referral(days_ago=2)
    for user in (therapist, admin_user):
        page = english(verified_client(user)).get(reverse("intake:referrals")).content.decode()
        assert 'href="/help/referrals/"' in page
        assert (
            '<span class="badge badge-info">2<span class="visually-hidden"> referrals waiting'
            in (page)
        )
    page = verified_client(participant).get("/participant/").content.decode()
    assert "/help/referrals/" not in page


def test_admins_see_the_queue_without_links_to_the_details(admin_user, referral):
    page = verified_client(admin_user).get(reverse("intake:referrals")).content.decode()
    assert referral.name in page
    assert reverse("intake:referral", args=[referral.public_id]) not in page


def test_the_referral_page_shows_contact_details_and_logs_the_read(therapist, referral):
    page = english(verified_client(therapist)).get(
        reverse("intake:referral", args=[referral.public_id])
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "070-123 45 67" in text and "Weekdays 9-11" in text
    assert "waited 4 days" in text
    assert 'class="help-box' not in text  # staff pages; the help box is for participants
    event = AuditEvent.objects.get(action=AuditEvent.Action.RECORD_VIEWED, target_type="referral")
    assert event.actor == therapist and event.target_id == str(referral.public_id)
    assert event.detail == "contact details"


def test_first_contact_through_the_page(therapist, referral):
    client = verified_client(therapist)
    response = client.post(reverse("intake:referral_contact", args=[referral.public_id]))
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.first_contact_at is not None and referral.status == ReferralStatus.SCREENING


def screen(client: Client, referral: Referral, **overrides: object) -> object:
    data = {**SCREENING, "notes": "Calm call.", **overrides}
    data["motivation"] = str(data["motivation"])
    return client.post(reverse("intake:referral_screening", args=[referral.public_id]), data)


def test_screening_through_the_page_and_its_errors(therapist, referral):
    client = english(verified_client(therapist))
    page = client.get(reverse("intake:referral_screening", args=[referral.public_id]))
    assert page.status_code == 200 and "violence_kinds" in page.content.decode()
    bad = screen(client, referral, housing="", motivation="")
    assert bad.status_code == 400
    assert "Answer yes or no." in bad.content.decode()
    assert "Choose a number from 0 to 10." in bad.content.decode()
    assert screen(client, referral).status_code == 302
    detail = client.get(reverse("intake:referral", args=[referral.public_id])).content.decode()
    assert "Psychological, Controlling" in detail and "7/10" in detail and "Calm call." in detail
    again = client.get(reverse("intake:referral_screening", args=[referral.public_id]))
    assert 'value="7" class="scale" required id="id_motivation_7" checked' in again.content.decode()


def test_enrol_through_the_page(therapist, referral, programme):
    client = english(verified_client(therapist))
    enrol = reverse("intake:referral_enrol", args=[referral.public_id])
    response = client.post(enrol, {"email": "kim@example.org", "display_name": "Kim"})
    assert response.status_code == 400
    assert "Save the screening before enrolling." in response.content.decode()
    screen(client, referral)
    response = client.post(enrol, {"email": "not-an-address", "display_name": ""})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Write a whole email address" in text and "Write the name shown in Omtag." in text
    response = client.post(enrol, {"email": "kim@example.org", "display_name": "Kim"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ENROLLED
    assert referral.enrollment == Enrollment.objects.get(invitation__email="kim@example.org")


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        (
            "intake:referral_elsewhere",
            {"referred_to": "", "reason": "x"},
            "Write where the person is referred.",
        ),
        (
            "intake:referral_elsewhere",
            {"referred_to": "Manscentrum", "reason": ""},
            "Write why the person is referred elsewhere.",
        ),
        ("intake:referral_close", {"reason": ""}, "Write why the referral is closed."),
    ],
)
def test_refer_elsewhere_and_close_need_a_reason(url, data, message, therapist, referral):
    client = english(verified_client(therapist))
    response = client.post(reverse(url, args=[referral.public_id]), data)
    assert response.status_code == 400 and message in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.NEW


def test_refer_elsewhere_close_and_reopen_through_the_pages(therapist, other_therapist):
    first, second = make_referral(days_ago=3), make_referral(days_ago=5)
    client = english(verified_client(therapist))
    client.post(
        reverse("intake:referral_elsewhere", args=[first.public_id]),
        {"referred_to": "Manscentrum", "reason": "Wants to meet in person"},
    )
    first.refresh_from_db()
    assert first.status == ReferralStatus.REFERRED_ELSEWHERE
    page = client.get(reverse("intake:referral", args=[first.public_id])).content.decode()
    assert "Manscentrum" in page and "Wants to meet in person" in page
    assert "Reopen" not in page and "decided after 3 days" in page
    client.post(reverse("intake:referral_close", args=[second.public_id]), {"reason": "No answer"})
    # Another therapist reopens it: the queue is everyone's.
    other = english(verified_client(other_therapist))
    assert (
        other.post(
            reverse("intake:referral_reopen", args=[second.public_id]), {"reason": ""}
        ).status_code
        == 400
    )
    response = other.post(
        reverse("intake:referral_reopen", args=[second.public_id]), {"reason": "Called back"}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == ReferralStatus.NEW


def test_a_decided_referral_cannot_be_decided_again(therapist, referral):
    client = english(verified_client(therapist))
    client.post(reverse("intake:referral_close", args=[referral.public_id]), {"reason": "x"})
    response = client.post(
        reverse("intake:referral_elsewhere", args=[referral.public_id]),
        {"referred_to": "A", "reason": "B"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "This referral is already decided." in page
    screening = client.get(reverse("intake:referral_screening", args=[referral.public_id]))
    assert screening.status_code == 302


def test_entering_an_agency_referral_through_the_page(therapist, admin_user):
    client = english(verified_client(therapist))
    data = {
        "source": "police",
        "received_on": "2020-01-31",
        "agency": "Polisen",
        "agency_contact": "Inspector Berg",
        "consent_to_contact": "on",
        "name": "Robin",
        "phone": "+46 70 000 00 00",
        "safe_times": "",
        "may_leave_message": "unknown",
        "situation": "",
    }
    bad = client.post(reverse("intake:referral_new"), {**data, "source": "", "phone": "0"})
    assert bad.status_code == 400
    assert "Choose who referred the person." in bad.content.decode()
    assert 'value="Robin"' in bad.content.decode()
    response = client.post(reverse("intake:referral_new"), data)
    referral = Referral.objects.get()
    assert response["Location"] == reverse("intake:referral", args=[referral.public_id])
    assert referral.source == "police" and referral.consent_to_contact
    admin = verified_client(admin_user)
    response = admin.post(reverse("intake:referral_new"), {**data, "name": "Sam"})
    assert response["Location"] == reverse("intake:referrals")  # admins do not open details


def test_the_pages_pass_the_basic_accessibility_checks(therapist, referral):
    import re

    from tests.helpers import check_accessibility

    client = verified_client(therapist)
    closed = make_referral(days_ago=1)
    services.referral_close(actor=therapist, referral=closed, reason="x")
    pages = [
        "/help/",
        "/help/sent/",
        reverse("intake:referrals"),
        reverse("intake:referral_new"),
        reverse("intake:referral", args=[referral.public_id]),
        reverse("intake:referral", args=[closed.public_id]),
        reverse("intake:referral_screening", args=[referral.public_id]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        check_accessibility(html, url)
        ids = re.findall(r'\bid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), (url, sorted(i for i in ids if ids.count(i) > 1))
