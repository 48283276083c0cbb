"""The platform administrator's pages (/platform/): organisations, their units and their first
administrators. Counts only: a platform administrator reads no participant, referral or
partner data, and no list of an organisation's people."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from organisations.models import Organisation

from . import services
from .forms import AdminInvitationForm, OrganisationForm
from .models import Invitation, Role, RoleGrant
from .views import request_user, role_required, unit_form_handled


def _organisations() -> QuerySet[Organisation]:
    """Every organisation with how many units it has and how many people hold a staff role
    in it (numbers, never names)."""
    staff = (
        RoleGrant.objects.filter(organisation=OuterRef("pk"))
        .exclude(role=Role.PARTICIPANT)
        .order_by()
        .values("organisation")
        .annotate(n=Count("user", distinct=True))
        .values("n")
    )
    return Organisation.objects.annotate(
        unit_count=Count("units", distinct=True),
        staff_count=Subquery(staff, output_field=IntegerField()),
    ).order_by("name")


@role_required(Role.PLATFORM_ADMIN)
def home(request: HttpRequest) -> HttpResponse:
    actor = request_user(request)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(
                actor=actor,
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"],
                regime=form.cleaned_data["regime"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s has been created. Add its first unit and invite its administrator.")
                % {"name": organisation.name},
            )
            return redirect("platform_admin:organisation", public_id=organisation.public_id)
    return render(
        request,
        "accounts/platform/home.html",
        {"form": form, "organisations": _organisations()},
    )


@role_required(Role.PLATFORM_ADMIN)
def organisation(request: HttpRequest, public_id: UUID) -> HttpResponse:
    actor = request_user(request)
    chosen = get_object_or_404(_organisations(), public_id=public_id)
    action = request.POST.get("action") if request.method == "POST" else None
    unit_form, added = unit_form_handled(request, actor=actor, organisation=chosen)
    if added is not None:
        return redirect("platform_admin:organisation", public_id=chosen.public_id)
    invite_form = AdminInvitationForm(request.POST if action == "invite" else None, prefix="admin")
    if action == "invite" and invite_form.is_valid():
        try:
            services.invitation_create(
                actor=actor,
                email=invite_form.cleaned_data["email"],
                roles=[Role.ADMIN],
                display_name=invite_form.cleaned_data["display_name"],
                organisation=chosen,
                request=request,
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            invite_form.add_error(None, error)
        else:
            messages.success(
                request,
                _("An invitation has been sent to %(email)s.")
                % {"email": invite_form.cleaned_data["email"]},
            )
            return redirect("platform_admin:organisation", public_id=chosen.public_id)
    return render(
        request,
        "accounts/platform/organisation.html",
        {
            "organisation": chosen,
            "units": chosen.units.order_by("name"),
            "unit_form": unit_form,
            "invite_form": invite_form,
            "pending": _open_admin_invitations(chosen),
        },
    )


def _open_admin_invitations(organisation: Organisation) -> list[Invitation]:
    """The organisation's administrators invited and not yet arrived: whether the first
    administrator's invitation went out (only administrators' addresses, no one else's)."""
    return [
        invitation
        for invitation in Invitation.objects.filter(
            organisation=organisation,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        if invitation.roles == [Role.ADMIN]
    ]
