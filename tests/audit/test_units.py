"""The access log names the unit the staff member acted in (HSLF-FS 2016:40 4 kap. 9 §)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import Role, User
from audit.models import AuditEvent
from modules.models import Enrollment
from modules.selectors import unit_of
from organisations.models import Organisation, Regime, Unit
from tests.helpers import enroll, make_programme, make_user, verified_client

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
    return enroll(person, worker, programme)


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


def test_unit_of_is_the_latest_enrollments(enrollment, participant, therapist):
    assert unit_of(participant) == enrollment.unit
    assert unit_of(therapist) is None
