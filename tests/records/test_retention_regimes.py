"""Retention by the law each organisation works under (docs/law.md): health care keeps a
record at least ten years after its last entry, social services clears it five years after
its last entry unless the research exception keeps it (whole organisation, or born on the
5th, 15th or 25th) or the day of birth is unknown; a closed partner case follows the same
rule on its own clock; an organisation whose setting the law refuses is left alone while the
others are done."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from accounts.personal_data import ANONYMISED
from audit.models import AuditEvent
from messaging.models import Message
from modules.models import Answer, Enrollment
from modules.personal_data import enrollment_export
from modules.services import enrollment_set_born_on_day
from organisations.models import Organisation, Regime, Unit
from organisations.selectors import first_unit
from partner.models import Conversation, PartnerCase, RiskAssessment, SafetyPlan
from partner.services import case_set_status
from records.models import Anonymisation
from tests.helpers import (
    ALEX,
    ROBIN,
    SECRETS,
    World,
    end_treatment,
    enroll,
    in_english,
    make_programme,
    make_user,
    verified_client,
    write_note_at,
)
from therapist.models import CaseNote

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("apply_retention", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def run_refused(match: str) -> str:
    """A run in which an organisation is refused: the others are done, the command fails."""
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=match):
        call_command("apply_retention", stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def years(n: float) -> timedelta:
    return timedelta(days=round(365.25 * n))


def first_organisation(**settings: Any) -> Organisation:
    organisation = first_unit().organisation
    for name, value in settings.items():
        setattr(organisation, name, value)
    organisation.save()
    return organisation


def social_services(**settings: Any) -> Organisation:
    return first_organisation(regime=Regime.SOCIAL_SERVICES, **settings)


def set_day(enrollment: Enrollment, day: int | None) -> None:
    Enrollment.objects.filter(pk=enrollment.pk).update(born_on_day=day)


def words_of(enrollment: Enrollment) -> str:
    """Everything the participant and their therapist wrote in the treatment."""
    return str(
        [
            list(Answer.objects.filter(enrollment=enrollment).values_list("value", flat=True)),
            list(
                Message.objects.filter(thread__enrollment=enrollment).values_list("body", flat=True)
            ),
            list(CaseNote.objects.filter(enrollment=enrollment).values_list("body", flat=True)),
        ]
    )


def cleared(enrollment: Enrollment) -> bool:
    return Anonymisation.objects.filter(kind="enrollment", object_pk=enrollment.pk).exists()


def other_organisation_treatment(name: str, regime: str, ended_years_ago: float) -> Enrollment:
    """A treatment in a second organisation (its own unit, therapist and participant), ended
    `ended_years_ago`, with a message and a note."""
    organisation = Organisation.objects.create(slug=name.lower(), name=name, regime=regime)
    unit = Unit.objects.create(organisation=organisation, slug="unit", name="Unit")
    therapist = make_user(f"t@{name}.example.org", [Role.THERAPIST], name="T", unit=unit)
    participant = make_user(f"p@{name}.example.org", [Role.PARTICIPANT], name="P", unit=unit)
    enrollment = enroll(participant, therapist, make_programme(modules=1))
    assert enrollment.unit_id == unit.pk
    write_note_at(enrollment, therapist, f"{name}-NOTE", years_ago=0)
    admin = make_user(f"a@{name}.example.org", [Role.ADMIN], name="A", unit=unit)
    return end_treatment(enrollment, admin, years_ago=ended_years_ago)


# --- Health care ------------------------------------------------------------------------------


def test_health_care_clears_just_after_ten_years_not_just_before(
    world: World, admin_user: User
) -> None:
    end_treatment(world.e_alex, admin_user, years_ago=10.02)
    end_treatment(world.e_robin, admin_user, years_ago=9.98)

    output = run()

    assert cleared(world.e_alex) and not cleared(world.e_robin)
    assert f"Anonymised treatment {world.e_alex.public_id}" in output
    assert "Omtag (Health care (patientdatalagen))" in output
    for mark in ALEX.values():
        assert mark not in words_of(world.e_alex)
    # The notes go with the record as a whole; the younger record keeps everything.
    assert set(CaseNote.objects.filter(enrollment=world.e_alex).values_list("body", flat=True)) == {
        ANONYMISED
    }
    assert ROBIN["message"] in words_of(world.e_robin)


def test_health_care_notes_are_kept_until_the_period_ends(
    world: World, admin_user: User, therapist: User
) -> None:
    end_treatment(world.e_alex, admin_user, years_ago=9)
    run()
    assert CaseNote.objects.get(enrollment=world.e_alex).body == SECRETS["note"]
    assert not cleared(world.e_alex)


def test_a_note_after_the_end_moves_the_clock(
    world: World, admin_user: User, therapist: User
) -> None:
    end_treatment(world.e_alex, admin_user, years_ago=12)
    write_note_at(world.e_alex, therapist, "WRITTEN-LATER", years_ago=9)
    run()
    assert not cleared(world.e_alex)
    assert "WRITTEN-LATER" in words_of(world.e_alex)

    social_services()
    set_day(world.e_alex, 3)
    end_treatment(world.e_robin, admin_user, years_ago=7)
    set_day(world.e_robin, 3)
    write_note_at(world.e_robin, therapist, "ROBIN-LATER", years_ago=4.9)
    run()
    # Alex: the latest entry (the note) is nine years old, past five: cleared now.
    assert cleared(world.e_alex) and "WRITTEN-LATER" not in words_of(world.e_alex)
    # Robin: ended seven years ago, but a note 4.9 years ago keeps the personakt.
    assert not cleared(world.e_robin) and "ROBIN-LATER" in words_of(world.e_robin)


def test_a_message_after_the_end_moves_the_clock_too(world: World, admin_user: User) -> None:
    end_treatment(world.e_alex, admin_user, years_ago=11)
    Message.objects.filter(thread__enrollment=world.e_alex).update(
        created_at=timezone.now() - years(9.5)
    )
    run()
    assert not cleared(world.e_alex)


# --- Social services --------------------------------------------------------------------------


def test_social_services_clears_just_after_five_years_not_just_before(
    world: World, admin_user: User
) -> None:
    social_services()
    end_treatment(world.e_alex, admin_user, years_ago=5.02)
    end_treatment(world.e_robin, admin_user, years_ago=4.98)
    set_day(world.e_alex, 3)
    set_day(world.e_robin, 3)

    output = run()

    assert cleared(world.e_alex) and not cleared(world.e_robin)
    assert "Omtag (Social services (socialtjänstlagen))" in output
    alex = User.objects.get(pk=world.alex.pk)
    assert not alex.is_active and alex.email.endswith("@anonymised.invalid")
    for mark in ALEX.values():
        assert mark not in words_of(world.e_alex)
    # Case notes: cleared with the personakt (the rule changed from "never touched").
    assert CaseNote.objects.get(enrollment=world.e_alex).body == ANONYMISED
    assert Enrollment.objects.get(pk=world.e_alex.pk).born_on_day is None
    assert ROBIN["reflection"] in words_of(world.e_robin)


def test_social_services_counts_the_persons_whole_record(
    world: World, admin_user: User, therapist: User
) -> None:
    """The personakt is the person's: a newer treatment in the same organisation keeps the
    older one until five years after the newer one's last entry."""
    social_services()
    end_treatment(world.e_alex, admin_user, years_ago=8)
    newer = enroll(world.alex, therapist, world.e_alex.programme)
    set_day(world.e_alex, 3)
    run()
    assert not cleared(world.e_alex)  # the newer treatment is open
    end_treatment(newer, admin_user, years_ago=4)
    run()
    assert not cleared(world.e_alex) and not cleared(newer)
    Enrollment.objects.filter(pk=newer.pk).update(status_changed_at=timezone.now() - years(5.5))
    run()
    assert cleared(world.e_alex) and cleared(newer)


