"""An organisation's own help box, edited by its editors and administrators on
/editor/organisation-help/<organisation>/: the site name its participants see, the emergency
number, its crisis lines and the "not read in real time" note. A field left empty keeps the
installation's (HelpSettings in /cms/). Another organisation's page answers 404."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import scope
from accounts.models import Role, User
from accounts.views import request_user, role_required
from audit.models import AuditEvent
from audit.services import audit_log
from organisations.models import Organisation

from .models import OrganisationHelp

EDITORS = (Role.EDITOR, Role.CLINICAL_LEAD, Role.ADMIN)
TEXT_FIELDS = ("site_display_name", "emergency_number", "not_realtime_sv", "not_realtime_en")


def editable(actor: User) -> QuerySet[Organisation]:
    """The organisations whose help box `actor` may change."""
    return Organisation.objects.filter(pk__in=scope.organisations_where(actor, *EDITORS))


class OrganisationHelpForm(forms.ModelForm):
    class Meta:
        model = OrganisationHelp
        fields = TEXT_FIELDS
        help_texts = {
            "emergency_number": gettext_lazy("Blank: the installation's (112)."),
            "not_realtime_sv": gettext_lazy("Blank: the installation's text."),
            "not_realtime_en": gettext_lazy("Blank: the installation's text."),
        }


class CrisisLineForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)
    number = forms.CharField(label=gettext_lazy("Number"), max_length=40)
    hours = forms.CharField(label=gettext_lazy("Opening hours (Swedish)"), max_length=120)
    hours_en = forms.CharField(
        label=gettext_lazy("Opening hours (English)"), max_length=120, required=False
    )


CrisisLineFormSet = forms.formset_factory(CrisisLineForm, extra=2, can_delete=True, max_num=12)


def organisation_help_save(
    *,
    actor: User,
    organisation: Organisation,
    texts: dict[str, str],
    crisis_lines: list[dict[str, str]],
    request: HttpRequest | None = None,
) -> OrganisationHelp:
    """Store `organisation`'s help box (the actor must be its editor or administrator)."""
    if organisation.pk not in scope.organisations_where(actor, *EDITORS):
        raise PermissionDenied
    with transaction.atomic():
        help, _created = OrganisationHelp.objects.select_for_update().get_or_create(
            organisation=organisation
        )
        for name in TEXT_FIELDS:
            setattr(help, name, texts.get(name, ""))
        help.crisis_lines = crisis_lines
        help.save(update_fields=[*TEXT_FIELDS, "crisis_lines", "updated_at"])
        audit_log(
            action=AuditEvent.Action.ORGANISATION_HELP_CHANGED,
            actor=actor,
            request=request,
            target_type="organisation",
            target_id=organisation.public_id,
        )
    return help


def _lines(formset: Any) -> list[dict[str, str]]:
    return [
        {key: form.cleaned_data[key] for key in ("name", "number", "hours", "hours_en")}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


@role_required(*EDITORS)
def organisation_help_list(request: HttpRequest) -> HttpResponse:
    organisations = list(editable(request_user(request)).order_by("name"))
    if len(organisations) == 1:
        return redirect("content:organisation_help", organisations[0].public_id)
    return render(request, "content/organisation_help_list.html", {"organisations": organisations})


@role_required(*EDITORS)
def organisation_help(request: HttpRequest, public_id: UUID) -> HttpResponse:
    actor = request_user(request)
    organisation = editable(actor).filter(public_id=public_id).first()
    if organisation is None:
        raise Http404
    stored = OrganisationHelp.objects.filter(organisation=organisation).first()
    instance = stored or OrganisationHelp(organisation=organisation)
    data = request.POST if request.method == "POST" else None
    form = OrganisationHelpForm(data, instance=instance)
    formset = CrisisLineFormSet(data, initial=list(instance.crisis_lines or []), prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            organisation_help_save(
                actor=actor,
                organisation=organisation,
                texts={name: form.cleaned_data[name] for name in TEXT_FIELDS},
                crisis_lines=_lines(formset),
                request=request,
            )
        except PermissionDenied as error:
            raise Http404 from error
        messages.success(request, _("The help box is saved."))
        return redirect("content:organisation_help", organisation.public_id)
    return render(
        request,
        "content/organisation_help.html",
        {"organisation": organisation, "form": form, "formset": formset},
        status=400 if request.method == "POST" else 200,
    )
