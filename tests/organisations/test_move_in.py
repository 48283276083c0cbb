"""An installation from before organisations existed moves into one organisation, "Omtag"
(health care), with one unit, "Enheten", and loses nothing on the way.

The database is migrated back to the schema of before (accounts 0003, audit 0008, modules
0007, intake 0003, no organisations app), filled through the historical models with every
kind of record a running service holds, and migrated forward again: every row is still there
with the same content, and each now belongs to the one organisation and its unit. The test
leaves the database migrated to the latest, as the tests after it expect."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps as live_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps
from django.utils import timezone

from accounts.models import Invitation, RoleGrant
from audit.models import AuditEvent
from intake.models import Referral
from modules.models import Enrollment
from organisations.models import Organisation, Unit
from tests.helpers import make_programme, modules_of

# The state just before the organisations app (issue 17).
BEFORE = [
    ("accounts", "0003_org_lead_role"),
    ("audit", "0008_action_without_choices"),
    ("modules", "0007_risk_signal_details"),
    ("intake", "0003_sent_form_token"),
    ("organisations", None),
]
# Apps whose every row is compared before and after (each model's concrete columns).
COMPARED_APPS = (
    "accounts",
    "audit",
    "modules",
    "messaging",
    "measures",
    "intake",
    "partner",
    "therapist",
    "records",
)
# Added by the move: not in the old schema, so not compared.
# Columns added by the organisations work (and the day of birth the retention rule needs),
# and by e-ID and single sign-on later.
NEW_COLUMNS = {
    "organisation_id",
    "unit_id",
    "unit_label",
    "born_on_day",
    "identity_hash",
    "employee_id",
}

STAFF_ROLES = ["therapist", "partner_worker", "editor", "clinical_lead", "org_lead", "admin"]


def old_state_apps(executor: MigrationExecutor) -> StateApps:
    """The historical models of the schema the database has now (the loader's graph built
    after migrating back): every migration still applied, and none of those undone."""
    graph = executor.loader.graph
    applied = [node for node in executor.loader.applied_migrations if node in graph.nodes]
    return executor.loader.project_state(applied).apps


def snapshot(apps: Any) -> dict[str, list[dict[str, Any]]]:
    """Every row of COMPARED_APPS, by model, ordered by primary key."""
    rows = {}
    for label in COMPARED_APPS:
        for model in apps.get_app_config(label).get_models():
            columns = [f.attname for f in model._meta.concrete_fields]
            columns = [c for c in columns if c not in NEW_COLUMNS]
            key = model._meta.label_lower
            rows[key] = list(model.objects.order_by("pk").values(*columns))
    return rows


def fill_old_schema(apps: Any, programme_pk: int, module_pks: list[int]) -> None:
    """One of every kind of record, written as the old code would have written it."""
    now = timezone.now()
    User = apps.get_model("accounts", "User")
    RoleGrant = apps.get_model("accounts", "RoleGrant")
    Invitation = apps.get_model("accounts", "Invitation")

    def person(email: str, *roles: str) -> Any:
        user = User.objects.create(email=email, display_name=email.split("@")[0], password="!")
        for role in roles:
            RoleGrant.objects.create(user=user, role=role)
        return user

    participant = person("old-participant@example.org", "participant")
    person("old-participant2@example.org", "participant")
    therapist = person("old-therapist@example.org", "therapist")
    worker = person("old-worker@example.org", "partner_worker")
    person("old-editor@example.org", "editor", "clinical_lead")
    person("old-lead@example.org", "org_lead")
    admin = person("old-admin@example.org", "admin", "therapist")

    Invitation.objects.create(
        email="invited-participant@example.org",
        roles=["participant"],
        token_hash="a" * 64,
        invited_by=therapist,
        expires_at=now + timedelta(days=7),
    )
    Invitation.objects.create(
        email="invited-staff@example.org",
        display_name="New Staff",
        roles=["therapist", "partner_worker"],
        token_hash="b" * 64,
        invited_by=admin,
        expires_at=now + timedelta(days=7),
    )

    Enrollment = apps.get_model("modules", "Enrollment")
    enrollment = Enrollment.objects.create(
        participant=participant,
        programme_id=programme_pk,
        therapist=therapist,
        substitute=admin,
        status="active",
        started_at=now - timedelta(days=30),
        status_reason="Old reason",
    )
    ended = Enrollment.objects.create(
        participant=User.objects.get(email="old-participant2@example.org"),
        programme_id=programme_pk,
        therapist=therapist,
        status="completed",
        started_at=now - timedelta(days=200),
    )
    ModuleProgress = apps.get_model("modules", "ModuleProgress")
    ModuleProgress.objects.create(
        enrollment=enrollment,
        module_id=module_pks[0],
        state="completed",
        unlocked_at=now - timedelta(days=30),
        unlocked_by=therapist,
        started_at=now - timedelta(days=29),
        completed_at=now - timedelta(days=20),
        last_part=3,
    )
    ModuleProgress.objects.create(
        enrollment=enrollment, module_id=module_pks[1], state="unlocked", unlocked_at=now
    )
    apps.get_model("modules", "Answer").objects.create(
        enrollment=enrollment,
        module_id=module_pks[0],
        block_id="block-1",
        value={"text": "My old answer"},
        version=2,
    )
    checkin = apps.get_model("modules", "CheckIn").objects.create(
        enrollment=enrollment, answers={"violence": "yes", "closeness": 3}
    )
    RiskSignal = apps.get_model("modules", "RiskSignal")
    RiskSignal.objects.create(
        enrollment=enrollment,
        source="checkin",
        level="high",
        reasons=["Violence reported"],
        checkin=checkin,
        acknowledged_at=now,
        acknowledged_by=therapist,
        acknowledgement="Called them",
    )
    RiskSignal.objects.create(
        enrollment=enrollment,
        source="measure",
        level="low",
        reasons=["Item 9"],
        details=[{"kind": "measure_item", "number": 9, "value": 1}],
    )

    Thread = apps.get_model("messaging", "Thread")
    thread, _created = Thread.objects.get_or_create(enrollment=enrollment)
    Message = apps.get_model("messaging", "Message")
    for seq, (sender, side, body) in enumerate(
        [(participant, "participant", "Hello"), (therapist, "team", "Hello back")], start=1
    ):
        Message.objects.create(
            thread=thread, seq=seq, sender=sender, side=side, body=body, client_id=f"{seq:032x}"
        )
    thread.last_seq = 2
    thread.participant_read_seq = 2
    thread.save(update_fields=["last_seq", "participant_read_seq"])
    apps.get_model("messaging", "WaitClosure").objects.create(
        thread=thread, seq=1, closed_by=therapist
    )

    CaseNote = apps.get_model("therapist", "CaseNote")
    note = CaseNote.objects.create(enrollment=enrollment, author=therapist, body="First note")
    CaseNote.objects.create(enrollment=enrollment, author=therapist, body="Fixed", corrects=note)

    Instrument = apps.get_model("measures", "Instrument")
    instrument = Instrument.objects.create(key="old-test", name_sv="Gammal", name_en="Old")
    apps.get_model("measures", "MeasureResponse").objects.create(
        enrollment=ended, instrument=instrument, occasion="intake", answers={"1": 2}, score=2
    )

    Referral = apps.get_model("intake", "Referral")
    referral = Referral.objects.create(
        source="self",
        entered_by=therapist,
        name="Kim",
        phone="070-000 00 00",
        situation="Old situation",
        status="enrolled",
        assigned_to=therapist,
        first_contact_at=now,
        decided_at=now,
        decided_by=therapist,
        enrollment=enrollment,
    )
    Referral.objects.create(source="social_services", name="Sam", phone="1", status="new")
    apps.get_model("intake", "Screening").objects.create(
        referral=referral, answers={"q": "a"}, notes="Screened", screened_by=therapist
    )
    ReferralEvent = apps.get_model("intake", "ReferralEvent")
    ReferralEvent.objects.create(referral=referral, kind="received")
    ReferralEvent.objects.create(referral=referral, kind="enrolled", by=therapist, text="Yes")

    PartnerConsent = apps.get_model("partner", "PartnerConsent")
    PartnerConsent.objects.create(
        enrollment=enrollment, kind="inform", given_on=date(2026, 1, 5), recorded_by=therapist
    )
    case = apps.get_model("partner", "PartnerCase").objects.create(
        enrollment=enrollment,
        worker=worker,
        created_by=worker,
        name="Partner P",
        phone="070-111",
        code_word="Blue",
    )
    apps.get_model("partner", "Conversation").objects.create(
        case=case,
        held_on=date(2026, 2, 1),
        form="phone",
        minutes=20,
        notes="Talked",
        recorded_by=worker,
    )
    apps.get_model("partner", "RiskAssessment").objects.create(
        case=case, assessed_on=date(2026, 2, 1), level="high", assessed_by=worker, answers={}
    )
    apps.get_model("partner", "SafetyPlan").objects.create(
        case=case, safe_places="Sister's", updated_by=worker
    )

    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditEvent.objects.create(
        actor=therapist,
        actor_label="old-therapist@example.org",
        actor_roles="therapist",
        action="record_read",
        subject=participant,
        target_type="enrollment",
        target_id=str(enrollment.public_id),
        ip_address="192.0.2.1",
    )
    AuditEvent.objects.create(actor=participant, action="login", subject=participant)


@pytest.mark.django_db(transaction=True)
def test_an_installation_moves_into_one_organisation_and_unit_with_nothing_lost() -> None:
    programme = make_programme(modules=2, answers_per_module=1)  # content: not migrated
    module_pks = [m.pk for m in modules_of(programme)]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        executor.loader.build_graph()
        old_apps = old_state_apps(executor)
        assert "unit" not in {
            f.name for f in old_apps.get_model("modules", "Enrollment")._meta.fields
        }
        fill_old_schema(old_apps, programme.pk, module_pks)
        before = snapshot(old_apps)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)  # whatever happened, the tests after this one need it
    after = snapshot(live_apps)

    filled = [
        "accounts.user", "accounts.rolegrant", "accounts.invitation", "modules.enrollment",
        "modules.moduleprogress", "modules.answer", "modules.checkin", "modules.risksignal",
        "messaging.thread", "messaging.message", "messaging.waitclosure", "therapist.casenote",
        "measures.measureresponse", "intake.referral", "intake.screening",
        "intake.referralevent", "partner.partnerconsent", "partner.partnercase",
        "partner.conversation", "partner.riskassessment", "partner.safetyplan",
        "audit.auditevent",
    ]  # fmt: skip
    assert all(before[label] for label in filled), [k for k in filled if not before[k]]
    assert set(after) >= set(before)
    for label, rows in before.items():
        assert after[label] == rows, label

    (organisation,) = Organisation.objects.all()
    assert (organisation.slug, organisation.name) == ("omtag", "Omtag")
    assert organisation.regime == "health_care"
    (unit,) = Unit.objects.all()
    assert (unit.organisation_id, unit.slug, unit.name) == (organisation.pk, "enheten", "Enheten")
    assert organisation.help_unit_id == unit.pk

    assert Enrollment.objects.count() == 2
    assert set(Enrollment.objects.values_list("unit_id", flat=True)) == {unit.pk}
    assert Referral.objects.count() == 2
    assert set(Referral.objects.values_list("unit_id", flat=True)) == {unit.pk}

    grants = list(
        RoleGrant.objects.values_list("user__email", "role", "organisation_id", "unit_id")
    )
    assert len(grants) == 9
    for email, role, organisation_id, unit_id in grants:
        assert organisation_id == organisation.pk, (email, role)
        if role == "participant":
            assert unit_id == unit.pk, email
        else:
            assert role in STAFF_ROLES and unit_id is None, (email, role)  # whole organisation
    assert {r for _e, r, _o, _u in grants} == {"participant", *STAFF_ROLES}

    invitations = {i.email: (i.organisation_id, i.unit_id) for i in Invitation.objects.all()}
    assert invitations == {
        "invited-participant@example.org": (organisation.pk, unit.pk),
        "invited-staff@example.org": (organisation.pk, None),
    }
    # The access log keeps its rows as they were; their unit is for the new code to fill.
    assert AuditEvent.objects.count() == 2