def test_born_on_the_15th_is_kept_for_research(world: World, admin_user: User) -> None:
    social_services()
    end_treatment(world.e_alex, admin_user, years_ago=7)
    set_day(world.e_alex, 15)

    output = run()

    assert not cleared(world.e_alex)
    assert f"Marked treatment {world.e_alex.public_id}: kept for research" in output
    assert Anonymisation.objects.filter(
        kind="enrollment_archive", object_pk=world.e_alex.pk, basis="research"
    ).exists()
    assert ALEX["message"] in words_of(world.e_alex)
    assert User.objects.get(pk=world.alex.pk).is_active
    event = AuditEvent.objects.get(action=AuditEvent.Action.RECORD_KEPT_FOR_ARCHIVE)
    assert (event.subject_id, event.actor_id, event.actor_label) == (
        world.alex.pk,
        None,
        "retention",
    )
    # Once marked, a second run does nothing more.
    assert "Marked for the archive: 0." in run()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RECORD_KEPT_FOR_ARCHIVE).count() == 1


def test_a_whole_organisation_kept_for_research_clears_nothing(
    world: World, admin_user: User
) -> None:
    social_services(keeps_all_for_research=True)
    end_treatment(world.e_alex, admin_user, years_ago=20)
    end_treatment(world.e_robin, admin_user, years_ago=20)
    set_day(world.e_alex, 3)
    before = (words_of(world.e_alex), words_of(world.e_robin))

    run()

    assert (words_of(world.e_alex), words_of(world.e_robin)) == before
    # Both marked for the archive (the partner case is still open: not due).
    assert sorted(Anonymisation.objects.values_list("kind", "object_pk", "basis")) == sorted(
        [
            ("enrollment_archive", world.e_alex.pk, "research"),
            ("enrollment_archive", world.e_robin.pk, "research"),
        ]
    )


