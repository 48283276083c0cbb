"""Forms of the admin's pages: they parse what the browser sent; the services validate."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from modules.models import RiskLevel
from modules.services import RISK_PHRASE_MAX

BIGINT_MAX = 2**63 - 1


class RiskTermForm(forms.Form):
    phrase = forms.CharField(
        label=_("Word or phrase"),
        max_length=RISK_PHRASE_MAX,
        error_messages={
            "required": _("Write a word or phrase of at most 100 characters."),
            "max_length": _("Write a word or phrase of at most 100 characters."),
            "null_characters_not_allowed": _(
                "The word holds an invisible or control character. Write it again."
            ),
        },
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("sv", "Svenska"), ("en", "English")],
        error_messages={"invalid_choice": _("Choose a language and a level.")},
    )
    level = forms.ChoiceField(
        label=_("Level"),
        choices=RiskLevel.choices,
        initial=RiskLevel.HIGH,
        error_messages={"invalid_choice": _("Choose a language and a level.")},
    )


class RiskTermToggleForm(forms.Form):
    toggle = forms.IntegerField(min_value=1, max_value=BIGINT_MAX)

    def clean_toggle(self) -> int:
        # int() reads other scripts' digits too ("١" is 1); an id we wrote is ASCII.
        raw = str(self.data.get("toggle", "")).strip()
        if not (raw.isascii() and raw.isdigit()):
            raise forms.ValidationError("not an id")
        return int(self.cleaned_data["toggle"])
