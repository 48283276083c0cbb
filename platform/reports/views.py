"""The organisation's report, for the organisation lead and the administrator: the page and
its CSV and Excel exports. Every view and export is written to the access log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Role
from accounts.scope import units_where
from accounts.views import request_user, role_required
from audit.services import record_read
from measures.charts import funnel_chart, improved_chart

from . import selectors
from .exports import EnrollmentTable, csv_response, enrollment_table, xlsx_response
from .forms import PeriodForm
from .selectors import Period, Report

READERS = (Role.ORG_LEAD, Role.ADMIN)


def _form(query: QueryDict) -> PeriodForm:
    """Bound to the query string; with no dates asked for, to the last 12 months (so the
    fields show the period the figures are for)."""
    if "start" in query or "end" in query:
        return PeriodForm(query)
    default = selectors.default_period()
    return PeriodForm({"start": default.start.isoformat(), "end": default.end.isoformat()})


def _period(request: HttpRequest, form: PeriodForm) -> Period:
    """The chosen period, counting only the units the reader covers as lead or admin."""
    return replace(form.period, units=units_where(request_user(request), *READERS))


def _log(request: HttpRequest, period: Period, what: str) -> None:
    # A read of figures about everyone, not of one person's record: no subject.
    record_read(
        request,
        target_type="report",
        target_id=f"{period.start.isoformat()}..{period.end.isoformat()}",
        what=what,
    )


@role_required(*READERS)
def report(request: HttpRequest) -> HttpResponse:
    form = _form(request.GET)
    if not form.is_valid():
        return render(request, "reports/report.html", {"form": form}, status=400)
    data = selectors.report(_period(request, form), request_user(request))
    _log(request, form.period, gettext_noop("report"))
    return render(
        request,
        "reports/report.html",
        {
            "form": form,
            "report": data,
            "query": f"start={form.period.start.isoformat()}&end={form.period.end.isoformat()}",
            "funnel_chart": funnel_chart(data.funnel),
            "improved_chart": improved_chart(data.outcomes),
            "unlock_days": selectors.UNLOCK_ON_TIME.days,
        },
    )


def _export(
    request: HttpRequest,
    what: str,
    respond: Callable[[Report, EnrollmentTable], HttpResponse],
) -> HttpResponse:
    form = _form(request.GET)
    if not form.is_valid():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponse(
            _("The period is not valid: %(errors)s") % {"errors": message},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    period = _period(request, form)
    data = selectors.report(period, request_user(request))
    table = enrollment_table(period, data.index)
    _log(request, form.period, what)
    return respond(data, table)


@role_required(*READERS)
def export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, gettext_noop("report csv"), csv_response)


@role_required(*READERS)
def export_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, gettext_noop("report xlsx"), xlsx_response)
