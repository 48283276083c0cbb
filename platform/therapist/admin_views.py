"""The organisation admin's pages about treatments: who treats whom, pausing and closing a
treatment, and the access log. An admin manages; they never read answers, notes or
messages from here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role, RoleGrant, User, role_labels
from accounts.paging import page_of
from accounts.parsing import int_or_none, uuid_or_none
from accounts.scope import units_where
from accounts.selectors import users_with_role
from accounts.views import request_user, role_required
from audit.exports import csv_response
from audit.models import AuditEvent
from audit.selectors import record_reads
from modules.models import ENDED_STATUSES, Enrollment, EnrollmentStatus
from modules.personal_data import treatment_is_anonymised
from modules.services import (
    STATUS_CHANGES,
    enrollment_assign,
    enrollment_set_born_on_day,
    enrollment_set_status,
)
from organisations.models import Regime, Unit


def _enrollment_or_404(actor: User, public_id: UUID) -> Enrollment:
    """A treatment in a unit the administrator covers; any other answers 404, as a missing
    one does."""
    enrollment = Enrollment.objects.filter(
        public_id=public_id, unit__in=units_where(actor, Role.ADMIN)
    ).first()
    if enrollment is None:
        raise Http404
    return enrollment


# Treatments on one page of the administrator's list: its rendering (a care-team form with
# every therapist of the units in it, per treatment) is what grows with the organisation.
PARTICIPANTS_PAGE_SIZE = 50


@role_required(Role.ADMIN)
def participants(request: HttpRequest) -> HttpResponse:
    units = units_where(request_user(request), Role.ADMIN)
    enrollments = (
        Enrollment.objects.filter(unit__in=units)
        .select_related(
            "participant", "therapist", "substitute", "invitation", "unit__organisation"
        )
        .order_by("-created_at", "-pk")
    )
    page, page_notice = page_of(request, enrollments, PARTICIPANTS_PAGE_SIZE)
    rows = [
        {
            "enrollment": e,
            # Social services only: the research exception needs the day of birth, and an
            # ended record without it is never cleared (records.retention).
            "asks_birth_day": (
                e.unit.organisation.regime == Regime.SOCIAL_SERVICES
                and not treatment_is_anonymised(e)
            ),
            "needs_birth_day": (
                e.unit.organisation.regime == Regime.SOCIAL_SERVICES
                and e.status in ENDED_STATUSES
                and e.born_on_day is None
                and not treatment_is_anonymised(e)
            ),
            "next_statuses": [
                (s, EnrollmentStatus(s).label)
                for s in EnrollmentStatus.values
                if s in STATUS_CHANGES.get(e.status, set())
            ],
        }
        for e in page
    ]
    return render(
        request,
        "therapist/admin_participants.html",
        {
            "rows": rows,
            "page": page,
            "page_notice": page_notice,
            "therapists": list(users_with_role(Role.THERAPIST, units=units)),
        },
    )


def _back_to_participants(request: HttpRequest) -> HttpResponse:
    """To the page of the list the form was sent from."""
    number = int_or_none(request.POST.get("page"))
    url = reverse("administration:participants")
    return redirect(f"{url}?page={number}" if number and number > 1 else url)


def _therapist_from(value: str, unit_id: int) -> User | None:
    if not value:
        return None
    try:
        key = UUID(value)
    except ValueError:
        raise ValidationError(_("Choose a therapist from the list.")) from None
    person = users_with_role(Role.THERAPIST, units=[unit_id]).filter(public_id=key).first()
    if person is None:
        raise ValidationError(_("Choose a therapist from the list."))
    return person


@require_POST
@role_required(Role.ADMIN)
def assign(request: HttpRequest, public_id: UUID) -> HttpResponse:
    enrollment = _enrollment_or_404(request_user(request), public_id)
    try:
        therapist = _therapist_from(request.POST.get("therapist", ""), enrollment.unit_id)
        if therapist is None:
            raise ValidationError(_("Choose a therapist from the list."))
        enrollment_assign(
            actor=request_user(request),
            enrollment=enrollment,
            therapist=therapist,
            substitute=_therapist_from(request.POST.get("substitute", ""), enrollment.unit_id),
            request=request,
        )
    except ValidationError as problem:
        messages.error(request, " ".join(problem.messages))
    else:
        messages.success(request, _("The care team is changed."))
    return _back_to_participants(request)


@require_POST
@role_required(Role.ADMIN)
def set_status(request: HttpRequest, public_id: UUID) -> HttpResponse:
    enrollment = _enrollment_or_404(request_user(request), public_id)
    try:
        enrollment_set_status(
            actor=request_user(request),
            enrollment=enrollment,
            status=request.POST.get("status", ""),
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except ValidationError as problem:
        messages.error(request, " ".join(problem.messages))
    else:
        messages.success(request, _("The treatment's status is changed."))
    return _back_to_participants(request)


@require_POST
@role_required(Role.ADMIN)
def set_born_on_day(request: HttpRequest, public_id: UUID) -> HttpResponse:
    enrollment = _enrollment_or_404(request_user(request), public_id)
    value = request.POST.get("born_on_day", "").strip()
    try:
        try:
            day = int(value) if value else None
        except ValueError:
            raise ValidationError(_("Write a day of the month between 1 and 31.")) from None
        enrollment_set_born_on_day(
            actor=request_user(request), enrollment=enrollment, day=day, request=request
        )
    except ValidationError as problem:
        messages.error(request, " ".join(problem.messages))
    else:
        messages.success(request, _("The day of birth is saved."))
    return _back_to_participants(request)


# Days outside these cannot hold an event, and at the ends of the calendar (year 1, 9999) a
# day's start in our time zone is no longer a date in UTC.
_FIRST_DAY, _LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def _parse_day(value: str) -> date | None:
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day is not None and _FIRST_DAY <= day <= _LAST_DAY else None


def _admin_scope(admin: User) -> tuple[frozenset[int], frozenset[int]]:
    """The units the administrator covers, and the organisations they administer as a whole."""
    units = units_where(admin, Role.ADMIN)
    whole = RoleGrant.objects.filter(user=admin, role=Role.ADMIN, unit__isnull=True)
    return units, frozenset(whole.values_list("organisation_id", flat=True))


def _access_events(request: HttpRequest) -> tuple[QuerySet[AuditEvent], dict[str, Any]]:
    """The access log's rows as the filter form chose them, and the choices as understood
    (a malformed person id is dropped, as if none was chosen); only events about people of
    the administrator's units and reads by their staff (audit.selectors.within)."""
    staff = uuid_or_none(request.GET.get("staff", ""))
    participant = uuid_or_none(request.GET.get("participant", ""))
    # Only a unit the admin covers can be chosen; any other id is dropped like a malformed one.
    unit_id = uuid_or_none(request.GET.get("unit", ""))
    unit = (
        _admin_units(request_user(request)).filter(public_id=unit_id).first() if unit_id else None
    )
    chosen: dict[str, Any] = {
        "staff": request.GET.get("staff", "") if staff else "",
        "participant": request.GET.get("participant", "") if participant else "",
        "unit": str(unit.public_id) if unit is not None else "",
        "start": _parse_day(request.GET.get("from", "")),
        "end": _parse_day(request.GET.get("to", "")),
    }
    zone = timezone.get_current_timezone()
    units, organisations = _admin_scope(request_user(request))
    events = record_reads(
        units=units,
        organisations=organisations,
        staff=staff,
        subject=participant,
        since=datetime.combine(chosen["start"], time.min, zone) if chosen["start"] else None,
        until=datetime.combine(chosen["end"], time.max, zone) if chosen["end"] else None,
    )
    if unit is not None:
        events = events.filter(unit=unit)
    return events, chosen