def test_an_unknown_day_of_birth_is_kept_and_listed(
    world: World, admin_user: User, therapist: User
) -> None:
    social_services()
    end_treatment(world.e_alex, admin_user, years_ago=6)
    before = words_of(world.e_alex)

    output = run()

    assert f"Needs the day of birth: treatment {world.e_alex.public_id}" in output
    assert "Needs the day of birth: 1." in output
    assert words_of(world.e_alex) == before and not Anonymisation.objects.exists()
    # The admin enters the day (not one of the research days): the next run clears it.
    enrollment_set_born_on_day(actor=admin_user, enrollment=world.e_alex, day=4)
    assert f"Anonymised treatment {world.e_alex.public_id}" in run()
    assert cleared(world.e_alex)
    # A cleared record takes no day of birth any more, and the admin's page no longer asks.
    with pytest.raises(ValidationError):
        enrollment_set_born_on_day(
            actor=admin_user, enrollment=Enrollment.objects.get(pk=world.e_alex.pk), day=15
        )
    html = in_english(verified_client(admin_user)).get(reverse("administration:participants"))
    assert f"bd-{world.e_alex.public_id}" not in html.content.decode()
    assert f"bd-{world.e_robin.public_id}" in html.content.decode()


# --- The partner track ------------------------------------------------------------------------


def _close_partner_case(world: World, worker: User, *, years_ago: float) -> PartnerCase:
    case = PartnerCase.objects.get(enrollment=world.e_alex)
    if case.status != "closed":
        case_set_status(actor=worker, case=case, status="closed")
    at = timezone.now() - years(years_ago)
    PartnerCase.objects.filter(pk=case.pk).update(status_changed_at=at, created_at=at)
    Conversation.objects.filter(case=case).update(recorded_at=at)
    RiskAssessment.objects.filter(case=case).update(created_at=at)
    SafetyPlan.objects.filter(case=case).update(updated_at=at)
    return PartnerCase.objects.get(pk=case.pk)


