"""What each organisation sets for itself reaches its own people and no one else's: the help
box and crisis lines, the ask-for-help form and its queue, the emails' sender name, and the
report's smallest group."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from accounts.emails import send_discreet_email
from accounts.models import Role
from accounts.services import invitation_create
from audit.models import AuditEvent
from content.models import OrganisationHelp
from intake.models import Referral
from organisations.models import Organisation, Regime, Unit
from organisations.selectors import first_unit
from reports.selectors import min_group
from tests.helpers import form_data, make_user, verified_client

pytestmark = pytest.mark.django_db


def _organisation(slug: str, name: str, **fields: object) -> Unit:
    organisation = Organisation.objects.create(
        slug=slug, name=name, regime=Regime.SOCIAL_SERVICES, **fields
    )
    return Unit.objects.create(organisation=organisation, slug="enheten", name=f"{name} enhet")


def _line(name: str, number: str) -> dict[str, str]:
    return {"name": name, "number": number, "hours": "vardagar 8-16", "hours_en": "weekdays"}


@pytest.fixture
def two() -> tuple[Unit, Unit]:
    return _organisation("alby", "Alby kommun"), _organisation("bstad", "Bstad kommun")


# --- The help box -----------------------------------------------------------------------------


def test_each_participant_sees_their_own_organisations_crisis_lines(two):
    a, b = two
    OrganisationHelp.objects.create(
        organisation=a.organisation, crisis_lines=[_line("Alby jourlinje", "0123-111 11")]
    )
    OrganisationHelp.objects.create(
        organisation=b.organisation,
        crisis_lines=[_line("Bstad stödlinje", "0456-222 22")],
        site_display_name="Stöd i Bstad",
    )
    in_a = make_user("pa@example.org", [Role.PARTICIPANT], unit=a)
    in_b = make_user("pb@example.org", [Role.PARTICIPANT], unit=b)
    page_a = verified_client(in_a).get("/participant/").content.decode()
    page_b = verified_client(in_b).get("/participant/").content.decode()
    assert "Alby jourlinje" in page_a and "0123-111 11" in page_a and "112" in page_a
    assert "Bstad" not in page_a
    assert "Bstad stödlinje" in page_b and "Stöd i Bstad</title>" in page_b
    assert "Alby" not in page_b


def test_an_organisation_without_its_own_lines_shows_the_installations(two, participant):
    a, _b = two
    OrganisationHelp.objects.create(
        organisation=a.organisation, crisis_lines=[_line("Alby jourlinje", "0123-111 11")]
    )
    page = verified_client(participant).get("/participant/").content.decode()
    assert "020-555 666" in page and "Alby" not in page


def test_the_organisations_editor_sets_the_lines_and_no_other_organisations(two):
    a, b = two
    editor = make_user("ed@alby.example", [Role.EDITOR], unit=a)
    client = verified_client(editor)
    assert client.get("/editor/organisation-help/", follow=True).status_code == 200
    url = f"/editor/organisation-help/{a.organisation.public_id}/"
    data = {
        "site_display_name": "",
        "emergency_number": "",
        "not_realtime_sv": "Vi läser meddelanden på vardagar.",
        "not_realtime_en": "",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "12",
        "lines-0-name": "Alby <b>jour</b>",
        "lines-0-number": "0123-111 11",
        "lines-0-hours": "dygnet runt",
        "lines-0-hours_en": "",
        "lines-1-name": "",
        "lines-1-number": "",
        "lines-1-hours": "",
        "lines-1-hours_en": "",
    }
    assert client.post(url, data).status_code == 302
    stored = OrganisationHelp.objects.get(organisation=a.organisation)
    assert stored.crisis_lines == [
        {
            "name": "Alby <b>jour</b>",
            "number": "0123-111 11",
            "hours": "dygnet runt",
            "hours_en": "",
        }
    ]
    assert AuditEvent.objects.filter(action="organisation_help_changed", actor=editor).exists()
    participant = make_user("pa@example.org", [Role.PARTICIPANT], unit=a)
    page = verified_client(participant).get("/participant/").content.decode()
    assert "Alby &lt;b&gt;jour&lt;/b&gt;" in page and "Vi läser meddelanden på vardagar." in page
    # Another organisation's help box is not there for this editor.
    other = f"/editor/organisation-help/{b.organisation.public_id}/"
    assert client.get(other).status_code == 404
    assert client.post(other, data).status_code == 404
    assert not OrganisationHelp.objects.filter(organisation=b.organisation).exists()


def test_a_half_filled_line_saves_nothing(two):
    a, _b = two
    editor = make_user("ed@alby.example", [Role.EDITOR], unit=a)
    url = f"/editor/organisation-help/{a.organisation.public_id}/"
    response = verified_client(editor).post(
        url,
        {
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-name": "Alby jour",
            "lines-0-number": "",
            "lines-0-hours": "",
        },
    )
    assert response.status_code == 400
    assert not OrganisationHelp.objects.exists()


# --- The ask-for-help form --------------------------------------------------------------------


def test_a_request_sent_on_one_organisations_form_lands_in_its_queue_only(two):
    a, b = two
    ta = make_user("ta@example.org", [Role.THERAPIST], unit=a)
    tb = make_user("tb@example.org", [Role.THERAPIST], unit=b)
    client = Client()
    page = client.get("/help/alby/")
    assert page.status_code == 200 and 'name="website"' in page.content.decode()
    response = client.post("/help/alby/", form_data(name="Kim från Alby"))
    assert response.status_code == 302 and response["Location"] == "/help/sent/"
    referral = Referral.objects.get()
    assert referral.unit == a
    assert "Kim från Alby" in verified_client(ta).get("/help/referrals/").content.decode()
    assert "Kim från Alby" not in verified_client(tb).get("/help/referrals/").content.decode()


def test_the_chosen_unit_receives_the_requests(two):
    a, _b = two
    second = Unit.objects.create(organisation=a.organisation, slug="norra", name="Norra")
    a.organisation.help_unit = second
    a.organisation.save(update_fields=["help_unit"])
    Client().post("/help/alby/", form_data())
    assert Referral.objects.get().unit == second


def test_with_several_organisations_help_lists_them_and_unknown_ones_are_404(two):
    first_unit()
    page = Client().get("/help/").content.decode()
    assert 'href="/help/alby/"' in page and 'href="/help/bstad/"' in page
    assert 'href="/help/omtag/"' in page and 'name="phone"' not in page
    assert Client().get("/help/nowhere/").status_code == 404
    # An organisation without units has no form (and its requests never go elsewhere).
    Organisation.objects.create(slug="tom", name="Tom", regime=Regime.HEALTH_CARE)
    assert Client().get("/help/tom/").status_code == 404
    assert Client().post("/help/tom/", form_data()).status_code == 404
    assert not Referral.objects.exists()


def test_with_one_organisation_help_is_its_form():
    unit = first_unit()
    client = Client()
    assert 'name="phone"' in client.get("/help/").content.decode()
    assert client.post("/help/", form_data()).status_code == 302
    assert Referral.objects.get().unit == unit


def test_the_forms_protections_hold_on_every_organisations_form(two, settings):
    settings.INTAKE_RATE_LIMIT_PER_HOUR = 2
    client = Client()
    # The honeypot and the one-time token.
    assert client.post("/help/alby/", form_data(website="http://spam")).status_code == 400
    once = form_data()
    assert client.post("/help/alby/", once, REMOTE_ADDR="10.1.1.1").status_code == 302
    assert client.post("/help/bstad/", once, REMOTE_ADDR="10.1.1.1").status_code == 409
    # The hour's limit counts every form from the same address.
    assert client.post("/help/bstad/", form_data(), REMOTE_ADDR="10.1.1.1").status_code == 429
    assert Referral.objects.count() == 1


def test_the_form_shows_its_organisations_lines(two):
    a, _b = two
    OrganisationHelp.objects.create(
        organisation=a.organisation, crisis_lines=[_line("Alby jourlinje", "0123-111 11")]
    )
    assert "Alby jourlinje" in Client().get("/help/alby/").content.decode()
    assert "Alby jourlinje" not in Client().get("/help/bstad/").content.decode()


# --- The sender name --------------------------------------------------------------------------


def test_discreet_emails_come_from_the_recipients_organisations_sender_name(two, settings):
    settings.DEFAULT_FROM_EMAIL = "Omtag <no-reply@omtag.example>"
    a, b = two
    a.organisation.sender_name = "Alby kommun"
    a.organisation.save(update_fields=["sender_name"])
    in_a = make_user("pa@example.org", [Role.PARTICIPANT], unit=a)
    in_b = make_user("pb@example.org", [Role.PARTICIPANT], unit=b)
    send_discreet_email(in_a, "messaging/email/new_message")
    send_discreet_email(in_b, "messaging/email/new_message")
    assert mail.outbox[0].from_email == '"Alby kommun" <no-reply@omtag.example>'
    assert mail.outbox[1].from_email == "Omtag <no-reply@omtag.example>"
    message = mail.outbox[0].message()
    assert "Alby kommun" in str(message["From"])


def test_the_invitation_comes_from_the_inviting_organisations_sender_name(
    two, settings, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "no-reply@omtag.example"
    a, _b = two
    a.organisation.sender_name = 'Alby "stöd"\nBcc: x@evil.example'
    a.organisation.save(update_fields=["sender_name"])
    therapist = make_user("ta@example.org", [Role.THERAPIST], unit=a)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(actor=therapist, email="new@example.org", roles=[Role.PARTICIPANT])
    sent = mail.outbox[-1]
    assert sent.from_email == '"Alby \\"stöd\\" Bcc: x@evil.example" <no-reply@omtag.example>'
    assert sent.to == ["new@example.org"]
    sent.message()  # the header is one line: no error


# --- The report's smallest group --------------------------------------------------------------


def test_the_report_hides_groups_under_the_viewers_organisations_smallest_group(two, settings):
    settings.REPORT_MIN_GROUP = 5
    a, b = two
    a.organisation.min_group = 9
    a.organisation.save(update_fields=["min_group"])
    lead_a = make_user("la@example.org", [Role.ORG_LEAD], unit=a)
    lead_b = make_user("lb@example.org", [Role.ORG_LEAD], unit=b)
    assert min_group(lead_a) == 9
    assert min_group(lead_b) == 5
    assert min_group() == 5
    page = verified_client(lead_a).get("/reports/").content.decode()
    assert "färre än 9" in page
    assert "färre än 9" not in verified_client(lead_b).get("/reports/").content.decode()
