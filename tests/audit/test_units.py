"""The access log names the unit the staff member acted in (HSLF-FS 2016:40 4 kap. 9 §); a
person's own extract names it too, with staff names only where their organisation chose so;
the interface's words follow the organisation's regime."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import Role, User
from audit.models import AuditEvent
from modules.models import Enrollment
from modules.selectors import organisation_of, unit_of
from organisations.models import Organisation, Regime, Unit
from tests.helpers import enroll, make_programme, make_user, offer_everywhere, verified_client

pytestmark = pytest.mark.django_db


def _reads_of(participant: User) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(subject=participant, action=AuditEvent.Action.RECORD_VIEWED)
    )


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def programme():
    return make_programme(modules=2, answers_per_module=1)


@pytest.fixture
def enrollment(programme, participant, therapist) -> Enrollment:
    return enroll(participant, therapist, programme)


@pytest.fixture
def municipality() -> Unit:
    """A second organisation, under the social services act, with one unit of its own."""
    organisation = Organisation.objects.create(
        slug="kommunen", name="Kommunen", regime=Regime.SOCIAL_SERVICES
    )
    return Unit.objects.create(organisation=organisation, slug="vp", name="Våldsprevention")


@pytest.fixture
def elsewhere(municipality, programme) -> Enrollment:
    """A participant treated in the municipality by its own therapist."""
    worker = make_user("socionom@example.org", [Role.THERAPIST], name="Sara", unit=municipality)
    person = make_user("klient@example.org", [Role.PARTICIPANT], name="Kim", unit=municipality)
    return enroll(person, worker, offer_everywhere(programme))


def _open_overview(enrollment: Enrollment) -> None:
    assert enrollment.therapist is not None
    url = reverse("therapist:participant", args=[enrollment.public_id])
    assert verified_client(enrollment.therapist).get(url).status_code == 200


# --- The unit in the log -------------------------------------------------------------------


def test_reading_the_overview_writes_the_enrollments_unit(enrollment, participant):
    _open_overview(enrollment)
    rows = _reads_of(participant)
    assert rows and all(row.unit_id == enrollment.unit_id for row in rows)
    assert {row.unit_label for row in rows} == {"Omtag / Enheten"}


def test_a_renamed_unit_leaves_the_old_name_in_old_rows(enrollment, participant):
    _open_overview(enrollment)
    unit = enrollment.unit
    unit.name = "Mottagningen"
    unit.save(update_fields=["name"])
    enrollment.refresh_from_db()
    _open_overview(enrollment)
    labels = [row.unit_label for row in _reads_of(participant)]
    assert "Omtag / Enheten" in labels and "Omtag / Mottagningen" in labels


def test_each_organisations_reads_carry_its_own_unit(enrollment, elsewhere):
    _open_overview(elsewhere)
    rows = _reads_of(elsewhere.participant)
    assert rows and {row.unit_label for row in rows} == {"Kommunen / Våldsprevention"}


def test_logging_in_names_no_unit(participant):
    verified_client(participant)  # force_login sends user_logged_in
    login = AuditEvent.objects.filter(actor=participant, action=AuditEvent.Action.LOGIN).get()
    assert login.unit_id is None and login.unit_label == ""


def test_writes_about_a_treatment_name_its_unit(enrollment, therapist, participant):
    from therapist.services import note_add

    note_add(actor=therapist, enrollment=enrollment, body="Samtal om veckan.")
    event = AuditEvent.objects.get(action=AuditEvent.Action.NOTE_WRITTEN)
    assert event.unit_id == enrollment.unit_id and event.unit_label == "Omtag / Enheten"


def test_unit_of_is_the_latest_enrollments(enrollment, participant, therapist, municipality):
    assert unit_of(participant) == enrollment.unit
    assert unit_of(therapist) is None
    assert organisation_of(therapist) == enrollment.unit.organisation
    other = make_user("ny@example.org", [Role.THERAPIST], unit=municipality)
    assert organisation_of(other) == municipality.organisation


# --- The person's own extract --------------------------------------------------------------


def test_the_extract_names_the_unit_and_no_staff_by_default(enrollment, participant, therapist):
    _open_overview(enrollment)
    response = verified_client(participant).get(reverse("accounts:my_access_log"))
    rows = _csv(response)
    assert rows[0] == ["Tid", "Enhet", "Roll", "Vad"]
    assert len(rows) > 1 and all(row[1] == "Omtag / Enheten" for row in rows[1:])
    text = response.content.decode()
    assert therapist.email not in text and therapist.display_name not in text


def test_the_extract_names_staff_when_the_organisation_says_so(enrollment, participant, therapist):
    Organisation.objects.filter(pk=enrollment.unit.organisation_id).update(
        staff_names_in_extract=True
    )
    _open_overview(enrollment)
    rows = _csv(verified_client(participant).get(reverse("accounts:my_access_log")))
    assert rows[0] == ["Tid", "Enhet", "Roll", "Personal", "Vad"]
    assert len(rows) > 1
    assert all(row[1] == "Omtag / Enheten" and row[3] == therapist.display_name for row in rows[1:])


def test_the_extract_holds_no_other_organisations_or_partner_reads(
    enrollment, participant, partner_worker, elsewhere
):
    Organisation.objects.filter(pk=elsewhere.unit.organisation_id).update(
        staff_names_in_extract=True
    )
    _open_overview(elsewhere)
    page = verified_client(partner_worker).get(
        reverse("partner:enrollment", args=[enrollment.public_id])
    )
    assert page.status_code == 200
    partner_reads = AuditEvent.objects.filter(
        actor=partner_worker, action=AuditEvent.Action.RECORD_VIEWED
    )
    assert partner_reads.exists() and not partner_reads.filter(subject__isnull=False).exists()
    assert {read.unit_id for read in partner_reads} == {enrollment.unit_id}
    response = verified_client(participant).get(reverse("accounts:my_access_log"))
    text = response.content.decode()
    assert _csv(response) == [["Tid", "Enhet", "Roll", "Vad"]]
    assert "Kommunen" not in text and "Sara" not in text and "partner" not in text.lower()


def test_the_security_page_says_what_the_extract_holds(enrollment, participant):
    client = verified_client(participant)
    page = client.get(reverse("accounts:security")).content.decode()
    assert "från vilken enhet och i vilken roll (inte namn)" in page
    Organisation.objects.filter(pk=enrollment.unit.organisation_id).update(
        staff_names_in_extract=True
    )
    page = client.get(reverse("accounts:security")).content.decode()
    assert "från vilken enhet, i vilken roll och vem" in page


# --- The admin's access log ----------------------------------------------------------------


def test_the_admin_log_shows_and_filters_by_unit(enrollment, admin_user, municipality):
    _open_overview(enrollment)
    second = Unit.objects.create(
        organisation=enrollment.unit.organisation, slug="andra", name="Andra enheten"
    )
    client = verified_client(admin_user)
    url = reverse("administration:access_log")
    page = client.get(url)
    body = page.content.decode()
    assert "Omtag / Enheten" in body and "Omtag / Andra enheten" in body
    # Only the units the admin covers are offered.
    assert "Våldsprevention" not in body
    total = page.context["page"].paginator.count
    assert total > 0
    chosen = client.get(url, {"unit": str(enrollment.unit.public_id)})
    assert chosen.context["page"].paginator.count == total
    assert chosen.context["chosen"]["unit"] == str(enrollment.unit.public_id)
    assert client.get(url, {"unit": str(second.public_id)}).context["page"].paginator.count == 0
    # Another organisation's unit is dropped like a malformed id, not used as a filter.
    foreign = client.get(url, {"unit": str(municipality.public_id)})
    assert foreign.context["chosen"]["unit"] == ""
    assert client.get(url, {"unit": "garbage"}).status_code == 200
    response = client.get(url, {"format": "csv", "unit": str(enrollment.unit.public_id)})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][-1] == "unit" and {row[-1] for row in rows[1:]} == {"Omtag / Enheten"}


def test_a_unit_name_that_looks_like_a_formula_is_written_as_text(enrollment, participant):
    Unit.objects.filter(pk=enrollment.unit_id).update(name='=HYPERLINK("http://x","y")')
    enrollment = Enrollment.objects.get(pk=enrollment.pk)
    _open_overview(enrollment)
    rows = _csv(verified_client(participant).get(reverse("accounts:my_access_log")))
    assert rows[1][1] == 'Omtag / =HYPERLINK("http://x","y")'
    Organisation.objects.filter(pk=enrollment.unit.organisation_id).update(name="=1+1")
    enrollment = Enrollment.objects.get(pk=enrollment.pk)
    _open_overview(enrollment)
    rows = _csv(verified_client(participant).get(reverse("accounts:my_access_log")))
    assert rows[1][1].startswith("'=1+1 / ")


# --- Words per regime ----------------------------------------------------------------------


def test_the_same_page_says_personakt_or_journal_by_the_participants_organisation(
    enrollment, participant, elsewhere
):
    health = verified_client(participant).get(reverse("accounts:security")).content.decode()
    social = (
        verified_client(elsewhere.participant).get(reverse("accounts:security")).content.decode()
    )
    assert "Vem som har läst din journal" in health and "personakt" not in health
    assert "Vem som har läst din personakt" in social and "din journal" not in social
    mine = verified_client(elsewhere.participant).get(reverse("records:my_data")).content.decode()
    assert "Nedladdningen antecknas i loggen för din personakt." in mine
    # The file the person keeps says it too, though it is made without the page's context.
    kept = verified_client(elsewhere.participant).post(
        reverse("records:my_data_download"), {"format": "html"}
    )
    assert "Vem som har öppnat din personakt" in kept.content.decode()


def test_staff_see_their_organisations_word(enrollment, elsewhere, admin_user, municipality):
    url = reverse("administration:access_log")
    assert "öppnade en journal" in verified_client(admin_user).get(url).content.decode()
    admin = make_user("adm@kommunen.example", [Role.ADMIN], unit=municipality)
    assert "öppnade en personakt" in verified_client(admin).get(url).content.decode()