def test_a_closed_partner_case_is_cleared_by_its_rule_and_not_before(
    world: World, partner_worker: User
) -> None:
    case = _close_partner_case(world, partner_worker, years_ago=9.9)
    run()
    fresh = PartnerCase.objects.get(pk=case.pk)
    assert fresh.name == SECRETS["partner_name"]
    assert not Anonymisation.objects.filter(kind="partner_case").exists()

    # A conversation recorded later moves the clock too.
    case = _close_partner_case(world, partner_worker, years_ago=10.1)
    Conversation.objects.filter(case=case).update(recorded_at=timezone.now() - years(9))
    run()
    assert not Anonymisation.objects.filter(kind="partner_case").exists()

    Conversation.objects.filter(case=case).update(recorded_at=timezone.now() - years(10.1))
    output = run()
    assert f"Anonymised partner case {case.public_id}" in output
    fresh = PartnerCase.objects.get(pk=case.pk)
    assert (fresh.name, fresh.phone, fresh.safe_times) == (ANONYMISED, "", ANONYMISED)
    assert fresh.status == "closed"  # what the figures count stays
    notes = set(Conversation.objects.filter(case=case).values_list("notes", flat=True))
    assert notes == {ANONYMISED}
    assert Conversation.objects.filter(case=case, minutes=30).exists()
    event = AuditEvent.objects.get(
        action=AuditEvent.Action.RECORD_ANONYMISED, target_type="partner_case"
    )
    assert (event.target_id, event.subject_id, event.actor_label) == (
        str(case.public_id),
        None,
        "retention",
    )
    # The participant's own treatment is still open: untouched.
    assert ALEX["message"] in words_of(world.e_alex)


def test_an_open_partner_case_is_never_cleared(world: World) -> None:
    case = PartnerCase.objects.get(enrollment=world.e_alex)
    PartnerCase.objects.filter(pk=case.pk).update(status_changed_at=timezone.now() - years(30))
    Conversation.objects.filter(case=case).update(recorded_at=timezone.now() - years(30))
    run()
    assert PartnerCase.objects.get(pk=case.pk).name == SECRETS["partner_name"]


def test_social_services_keeps_a_partner_case_without_a_day_of_birth(
    world: World, partner_worker: User
) -> None:
    social_services()
    case = _close_partner_case(world, partner_worker, years_ago=6)
    output = run()
    assert f"Needs the day of birth: partner case {case.public_id}" in output
    assert PartnerCase.objects.get(pk=case.pk).name == SECRETS["partner_name"]


# --- Refused settings -------------------------------------------------------------------------


def test_a_health_care_setting_of_five_is_refused_for_that_organisation_only(
    world: World, admin_user: User
) -> None:
    first_organisation(retention_years=5)
    end_treatment(world.e_alex, admin_user, years_ago=11)
    elsewhere = other_organisation_treatment("Region", Regime.HEALTH_CARE, ended_years_ago=11)

    output = run_refused("Omtag: a patient record is kept at least ten years")

    assert "patientdatalagen (2008:355) 3 kap. 17 §" in output
    assert "Refused, nothing done: Omtag" in output
    assert not cleared(world.e_alex) and ALEX["message"] in words_of(world.e_alex)
    assert cleared(elsewhere) and "Region-NOTE" not in words_of(elsewhere)


def test_a_social_services_period_other_than_five_is_refused(
    world: World, admin_user: User
) -> None:
    social_services(retention_years=10)
    set_day(world.e_alex, 3)
    end_treatment(world.e_alex, admin_user, years_ago=11)
    elsewhere = other_organisation_treatment("Kommun", Regime.SOCIAL_SERVICES, 5.5)
    set_day(elsewhere, 4)

    output = run_refused("Omtag: a social-services record is cleared five years")

    assert "socialtjänstlagen (2001:453) 12 kap. 1 §" in output
    assert not cleared(world.e_alex) and cleared(elsewhere)


# --- Idempotence ------------------------------------------------------------------------------


def _state() -> Any:
    return (
        list(Anonymisation.objects.order_by("pk").values_list("kind", "object_pk", "basis")),
        list(AuditEvent.objects.order_by("pk").values_list("pk", "action")),
        list(CaseNote.objects.order_by("pk").values_list("body", flat=True)),
        list(PartnerCase.objects.order_by("pk").values_list("name", "phone")),
        list(Enrollment.objects.order_by("pk").values_list("status_reason", "born_on_day")),
        list(Message.objects.order_by("pk").values_list("body", flat=True)),
    )


