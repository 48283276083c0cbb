from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, RoleGrant, User
from organisations.models import Unit

from .services import SAMPLE_MAX


class DrawForm(forms.Form):
    """The filters a sample is drawn by. The choices are the reviewer's own units and the
    staff of their organisations, nothing else."""

    unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(),
        required=False,
        label=_("Unit"),
        empty_label=_("All my units"),
        error_messages={"invalid_choice": _("Choose a unit from the list.")},
    )
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    staff = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("Staff member"),
        empty_label=_("Everyone"),
        error_messages={"invalid_choice": _("Choose a staff member from the list.")},
    )
    protected_only = forms.BooleanField(
        required=False, label=_("Only records under protected identity")
    )
    size = forms.IntegerField(
        label=_("Number of reads to draw"), min_value=1, max_value=SAMPLE_MAX, initial=20
    )

    def __init__(self, *args: Any, units: Any, organisations: Any, **kwargs: Any) -> None:
        today = timezone.localdate()
        kwargs.setdefault("initial", {"start": today - timedelta(days=30), "end": today})
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.queryset = units
        staff_ids = (
            RoleGrant.objects.filter(organisation_id__in=organisations)
            .exclude(role=Role.PARTICIPANT)
            .values("user_id")
        )
        staff_field: Any = self.fields["staff"]
        staff_field.queryset = User.objects.filter(pk__in=staff_ids).order_by(
            "display_name", "email"
        )
