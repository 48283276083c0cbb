"""Reads for records: a participant's own data, limited to what the participant may see,
and the admin's list of participants for an erasure request.

`own_data` is what the participant downloads: their account, and per treatment their module
answers (with the question they answered), check-ins, measures and messages. Never a risk
signal, a case note, anything the staff keep for themselves (status reasons, screening
notes, who unlocked what), or anything of another person but the therapist's display name
on the therapist's own messages. Each app that keeps the data gives its part
(`<app>/personal_data.py`, the `*_export` functions); this module puts them together."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Role, RoleGrant, User
from accounts.personal_data import account_export
from accounts.scope import units_where
from intake.personal_data import referral_export
from measures.personal_data import measures_export
from meetings.personal_data import meetings_export
from messaging.personal_data import messages_export
from modules.models import Enrollment
from modules.personal_data import checkins_export, enrollment_export, modules_export

from .models import Anonymisation, AnonymisedKind

# --- The whole file ------------------------------------------------------------------------


def own_data(participant: User) -> dict[str, Any]:
    """Everything the participant downloads, as plain data: the HTML file and the JSON file
    are both made from it."""
    enrollments = (
        Enrollment.objects.filter(participant=participant)
        .select_related("programme", "therapist")
        .order_by("created_at", "pk")
    )
    treatments = [
        {
            **enrollment_export(enrollment),
            "referral": referral_export(enrollment),
            "modules": modules_export(enrollment),
            "checkins": checkins_export(enrollment),
            "measures": measures_export(enrollment),
            "messages": messages_export(enrollment, participant),
            "meetings": meetings_export(enrollment),
        }
        for enrollment in enrollments
    ]
    return {
        "generated_at": timezone.localtime(),
        "account": account_export(participant),
        "treatments": treatments,
    }


# --- Erasure requests ----------------------------------------------------------------------


def participants_for_erasure(viewer: User, query: str = "") -> QuerySet[User]:
    """The participant accounts of the units where `viewer` is an administrator (a
    participant grant or a treatment there), with their treatments, name order."""
    units = units_where(viewer, Role.ADMIN)
    participants = RoleGrant.objects.filter(role=Role.PARTICIPANT)
    here = participants.filter(unit__in=units).values("user_id")
    treated = Enrollment.objects.filter(unit__in=units).values("participant_id")
    people = User.objects.filter(pk__in=participants.values("user_id")).filter(
        Q(pk__in=here) | Q(pk__in=treated)
    )
    query = query.strip()
    if query:
        people = people.filter(Q(display_name__icontains=query) | Q(email__icontains=query))
    return people.prefetch_related("enrollments", "role_grants").order_by(
        "display_name", "email", "pk"
    )


def anonymised_account_pks(users: list[User]) -> set[int]:
    return set(
        Anonymisation.objects.filter(
            kind=AnonymisedKind.ACCOUNT, object_pk__in=[u.pk for u in users]
        ).values_list("object_pk", flat=True)
    )


def participant_for_erasure_or_404(viewer: User, public_id: UUID) -> User:
    """A participant of the viewer's units; any other answers 404, as a missing one does."""
    person = participants_for_erasure(viewer).filter(public_id=public_id).first()
    if person is None:
        raise Http404
    return person