def test_running_twice_changes_nothing(
    world: World, admin_user: User, partner_worker: User
) -> None:
    social_services()
    end_treatment(world.e_alex, admin_user, years_ago=6)
    end_treatment(world.e_robin, admin_user, years_ago=6)
    set_day(world.e_alex, 25)  # kept for research
    _close_partner_case(world, partner_worker, years_ago=6)  # needs a day of birth
    other_organisation_treatment("Region", Regime.HEALTH_CARE, ended_years_ago=11)
    run()  # Robin: unknown day, listed
    first = _state()
    output = run()
    assert _state() == first
    assert "Anonymised: 0 treatments, 0 accounts, 0 other parts" in output


# --- The day of birth -------------------------------------------------------------------------


def test_the_day_of_birth_is_set_by_the_units_admin_only_and_logged_without_the_day(
    world: World, admin_user: User, therapist: User
) -> None:
    enrollment_set_born_on_day(actor=admin_user, enrollment=world.e_alex, day=15)
    assert Enrollment.objects.get(pk=world.e_alex.pk).born_on_day == 15
    event = AuditEvent.objects.get(action=AuditEvent.Action.ENROLLMENT_BORN_ON_DAY_SET)
    assert event.detail == "set" and "15" not in event.detail
    for day in (0, 32):
        with pytest.raises(ValidationError):
            enrollment_set_born_on_day(actor=admin_user, enrollment=world.e_alex, day=day)
    # An admin of another organisation may not, nor the participant.
    organisation = Organisation.objects.create(
        slug="other", name="Other", regime=Regime.HEALTH_CARE
    )
    unit = Unit.objects.create(organisation=organisation, slug="u", name="U")
    stranger = make_user("stranger@example.org", [Role.ADMIN], name="S", unit=unit)
    for actor in (stranger, world.alex):
        with pytest.raises(PermissionDenied):
            enrollment_set_born_on_day(actor=actor, enrollment=world.e_alex, day=3)
    # The care team may.
    enrollment_set_born_on_day(actor=therapist, enrollment=world.e_alex, day=None)
    fresh = Enrollment.objects.get(pk=world.e_alex.pk)
    assert fresh.born_on_day is None
    # It is the participant's data: in their own file.
    Enrollment.objects.filter(pk=fresh.pk).update(born_on_day=7)
    assert enrollment_export(Enrollment.objects.get(pk=fresh.pk))["born_on_day"] == 7


def test_the_admin_sees_what_needs_the_day_of_birth_and_enters_it(
    world: World, admin_user: User
) -> None:
    page = reverse("administration:participants")
    client = in_english(verified_client(admin_user))
    # Health care: the day of birth is not asked for (nothing needs it).
    assert "Day of the month of birth" not in client.get(page).content.decode()

    social_services()
    end_treatment(world.e_alex, admin_user, years_ago=6)
    html = client.get(page).content.decode()
    assert html.count("Needs the day of birth") == 1  # Alex's ended record, not Robin's
    url = reverse("administration:set_born_on_day", args=[world.e_alex.public_id])
    client.post(url, {"born_on_day": "32"})
    assert Enrollment.objects.get(pk=world.e_alex.pk).born_on_day is None
    client.post(url, {"born_on_day": "15"})
    assert Enrollment.objects.get(pk=world.e_alex.pk).born_on_day == 15
    assert "Needs the day of birth" not in client.get(page).content.decode()

    # Another organisation's admin: 404, as for a treatment that does not exist.
    organisation = Organisation.objects.create(
        slug="other", name="Other", regime=Regime.SOCIAL_SERVICES
    )
    unit = Unit.objects.create(organisation=organisation, slug="u", name="U")
    stranger = make_user("stranger@example.org", [Role.ADMIN], name="S", unit=unit)
    response = verified_client(stranger).post(url, {"born_on_day": "3"})
    assert response.status_code == 404
    assert Enrollment.objects.get(pk=world.e_alex.pk).born_on_day == 15
