from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from organisations.models import Regime, Unit

from .models import Role, User


class CodeForm(forms.Form):
    """The second factor: six digits from the authenticator app (a phone opens its number
    keypad and offers the code it just received), or, folded away, a recovery code, which
    has letters and so needs a field of its own."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        required=False,
        help_text=_("The six digits from your authenticator app."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]{6}",
                "autofocus": True,
                "spellcheck": "false",
            }
        ),
    )
    recovery_code = forms.CharField(
        label=_("Recovery code"),
        max_length=32,
        required=False,
        help_text=_("Ten letters and digits, for example abcde-23456. Each code works once."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The browser stops at six digits; the server still takes a pasted "123 456" or a
        # recovery code typed here.
        self.fields["code"].widget.attrs["maxlength"] = "6"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("code") and not data.get("recovery_code"):
            self.add_error("code", _("Write the six digits from your authenticator app."))
        return data

    @property
    def given(self) -> str:
        return str(self.cleaned_data.get("code") or self.cleaned_data.get("recovery_code") or "")


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters. Not a common password, not only digits."),
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords are not the same."))
        elif p1:
            try:
                password_validation.validate_password(p1, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class ReauthForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def __init__(self, *args: Any, needs_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.needs_code = needs_code
        if needs_code:
            self.fields["code"].required = True
        else:
            del self.fields["code"]


class EmailChangeForm(forms.Form):
    email = forms.EmailField(label=_("New email address"), max_length=254)


# The platform administrator's role is never given in an organisation's pages.
INVITABLE_ROLES = [(r.value, r.label) for r in Role if r != Role.PLATFORM_ADMIN]
UNIT_ROLE_CHOICES = [
    (r.value, r.label) for r in Role if r not in (Role.PARTICIPANT, Role.PLATFORM_ADMIN)
]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    display_name = forms.CharField(
        label=_("Name shown in Omtag"),
        max_length=80,
        required=False,
        help_text=_("For participants, a first name or a pseudonym is enough."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=INVITABLE_ROLES, widget=forms.CheckboxSelectMultiple
    )
    unit = forms.ModelChoiceField(
        label=_("Where they work"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("The whole organisation"),
        to_field_name="public_id",
        help_text=_("Staff can work in the whole organisation or in one unit."),
    )

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = units if units is not None else Unit.objects.none()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if Role.PARTICIPANT in (data.get("roles") or []) and not data.get("unit"):
            self.add_error("unit", _("A participant is invited into a unit."))
        return data


class AdminInvitationForm(forms.Form):
    """A platform administrator invites an organisation's first administrator."""

    email = forms.EmailField(label=_("Email address"), max_length=254)
    display_name = forms.CharField(label=_("Name shown in Omtag"), max_length=80, required=False)


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.SlugField(
        label=_("Short name in addresses"),
        max_length=60,
        help_text=_("Letters a–z, digits and hyphens, e.g. norrby. Cannot be changed later."),
    )
    regime = forms.ChoiceField(
        label=_("The law it works under"), choices=Regime.choices, widget=forms.RadioSelect
    )


class UnitForm(forms.Form):
    name = forms.CharField(label=_("Name of the unit"), max_length=120)
    slug = forms.SlugField(
        label=_("Short name in addresses"),
        max_length=60,
        help_text=_("Letters a–z, digits and hyphens, e.g. mottagningen."),
    )


class ValueNotShownInput(forms.TextInput):
    """A text input that never writes its value back into the page (an identity number is
    shown nowhere, not even in the form returned with an error)."""

    def format_value(self, value: Any) -> str | None:
        return None


class ParticipantInvitationForm(forms.Form):
    email = forms.EmailField(label=_("The participant's email address"), max_length=254)
    display_name = forms.CharField(
        label=_("Name shown in Omtag"),
        max_length=80,
        help_text=_("A first name or a pseudonym; staff see this name, not the email."),
    )
    identity_number = forms.CharField(
        label=_("Personal identity number (optional)"),
        max_length=20,
        required=False,
        help_text=_(
            "For login with e-ID: the first e-ID login must then be this person's. Kept only "
            "in a form that cannot be read back, and shown nowhere."
        ),
        widget=ValueNotShownInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def clean_identity_number(self) -> str:
        from .identity import normalise_identity_number

        raw = str(self.cleaned_data.get("identity_number") or "").strip()
        return normalise_identity_number(raw) if raw else ""

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        """With `units` holding more than one unit (a therapist who works in several), the
        form asks which unit the participant is treated in; the choices are those units."""
        super().__init__(*args, **kwargs)
        if units is not None and len(units) > 1:
            self.fields["unit"] = forms.ModelChoiceField(
                queryset=units,
                label=_("Unit"),
                empty_label=None,
                error_messages={"invalid_choice": _("Choose a unit from the list.")},
            )
            field: Any = self.fields["unit"]
            field.label_from_instance = lambda unit: unit.label


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=INVITABLE_ROLES, widget=forms.CheckboxSelectMultiple
    )


class UnitRolesForm(forms.Form):
    """The staff roles a person holds in one unit."""

    roles = forms.MultipleChoiceField(
        label=_("Roles in this unit"),
        choices=UNIT_ROLE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
