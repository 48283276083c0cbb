"""The organisation settings page: an administrator changes their own organisation's
settings, within what its law allows; another organisation's page is not there for them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from audit.models import AuditEvent
from organisations import rules
from organisations.models import Organisation, Regime, Unit
from organisations.selectors import first_unit
from tests.helpers import make_user, verified_client


def _other_organisation(regime: str = Regime.SOCIAL_SERVICES) -> Unit:
    organisation = Organisation.objects.create(slug="norrby", name="Norrby kommun", regime=regime)
    return Unit.objects.create(organisation=organisation, slug="vald", name="Våldsenheten")


def _form(organisation: Organisation, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": organisation.name,
        "sender_name": "",
        "help_unit": "",
        "min_group": "",
        "retention_years": "",
        "participant_login": organisation.participant_login,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not False}


def _url(organisation: Organisation) -> str:
    return f"/account/admin/organisation/{organisation.public_id}/"


def test_retention_rules_follow_the_law():
    assert rules.retention_problem(Regime.HEALTH_CARE, 9)
    assert not rules.retention_problem(Regime.HEALTH_CARE, 10)
    assert not rules.retention_problem(Regime.HEALTH_CARE, 30)
    assert rules.retention_problem(Regime.SOCIAL_SERVICES, 4)
    assert rules.retention_problem(Regime.SOCIAL_SERVICES, 10)
    assert not rules.retention_problem(Regime.SOCIAL_SERVICES, 5)
    assert rules.retention_years(Regime.SOCIAL_SERVICES, None) == 5
    assert rules.retention_years(Regime.HEALTH_CARE, None) == 10
    assert rules.retention_years(Regime.HEALTH_CARE, 12) == 12
    with pytest.raises(ValidationError):
        rules.retention_years(Regime.HEALTH_CARE, 3)


@pytest.mark.django_db
def test_admin_changes_the_settings_and_the_change_is_audited(admin_user):
    organisation = first_unit().organisation
    unit = first_unit()
    client = verified_client(admin_user)
    assert client.get("/account/admin/").content.decode().count("/account/admin/organisation/")
    page = client.get("/account/admin/organisation/", follow=True)
    assert page.status_code == 200 and organisation.name in page.content.decode()
    response = client.post(
        _url(organisation),
        _form(
            organisation,
            name="Region Söder",
            sender_name="Region Söder",
            help_unit=unit.pk,
            min_group="8",
            retention_years="12",
            staff_names_in_extract="on",
        ),
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Region Söder"
    assert organisation.sender_name == "Region Söder"
    assert organisation.help_unit == unit
    assert organisation.min_group == 8
    assert organisation.retention_years == 12
    assert organisation.staff_names_in_extract is True
    event = AuditEvent.objects.get(action="organisation_settings_changed")
    assert event.actor == admin_user
    assert event.target_id == str(organisation.public_id)
    assert "min_group" in event.detail and "8" not in event.detail


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("retention_years", "9", "minst tio år"),
        ("min_group", "1", "mellan 2 och 50"),
        ("min_group", "51", "mellan 2 och 50"),
        ("sender_name", "Våldsenheten Norr", "inte säga vad e-posten handlar om"),
        ("sender_name", "Omtag treatment", "inte säga vad e-posten handlar om"),
    ],
)
def test_bad_input_saves_nothing_and_says_why_in_swedish(admin_user, field, value, words):
    organisation = first_unit().organisation
    client = verified_client(admin_user)
    response = client.post(
        _url(organisation), _form(organisation, name="Nytt namn", **{field: value})
    )
    assert response.status_code == 400
    assert words in response.content.decode()
    organisation.refresh_from_db()
    assert organisation.name == "Omtag"
    assert not AuditEvent.objects.filter(action="organisation_settings_changed").exists()


@pytest.mark.django_db
def test_social_services_keep_records_exactly_five_years():
    unit = _other_organisation(Regime.SOCIAL_SERVICES)
    admin = make_user("admin@norrby.example", [Role.ADMIN], unit=unit)
    client = verified_client(admin)
    organisation = unit.organisation
    bad = client.post(_url(organisation), _form(organisation, retention_years="10"))
    assert bad.status_code == 400 and "fem år" in bad.content.decode()
    good = client.post(_url(organisation), _form(organisation, retention_years="5"))
    assert good.status_code == 302
    organisation.refresh_from_db()
    assert organisation.retention_years == 5


@pytest.mark.django_db
def test_another_organisations_settings_and_units_are_out_of_reach(admin_user):
    unit = _other_organisation()
    other = unit.organisation
    client = verified_client(admin_user)
    assert client.get(_url(other)).status_code == 404
    assert client.post(_url(other), _form(other, name="Kapad")).status_code == 404
    # Their own form cannot send requests for help to another organisation's unit.
    own = first_unit().organisation
    before = own.help_unit_id
    response = client.post(_url(own), _form(own, help_unit=unit.pk))
    assert response.status_code == 400
    other.refresh_from_db()
    own.refresh_from_db()
    assert other.name == "Norrby kommun" and own.help_unit_id == before != unit.pk


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["therapist", "editor", "participant", "partner_worker"])
def test_only_administrators_reach_the_page(cast, role):
    client = verified_client(cast[role])
    organisation = first_unit().organisation
    assert client.get("/account/admin/organisation/").status_code == 404
    assert client.get(_url(organisation)).status_code == 404
