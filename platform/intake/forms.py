"""The intake's forms. Each field says what went wrong in plain words; the services check the
rules again, so a hand-made POST gets the same answer."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from . import protection
from .models import MayLeaveMessage, ReferralSource

PHONE_ALLOWED = re.compile(r"^[0-9 +\-]+$")
PHONE_MIN_DIGITS = 6
PHONE_MAX_DIGITS = 20
NAME_MAX = 120
SAFE_TIMES_MAX = 300
SITUATION_MAX = 2000
REASON_MAX = 2000


def clean_phone(value: str) -> str:
    """Digits, spaces, + and - only, and 6 to 20 digits. Returned as written (trimmed):
    the therapist dials what the person wrote."""
    value = " ".join(value.split())
    if not PHONE_ALLOWED.match(value):
        raise forms.ValidationError(
            _("Write the phone number with digits only. Spaces, + and - are fine."),
            code="phone_characters",
        )
    digits = sum(ch.isdigit() for ch in value)
    if not PHONE_MIN_DIGITS <= digits <= PHONE_MAX_DIGITS:
        raise forms.ValidationError(
            _("A phone number has between %(min)d and %(max)d digits.")
            % {"min": PHONE_MIN_DIGITS, "max": PHONE_MAX_DIGITS},
            code="phone_length",
        )
    return value


# Django fills in %(limit_value)d and %(show_value)d.
TOO_LONG = _("Write at most %(limit_value)d characters (you wrote %(show_value)d).")


class HelpRequestForm(forms.Form):
    """The public "ask for help" form: as little as lets a therapist call back safely."""

    name = forms.CharField(
        label=_("Your name, or a name we may call you"),
        help_text=_("An alias is fine."),
        max_length=NAME_MAX,
        error_messages={
            "required": _("Write a name or an alias we may use when we call."),
            "max_length": TOO_LONG,
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=40,
        error_messages={
            "required": _("Write the phone number we may call."),
            "max_length": _("A phone number has between 6 and 20 digits."),
        },
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    safe_times = forms.CharField(
        label=_("When is it safe for us to call?"),
        help_text=_("For example: weekdays 9–11, or evenings after 7."),
        max_length=SAFE_TIMES_MAX,
        error_messages={
            "required": _("Tell us when it is safe to call you."),
            "max_length": TOO_LONG,
        },
    )
    may_leave_message = forms.ChoiceField(
        label=_("If you do not answer, may we leave a message?"),
        choices=[(MayLeaveMessage.NO, _("No")), (MayLeaveMessage.YES, _("Yes"))],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whether we may leave a message."),
            "invalid_choice": _("Choose whether we may leave a message."),
        },
    )
    situation = forms.CharField(
        label=_("A few words about your situation (if you want to)"),
        help_text=_("You do not have to write anything here. We talk about it when we call."),
        required=False,
        max_length=SITUATION_MAX,
        error_messages={"max_length": TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # Spam protection. `started` is when the form was handed out, signed; `website` is a
    # field a person never sees (hidden in the template), so any value in it came from a bot.
    started = forms.CharField(required=False, widget=forms.HiddenInput)
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])

    def looks_automated(self, *, timed: bool = True) -> bool:
        """A filled honeypot, or (when `timed`) a forged or stale timestamp or a form sent
        faster than a person could. Which one is never told to the sender."""
        if self.data.get("website", ""):
            return True
        if not timed:
            return False
        token = self.data.get("started", "")
        return not isinstance(token, str) or not protection.token_is_human(token)

    def person_fields(self) -> dict[str, Any]:
        return {key: self.cleaned_data[key] for key in PERSON_FIELDS}


PERSON_FIELDS = ["name", "phone", "safe_times", "may_leave_message", "situation"]

AGENCY_SOURCES = [
    (value, label) for value, label in ReferralSource.choices if value != ReferralSource.SELF
]


class DateInput(forms.DateInput):
    input_type = "date"


class StaffReferralForm(forms.Form):
    """A referral from a partner agency, entered by a therapist or an admin."""

    source = forms.ChoiceField(
        label=_("Referred by"),
        choices=[("", "–"), *AGENCY_SOURCES],
        error_messages={"required": _("Choose who referred the person.")},
    )
    received_on = forms.DateField(
        label=_("Date received"),
        initial=timezone.localdate,
        widget=DateInput(format="%Y-%m-%d"),
        error_messages={
            "required": _("Write the date the referral came in."),
            "invalid": _("Write the date as YYYY-MM-DD."),
        },
    )
    agency = forms.CharField(
        label=_("Referring agency"),
        max_length=200,
        help_text=_("For example: Social services, Jönköping municipality"),
        error_messages={"required": _("Write which agency referred the person.")},
    )
    agency_contact = forms.CharField(
        label=_("Contact person at the agency"),
        help_text=_("Name and how to reach them."),
        max_length=200,
        error_messages={"required": _("Write who at the agency we can get back to.")},
    )
    consent_to_contact = forms.BooleanField(
        label=_("The person consents to being contacted by us"), required=False
    )
    name = forms.CharField(
        label=_("Name or alias"),
        max_length=NAME_MAX,
        error_messages={"required": _("Write the person's name or alias.")},
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=40,
        error_messages={"required": _("Write the phone number we may call.")},
    )
    safe_times = forms.CharField(
        label=_("When is it safe to call?"), max_length=SAFE_TIMES_MAX, required=False
    )
    may_leave_message = forms.ChoiceField(
        label=_("May we leave a message?"), choices=MayLeaveMessage.choices
    )
    situation = forms.CharField(
        label=_("About the referral"),
        required=False,
        max_length=SITUATION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data["phone"])

    def clean_received_on(self) -> Any:
        value = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


def _reason(label: Any, required_message: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": required_message},
    )


class _OnePageForm(forms.Form):
    """The decision forms share one page: each gets its own element ids."""

    id_prefix = "decision"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class EnrolForm(_OnePageForm):
    id_prefix = "enrol"
    email = forms.EmailField(
        label=_("The person's email address"),
        help_text=_("The invitation to log in is sent here."),
        error_messages={
            "required": _("Write the email address the invitation goes to."),
            "invalid": _("Write a whole email address, like name@example.se."),
        },
    )
    display_name = forms.CharField(
        label=_("Name shown in Omtag"),
        help_text=_("A first name or an alias. The therapist and the participant see it."),
        max_length=User._meta.get_field("display_name").max_length,
        error_messages={"required": _("Write the name shown in Omtag.")},
    )


class ReferElsewhereForm(_OnePageForm):
    id_prefix = "elsewhere"
    referred_to = forms.CharField(
        label=_("Referred to"),
        max_length=200,
        error_messages={"required": _("Write where the person is referred.")},
    )
    reason = _reason(_("Why"), _("Write why the person is referred elsewhere."))


class CloseForm(_OnePageForm):
    id_prefix = "close"
    reason = _reason(_("Why"), _("Write why the referral is closed."))


class ReopenForm(_OnePageForm):
    id_prefix = "reopen"
    reason = _reason(_("Why it is reopened"), _("Write why the referral is reopened."))
