"""An organisation's own settings, changed by its administrator: the name it is shown by, the
sender name of its emails, the unit that receives its ask-for-help form, the report's smallest
group, and what its law asks of its records (retention, research, staff names in a person's
log extract). The checks of the law live in organisations.rules, which the nightly retention
run uses too."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.services import audit_log
from organisations import rules
from organisations.models import Organisation, Unit

from . import scope
from .emails import forget_sender_name
from .models import Role, User

# What the page changes, in the order the form shows it.
FIELDS = (
    "name",
    "sender_name",
    "help_unit",
    "min_group",
    "retention_years",
    "keeps_all_for_research",
    "staff_names_in_extract",
    "participant_login",
    "participants_book_meetings",
)


def administered(actor: User) -> QuerySet[Organisation]:
    """The organisations whose settings `actor` may change: where they are an administrator."""
    return Organisation.objects.filter(pk__in=scope.organisations_where(actor, Role.ADMIN))


class OrganisationSettingsForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = FIELDS
        labels = {
            "name": _("Display name"),
            "sender_name": _("Sender name in emails"),
            "help_unit": _("Unit that receives the ask-for-help form"),
            "min_group": _("Smallest group shown in the report"),
            "retention_years": _("Years a record is kept after its last entry"),
            "keeps_all_for_research": _("All records are kept for research (whole municipality)"),
            "staff_names_in_extract": _("Staff names in a person's log extract"),
            "participant_login": _("How participants log in"),
            "participants_book_meetings": _("Participants may book meetings themselves"),
        }
        help_texts = {
            "name": _("How the organisation is named to its staff and participants."),
            "sender_name": _(
                "The sender shown on the organisation's emails, e.g. the municipality's name. "
                "Empty: the installation's. Never anything about violence or treatment."
            ),
            "help_unit": _("Only this organisation's units. Empty: its first unit."),
            "min_group": _("Between 2 and 50. Empty: the installation's setting (%(n)s)."),
            "retention_years": _(
                "Health care: 10 or more. Social services: 5. Empty: the law's default."
            ),
            "participant_login": _(
                "e-ID needs an identity provider for e-ID (Identity providers, below)."
            ),
        }

    def __init__(self, *args: Any, installation_min_group: int = 5, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the organisation's own units can receive its requests for help.
        unit_field = self.fields["help_unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = Unit.objects.filter(organisation=self.instance).order_by("name")
        unit_field.empty_label = _("(its first unit)")
        self.fields["min_group"].help_text = str(self.fields["min_group"].help_text) % {
            "n": installation_min_group
        }
        self.fields["name"].required = True

    def clean_sender_name(self) -> str:
        value = str(self.cleaned_data.get("sender_name") or "")
        problem = rules.sender_name_problem(value)
        if problem:
            raise ValidationError(problem)
        return value

    def clean_min_group(self) -> int | None:
        value = self.cleaned_data.get("min_group")
        problem = rules.min_group_problem(value)
        if problem:
            raise ValidationError(problem)
        return value

    def clean_retention_years(self) -> int | None:
        value = self.cleaned_data.get("retention_years")
        rules.check_retention(self.instance.regime, value)
        return value


def organisation_settings_change(
    *,
    actor: User,
    organisation: Organisation,
    changes: dict[str, Any],
    request: HttpRequest | None = None,
) -> list[str]:
    """Save the settings in `changes` (fields of FIELDS) on `organisation`, which the actor
    must administer, after the law's checks; one access-log event names the fields changed
    (not their values). Returns the names of the fields that changed."""
    if organisation.pk not in scope.organisations_where(actor, Role.ADMIN):
        raise PermissionDenied
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValueError(f"Not an organisation setting: {sorted(unknown)}")
    unit = changes.get("help_unit", organisation.help_unit)
    if unit is not None and unit.organisation_id != organisation.pk:
        raise ValidationError(_("Choose one of the organisation's own units."))
    rules.check_retention(
        organisation.regime, changes.get("retention_years", organisation.retention_years)
    )
    problem = rules.min_group_problem(
        changes.get("min_group", organisation.min_group)
    ) or rules.sender_name_problem(changes.get("sender_name", organisation.sender_name))
    if problem:
        raise ValidationError(problem)
    changed = [name for name, value in changes.items() if getattr(organisation, name) != value]
    if not changed:
        return []
    with transaction.atomic():
        for name in changed:
            setattr(organisation, name, changes[name])
        organisation.save(update_fields=changed)
        audit_log(
            action=AuditEvent.Action.ORGANISATION_SETTINGS_CHANGED,
            actor=actor,
            request=request,
            target_type="organisation",
            target_id=organisation.public_id,
            detail=",".join(changed),
        )
        if "sender_name" in changed:
            transaction.on_commit(lambda: forget_sender_name(organisation.pk))
    return changed
