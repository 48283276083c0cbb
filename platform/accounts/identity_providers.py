"""An organisation's identity providers (organisations.IdentityProvider), kept by its
administrator under the organisation settings: e-ID for participants, staff single sign-on by
OpenID Connect or SAML. A client secret is write-only: the page never shows it back, and an
empty field keeps the one stored. The access log names the provider and the fields changed,
never their values."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.services import audit_log
from organisations.models import IdentityProvider, Organisation

from . import scope
from .models import Role, User

FIELDS = (
    "name",
    "slug",
    "purpose",
    "enabled",
    "issuer",
    "client_id",
    "client_secret",
    "identity_claim",
    "accepted_levels",
    "second_factor_levels",
    "match_attribute",
    "match_claim",
    "saml_entity_id",
    "saml_sso_url",
    "saml_certificate",
)
LIST_FIELDS = ("accepted_levels", "second_factor_levels")


class LinesField(forms.CharField):
    """A list of strings, one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in str(text).splitlines() if line.strip()]


def _url_field(model_field: str) -> forms.URLField:
    field = IdentityProvider._meta.get_field(model_field)
    assert isinstance(field, models.Field)
    return forms.URLField(label=capfirst(field.verbose_name), required=False, assume_scheme="https")


class IdentityProviderForm(forms.ModelForm):
    issuer = _url_field("issuer")
    saml_sso_url = _url_field("saml_sso_url")
    accepted_levels = LinesField(
        label=_("Accepted levels of assurance (acr), one per line"),
        required=False,
        help_text=_("e-ID: a login at one of these counts as both factors."),
    )
    second_factor_levels = LinesField(
        label=_("Values that count as the second factor, one per line"),
        required=False,
        help_text=_("Staff single sign-on: acr, amr or SAML AuthnContext values."),
    )

    class Meta:
        model = IdentityProvider
        fields = FIELDS
        widgets = {"client_secret": forms.PasswordInput(render_value=False)}
        help_texts = {
            "client_secret": _("Never shown again. Leave empty to keep the one stored."),
            "slug": _("Letters, digits and hyphens; part of the provider's return address."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client_secret"].required = False
        if self.instance.pk:
            # The return address registered at the provider holds it.
            self.fields["slug"].disabled = True


def administered_providers(actor: User, organisation: Organisation) -> QuerySet[IdentityProvider]:
    if organisation.pk not in scope.organisations_where(actor, Role.ADMIN):
        return IdentityProvider.objects.none()
    return IdentityProvider.objects.filter(organisation=organisation)


def identity_provider_save(
    *,
    actor: User,
    organisation: Organisation,
    values: dict[str, Any],
    provider: IdentityProvider | None = None,
    request: HttpRequest | None = None,
) -> IdentityProvider:
    """Create (provider None) or change one of the organisation's identity providers. An
    empty client secret keeps the stored one."""
    if organisation.pk not in scope.organisations_where(actor, Role.ADMIN):
        raise PermissionDenied
    if provider is not None and provider.organisation_id != organisation.pk:
        raise PermissionDenied
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"Not an identity provider field: {sorted(unknown)}")
    values = dict(values)
    if not values.get("client_secret"):
        values.pop("client_secret", None)
    creating = provider is None
    if provider is None:
        provider = IdentityProvider(organisation=organisation)
    else:
        values.pop("slug", None)
    changed = [name for name, value in values.items() if getattr(provider, name) != value]
    if not creating and not changed:
        return provider
    slug = values.get("slug", provider.slug)
    if IdentityProvider.objects.filter(slug=slug).exclude(pk=provider.pk).exists():
        raise ValidationError(_("Another identity provider already uses this short name."))
    with transaction.atomic():
        for name, value in values.items():
            setattr(provider, name, value)
        if creating:
            provider.save()
        else:
            provider.save(update_fields=changed)
        audit_log(
            action=AuditEvent.Action.ORGANISATION_SETTINGS_CHANGED,
            actor=actor,
            request=request,
            target_type="organisation",
            target_id=organisation.public_id,
            detail=f"identity_provider={provider.slug}:{','.join(sorted(changed))}"[:500],
        )
    return provider