def _admin_units(admin: User) -> QuerySet[Unit]:
    """The units whose rows the admin may pick in the access log's unit filter."""
    return Unit.objects.filter(pk__in=units_where(admin, Role.ADMIN)).select_related("organisation")


@role_required(Role.ADMIN)
def access_log(request: HttpRequest) -> HttpResponseBase:
    events, chosen = _access_events(request)
    if request.GET.get("format") == "csv":

        def rows() -> Iterator[list[Any]]:
            # The unit last: a reader of the older file finds the columns where they were.
            yield ["time", "staff", "roles", "participant", "what", "ip", "unit"]
            for e in events.iterator(chunk_size=2000):
                yield [
                    e.created_at.isoformat(),
                    e.actor_label,
                    e.actor_roles,
                    e.subject.display_name if e.subject else "",
                    e.detail,
                    e.ip_address or "",
                    e.unit_label,
                ]

        return csv_response(rows(), filename="omtag-access-log.csv", stream=True)
    # The filter's choices: the administrator's own staff and participants only.
    units, organisations = _admin_scope(request_user(request))
    staff_ids = (
        RoleGrant.objects.exclude(role=Role.PARTICIPANT)
        .filter(Q(unit__in=units) | Q(unit__isnull=True, organisation__in=organisations))
        .values("user_id")
    )
    participant_ids = RoleGrant.objects.filter(role=Role.PARTICIPANT, unit__in=units).values(
        "user_id"
    )
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    # The roles as the reader's language names them; the CSV keeps the stored codes.
    listed = [(e, role_labels(e.actor_roles)) for e in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "therapist/admin_access_log.html",
        {
            "page": page,
            "rows": listed,
            "chosen": chosen,
            "query": query.urlencode(),
            "staff": User.objects.filter(pk__in=staff_ids).order_by("email"),
            "participants": User.objects.filter(pk__in=participant_ids).order_by("display_name"),
            "units": _admin_units(request_user(request)),
        },
    )


@role_required(Role.ADMIN)
def risk_words(request: HttpRequest) -> HttpResponse:
    """The words and phrases that raise a risk signal in a participant's message."""
    from modules.models import RiskTerm
    from modules.services import risk_term_add, risk_term_set_active

    from .forms import RiskTermForm, RiskTermToggleForm

    user = request_user(request)
    form = RiskTermForm()
    if request.method == "POST" and "toggle" in request.POST:
        toggle = RiskTermToggleForm(request.POST)
        term = (
            RiskTerm.objects.filter(pk=toggle.cleaned_data["toggle"]).first()
            if toggle.is_valid()
            else None
        )
        if term is None:
            raise Http404
        risk_term_set_active(actor=user, term=term, active=not term.active)
        return redirect("administration:risk_words")
    if request.method == "POST":
        form = RiskTermForm(request.POST)
        if form.is_valid():
            try:
                risk_term_add(actor=user, **form.cleaned_data)
            except ValidationError as problem:
                form.add_error("phrase", problem)
            else:
                messages.success(request, _("The word is added."))
                return redirect("administration:risk_words")
    return render(
        request,
        "therapist/admin_risk_words.html",
        {"terms": RiskTerm.objects.all(), "form": form},
        status=400 if form.errors else 200,
    )
