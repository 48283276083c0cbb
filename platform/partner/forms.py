"""The worker's forms. Each field says what went wrong in plain words; the services check the
rules again, so a hand-made POST gets the same answer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import (
    AssessedLevel,
    CaseStatus,
    ConsentKind,
    Conversation,
    ItemKind,
    PartnerCase,
    SafetyPlan,
)
from .selectors import InstrumentSection
from .services import CONTACT_FIELDS, PLAN_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"


def _past_date_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        initial=timezone.localdate,
        widget=DateInput(format="%Y-%m-%d"),
        error_messages={"invalid": _("Write the date as YYYY-MM-DD.")},
    )


def _not_future(value: Any) -> Any:
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("The date cannot be in the future."))
    return value


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Consent"), choices=ConsentKind.choices)
    given_on = _past_date_field(_("The participant gave it on"))

    def __init__(self, *args: Any, missing: list[str] | None = None, **kwargs: Any) -> None:
        """`missing`: the kinds not standing now; only those are offered."""
        super().__init__(*args, **kwargs)
        if missing is not None:
            kind = self.fields["kind"]
            assert isinstance(kind, forms.ChoiceField)
            kind.choices = [(v, label) for v, label in ConsentKind.choices if v in missing]

    def clean_given_on(self) -> Any:
        return _not_future(self.cleaned_data["given_on"])


class WithdrawForm(forms.Form):
    withdrawn_on = _past_date_field(_("Withdrawn on"))
    confirm = forms.BooleanField(
        label=_("The participant has withdrawn this consent"),
        error_messages={"required": _("Tick the box to confirm the withdrawal.")},
    )

    def clean_withdrawn_on(self) -> Any:
        return _not_future(self.cleaned_data["withdrawn_on"])


class ContactForm(forms.ModelForm):
    class Meta:
        model = PartnerCase
        fields = CONTACT_FIELDS
        widgets = {
            "address": forms.Textarea(attrs={"rows": 2}),
            "contact_notes": forms.Textarea(attrs={"rows": 3}),
        }


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Change status to"), choices=CaseStatus.choices)


class ConversationLogForm(forms.ModelForm):
    minutes = forms.IntegerField(label=_("Length in minutes"), min_value=1, max_value=600)

    class Meta:
        model = Conversation
        fields = ["held_on", "form", "minutes", "notes", "pass_on_requested", "pass_on_what"]
        widgets = {
            "held_on": DateInput(format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 8}),
            "pass_on_what": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["held_on"].initial = timezone.localdate

    def clean_held_on(self) -> Any:
        return _not_future(self.cleaned_data["held_on"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("pass_on_requested") and not (data.get("pass_on_what") or "").strip():
            self.add_error("pass_on_what", _("Write what the partner asked to be passed on."))
        return data


YES_NO_CHOICES = [
    ("", _("Not asked")),
    ("yes", _("Yes")),
    ("no", _("No")),
    ("unknown", _("Don't know")),
]
FREQUENCY_CHOICES = [
    ("", _("Not asked")),
    ("never", _("Never")),
    ("once", _("Once")),
    ("sometimes", _("A few times")),
    ("monthly", _("About monthly")),
    ("weekly", _("About weekly")),
    ("daily", _("Daily or almost")),
]
ANSWER_LABELS = dict(YES_NO_CHOICES[1:] + FREQUENCY_CHOICES[1:])


class AssessmentForm(forms.Form):
    """The instrument's items as fields named `item-<key>`, then the narrative and the
    worker's own judgement of the level."""

    assessed_on = _past_date_field(_("Date of the assessment"))
    description = forms.CharField(
        label=_("Description of the violence over time, in the partner's words"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    level = forms.ChoiceField(
        label=_("Risk level, as you assess it"),
        choices=[("", "–"), *AssessedLevel.choices],
        error_messages={"required": _("Choose the risk level you assess.")},
    )

    def __init__(self, *args: Any, sections: list[InstrumentSection], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sections = sections
        for section in sections:
            for item in section.items:
                self.fields[f"item-{item.key}"] = forms.ChoiceField(
                    label=item.text,
                    required=False,
                    choices=YES_NO_CHOICES if item.kind == ItemKind.YES_NO else FREQUENCY_CHOICES,
                    widget=forms.RadioSelect if item.kind == ItemKind.YES_NO else forms.Select,
                )

    def clean_assessed_on(self) -> Any:
        return _not_future(self.cleaned_data["assessed_on"])

    def section_fields(self) -> list[tuple[InstrumentSection, list[forms.BoundField]]]:
        return [
            (section, [self[f"item-{item.key}"] for item in section.items])
            for section in self.sections
        ]

    def answers(self) -> dict[str, str]:
        return {
            name.removeprefix("item-"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("item-") and value
        }


class SafetyPlanForm(forms.ModelForm):
    class Meta:
        model = SafetyPlan
        fields = PLAN_FIELDS
        widgets = {
            name: forms.Textarea(attrs={"rows": 3}) for name in PLAN_FIELDS if name != "code_word"
        }
