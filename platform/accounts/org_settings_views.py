"""The organisation settings page (/account/admin/organisation/): for the administrators of
an organisation, and only for theirs. Another organisation's page answers 404, as a missing
one does."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .models import Role
from .org_settings import OrganisationSettingsForm, administered, organisation_settings_change
from .views import request_user, role_required


@role_required(Role.ADMIN)
def organisation_list(request: HttpRequest) -> HttpResponse:
    """The administrator's organisations; with one, straight to its settings."""
    organisations = list(administered(request_user(request)).order_by("name"))
    if len(organisations) == 1:
        return redirect("accounts:organisation_settings", organisations[0].public_id)
    return render(request, "accounts/org_settings_list.html", {"organisations": organisations})


@role_required(Role.ADMIN)
def organisation_settings(request: HttpRequest, public_id: UUID) -> HttpResponse:
    actor = request_user(request)
    organisation = administered(actor).filter(public_id=public_id).first()
    if organisation is None:
        raise Http404
    heading = organisation.name  # as stored: the form writes what was typed onto its instance
    # The form edits a copy: on an error the page shows what was typed, and nothing is kept.
    form = OrganisationSettingsForm(
        request.POST or None,
        instance=organisation,
        installation_min_group=int(getattr(settings, "REPORT_MIN_GROUP", 5)),
    )
    if request.method == "POST" and form.is_valid():
        stored = administered(actor).get(pk=organisation.pk)
        try:
            changed = organisation_settings_change(
                actor=actor,
                organisation=stored,
                changes={name: form.cleaned_data[name] for name in form.Meta.fields},
                request=request,
            )
        except PermissionDenied as error:
            raise Http404 from error
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changed:
                messages.success(request, _("The organisation's settings are saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("accounts:organisation_settings", stored.public_id)
    return render(
        request,
        "accounts/org_settings.html",
        {"form": form, "organisation": organisation, "heading": heading},
        status=400 if request.method == "POST" else 200,
    )


@role_required(Role.ADMIN)
def identity_providers(
    request: HttpRequest, public_id: UUID, provider_id: UUID | None = None
) -> HttpResponse:
    """The organisation's identity providers, and a form to add one or change the one named
    (`provider_id`); another organisation's answers 404."""
    from .identity_providers import (
        FIELDS,
        IdentityProviderForm,
        administered_providers,
        identity_provider_save,
    )

    actor = request_user(request)
    organisation = administered(actor).filter(public_id=public_id).first()
    if organisation is None:
        raise Http404
    providers = administered_providers(actor, organisation)
    provider = None
    if provider_id is not None:
        provider = providers.filter(public_id=provider_id).first()
        if provider is None:
            raise Http404
    # The form writes what was typed onto its instance: the save compares with a fresh copy.
    form = IdentityProviderForm(request.POST or None, instance=provider)
    if request.method == "POST" and form.is_valid():
        try:
            saved = identity_provider_save(
                actor=actor,
                organisation=organisation,
                values={name: form.cleaned_data[name] for name in FIELDS if name in form.fields},
                provider=providers.filter(pk=provider.pk).first() if provider else None,
                request=request,
            )
        except PermissionDenied as error:
            raise Http404 from error
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The identity provider is saved."))
            return redirect("accounts:identity_provider", organisation.public_id, saved.public_id)
    return render(
        request,
        "accounts/identity_providers.html",
        {
            "form": form,
            "organisation": organisation,
            "providers": providers.order_by("name"),
            "provider": provider,
        },
        status=400 if request.method == "POST" else 200,
    )
