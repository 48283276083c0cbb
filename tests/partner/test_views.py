"""The worker's pages through the browser's eyes: every page for every role, bad input, and
protected identity kept out of pages, the access log and its export."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from partner import services
from partner.models import Conversation, PartnerCase, PartnerConsent, RiskAssessment
from tests.helpers import (
    LOGIN,
    SECOND_FACTOR,
    client_as,
    make_user,
    outcome_of,
    verified_client,
)

TODAY = date.today()


@pytest.fixture
def assessment(case, partner_worker) -> RiskAssessment:
    return services.assessment_record(
        actor=partner_worker,
        case=case,
        assessed_on=TODAY,
        answers={"x_weapon": "yes"},
        description="",
        level="high",
    )


def partner_urls(case, assessment) -> dict[str, tuple[str, str]]:
    """Every URL of the partner namespace: name -> (path, method)."""
    e, c, a = case.enrollment.public_id, case.public_id, assessment.public_id
    consent = PartnerConsent.objects.filter(enrollment=case.enrollment).first()
    assert consent is not None
    return {
        "home": (reverse("partner:home"), "get"),
        "enrollment": (reverse("partner:enrollment", args=[e]), "get"),
        "consent_record": (reverse("partner:consent_record", args=[e]), "post"),
        "consent_withdraw": (
            reverse("partner:consent_withdraw", args=[e, consent.public_id]),
            "post",
        ),
        "case_open": (reverse("partner:case_open", args=[e]), "post"),
        "case": (reverse("partner:case", args=[c]), "get"),
        "case_contact": (reverse("partner:case_contact", args=[c]), "get"),
        "case_status": (reverse("partner:case_status", args=[c]), "post"),
        "conversation_new": (reverse("partner:conversation_new", args=[c]), "get"),
        "assessment_new": (reverse("partner:assessment_new", args=[c]), "get"),
        "assessment": (reverse("partner:assessment", args=[c, a]), "get"),
        "assessment_share": (reverse("partner:assessment_share", args=[c, a]), "post"),
        "safety_plan": (reverse("partner:safety_plan", args=[c]), "get"),
        "safety_plan_print": (reverse("partner:safety_plan_print", args=[c]), "get"),
        "admin_cases": (reverse("partner:admin_cases"), "get"),
        "admin_assign": (reverse("partner:admin_assign", args=[c]), "post"),
    }


ADMIN_PAGES = {"admin_cases", "admin_assign"}
# Pages about one treatment that any worker may open (to record consents, open a case).
ANY_WORKER = {"home", "enrollment", "consent_record", "consent_withdraw", "case_open"}


def test_the_matrix_names_every_url_of_the_app(case, assessment):
    from partner.urls import urlpatterns

    names = {pattern.name for pattern in urlpatterns}
    assert names == set(partner_urls(case, assessment))


@pytest.mark.parametrize(
    "who",
    [
        "assigned",
        "other_worker",
        "therapist",
        "participant",
        "editor",
        "lead",
        "admin",
        "anonymous",
        "unverified",
    ],
)
def test_every_page_for_every_role(who, case, assessment, cast, clinical_lead):
    people = {
        "assigned": cast["partner_worker"],
        "other_worker": make_user("worker2@example.org", ["partner_worker"], name="Per"),
        "therapist": cast["therapist"],
        "participant": cast["participant"],
        "editor": cast["editor"],
        "lead": clinical_lead,
        "admin": cast["admin"],
    }
    client = client_as(who, people, unverified_as="assigned")
    wrong = []
    for name, (path, method) in partner_urls(case, assessment).items():
        got = outcome_of(getattr(client, method)(path))
        if who == "anonymous":
            expected = {LOGIN}
        elif who == "unverified":
            expected = {SECOND_FACTOR}
        elif who == "admin":
            expected = {200, 302} if name in ADMIN_PAGES else {404}
        elif who == "assigned":
            expected = {404} if name in ADMIN_PAGES else {200, 302, 400}
        elif who == "other_worker":
            expected = {200, 302, 400} if name in ANY_WORKER else {404}
        else:
            expected = {404}
        if got not in expected:
            wrong.append((name, got))
    assert wrong == []


def test_a_case_page_shows_what_the_worker_needs(case, assessment, partner_worker):
    page = verified_client(partner_worker).get(reverse("partner:case", args=[case.public_id]))
    html = page.content.decode()
    assert "Sam" in html and "070-111 22 33" in html and "Weekdays 9-11" in html
    assert "Share the risk level" in html or "Dela risknivån" in html
    event = AuditEvent.objects.filter(
        action=AuditEvent.Action.RECORD_VIEWED, target_id=str(case.public_id)
    ).get()
    assert event.actor == partner_worker and event.subject is None


def test_bad_input_gets_a_message_and_saves_nothing(case, partner_worker):
    client = verified_client(partner_worker)
    url = reverse("partner:conversation_new", args=[case.public_id])
    for data in (
        {"held_on": "not a date", "form": "phone", "minutes": "30", "notes": "x"},
        {"held_on": str(TODAY + timedelta(days=3)), "form": "phone", "minutes": "30", "notes": "x"},
        {"held_on": str(TODAY), "form": "carrier pigeon", "minutes": "30", "notes": "x"},
        {"held_on": str(TODAY), "form": "phone", "minutes": "0", "notes": "x"},
        {"held_on": str(TODAY), "form": "phone", "minutes": "30", "notes": ""},
        {
            "held_on": str(TODAY),
            "form": "phone",
            "minutes": "30",
            "notes": "x",
            "pass_on_requested": "on",
            "pass_on_what": "",
        },
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert b'class="errorlist' in response.content, data
    assert not Conversation.objects.exists()
    response = client.post(
        reverse("partner:assessment_new", args=[case.public_id]),
        {"assessed_on": str(TODAY), "item-x_weapon": "perhaps", "level": "high"},
    )
    assert response.status_code == 400
    assert not RiskAssessment.objects.exists()
    # A withdrawal dated before the consent was given: refused, consent still standing.
    consent = PartnerConsent.objects.filter(enrollment=case.enrollment).first()
    response = client.post(
        reverse("partner:consent_withdraw", args=[case.enrollment.public_id, consent.public_id]),
        {"withdrawn_on": str(TODAY - timedelta(days=5)), "confirm": "on"},
    )
    assert response.status_code == 400
    assert b"before it was given" in response.content or b"innan det gavs" in response.content
    # Without ticking the confirmation box: refused too.
    response = client.post(
        reverse("partner:consent_withdraw", args=[case.enrollment.public_id, consent.public_id]),
        {"withdrawn_on": str(TODAY)},
    )
    assert response.status_code == 400
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_the_consent_form_offers_only_what_is_missing(enrollment, partner_worker):
    client = verified_client(partner_worker)
    url = reverse("partner:enrollment", args=[enrollment.public_id])
    assert client.get(url).content.count(b'<option value="inform"') == 1
    client.post(
        reverse("partner:consent_record", args=[enrollment.public_id]),
        {"kind": "inform", "given_on": str(TODAY)},
    )
    page = client.get(url).content
    assert b'<option value="inform"' not in page and b'<option value="share"' in page
    client.post(
        reverse("partner:consent_record", args=[enrollment.public_id]),
        {"kind": "share", "given_on": str(TODAY)},
    )
    assert b'name="kind"' not in client.get(url).content


def test_the_worker_journey_by_form(enrollment, partner_worker, therapist):
    client = verified_client(partner_worker)
    e = enrollment.public_id
    for kind in ("inform", "share"):
        response = client.post(
            reverse("partner:consent_record", args=[e]), {"kind": kind, "given_on": str(TODAY)}
        )
        assert response.status_code == 302
    response = client.post(
        reverse("partner:case_open", args=[e]),
        {"name": "Sam Partner", "phone": "070-222 33 44", "may_leave_message": "no"},
    )
    case = PartnerCase.objects.get()
    assert response["Location"] == reverse("partner:case", args=[case.public_id])
    response = client.post(
        reverse("partner:conversation_new", args=[case.public_id]),
        {"held_on": str(TODAY), "form": "phone", "minutes": "25", "notes": "Talked"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("partner:assessment_new", args=[case.public_id]),
        {
            "assessed_on": str(TODAY),
            "item-x_weapon": "yes",
            "item-d_physical": "weekly",
            "level": "acute",
        },
    )
    assert response.status_code == 302
    assessment = RiskAssessment.objects.get()
    assert assessment.answers == {"x_weapon": "yes", "d_physical": "weekly"}
    client.post(reverse("partner:assessment_share", args=[case.public_id, assessment.public_id]))
    overview = verified_client(therapist).get(reverse("therapist:participant", args=[e]))
    html = overview.content.decode()
    assert "Partner contact" in html or "Partnerkontakt" in html
    # Markers with a space: no random token (CSRF) can contain them by chance.
    assert "Talked" not in html and "Sam Partner" not in html
    response = client.post(
        reverse("partner:safety_plan", args=[case.public_id]),
        {"safe_places": "My sister's flat", "when_to_call_112": "If he comes to the door"},
    )
    assert response.status_code == 302
    printed = client.get(reverse("partner:safety_plan_print", args=[case.public_id]))
    text = printed.content.decode()
    assert "My sister&#x27;s flat" in text or "My sister's flat" in text
    assert "Sam Partner" not in text and "070-222" not in text and "site-nav" not in text


def test_protected_identity_stays_out_of_admin_pages_and_the_log(case, partner_worker, admin_user):
    client = verified_client(partner_worker)
    client.post(
        reverse("partner:case_contact", args=[case.public_id]),
        {
            "name": "Sam Hidden",
            "phone": "070-999 88 77",
            "address": "Hemliga gatan 1",
            "may_leave_message": "no",
            "protected_identity": "on",
        },
    )
    case.refresh_from_db()
    assert case.protected_identity and case.address == "Hemliga gatan 1"
    admin = verified_client(admin_user)
    pages = [
        admin.get(reverse("partner:admin_cases")).content,
        admin.get(reverse("administration:access_log")).content,
        b"".join(admin.get(reverse("administration:access_log") + "?format=csv").streaming_content),
    ]
    for content in pages:
        for secret in (b"070-999", b"Hemliga", b"Sam Hidden"):
            assert secret not in content
    assert case.reference.encode() in pages[0]
