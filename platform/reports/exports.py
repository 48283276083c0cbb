"""The report as files: the tables the exports hold (the aggregate figures, and one
pseudonymous row per enrollment), and how they are written as CSV (sections one after
another, each after a row with its name and separated by an empty row) and Excel (one sheet
per section). Aggregate figures and the pseudonymous per-enrollment table only: nothing from
partner contact, no names, email addresses, ids or free text."""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.exports import csv_response as _csv_response
from audit.exports import xlsx_response as _xlsx_response
from measures.models import MeasureResponse, Occasion
from modules.models import Enrollment

from .selectors import (
    ENDED_STATUSES,
    LATER_OCCASIONS,
    Epoch,
    ModuleIndex,
    Period,
    Report,
    cohort_q,
    furthest_modules,
    module_index,
)

# --- The tables ---------------------------------------------------------------------------------


def pseudonym(enrollment_id: int) -> str:
    """A stable pseudonym for an enrollment: a keyed hash of its internal id, so the same
    person has the same code in every export, and the code says nothing by itself."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(),
        f"omtag.reports.pseudonym:{enrollment_id}".encode(),
        hashlib.sha256,
    ).hexdigest()
    return f"P-{digest[:10]}"


def _month(seconds: float | None, zone: tzinfo) -> str:
    """A moment (seconds since 1970) as its month in local time: "2026-03"."""
    if seconds is None:
        return ""
    return datetime.fromtimestamp(seconds, tz=zone).strftime("%Y-%m")


SOURCE_DIRECT = "direct"
OCCASION_ORDER = [Occasion.INTAKE, *LATER_OCCASIONS]


@dataclass(frozen=True)
class EnrollmentTable:
    header: list[str]
    rows: list[list[Any]]


def enrollment_table(period: Period, index: ModuleIndex | None = None) -> EnrollmentTable:
    """One row per enrollment in the funnel's cohort: a pseudonym, the referral source, months
    (never days), the furthest module, the status and each instrument's score per occasion.
    No names, email addresses, ids or free text. Four queries."""
    index = index or module_index()
    cohort = Enrollment.objects.filter(cohort_q(period))
    enrollments = list(
        cohort.order_by("pk").values_list(
            "pk",
            "status",
            Epoch("created_at"),
            Epoch("started_at"),
            Epoch("status_changed_at"),
            "referral__source",
            Epoch("referral__received_at"),
        )
    )
    furthest = furthest_modules(cohort.values("pk"), index)
    scores: dict[int, dict[str, int]] = defaultdict(dict)
    keys: set[str] = set()
    for enrollment_id, key, occasion, score in MeasureResponse.objects.filter(
        enrollment__in=cohort.values("pk")
    ).values_list("enrollment_id", "instrument__key", "occasion", "score"):
        scores[enrollment_id][f"{key} {occasion}"] = score
        keys.add(key)
    columns = [f"{key} {occasion}" for key in sorted(keys) for occasion in OCCASION_ORDER]
    header = [
        "pseudonym",
        "referral_source",
        "referral_month",
        "enrolled_month",
        "started_month",
        "status",
        "ended_month",
        "furthest_module",
        *columns,
    ]
    rows = []
    zone = timezone.get_current_timezone()
    for pk, status, created, started, changed, source, received in enrollments:
        person = scores.get(pk, {})
        rows.append(
            [
                pseudonym(pk),
                source or SOURCE_DIRECT,
                _month(received, zone),
                _month(created, zone),
                _month(started, zone),
                status,
                _month(changed, zone) if status in ENDED_STATUSES else "",
                furthest.get(pk, 0),
                *(person.get(c, "") for c in columns),
            ]
        )
    return EnrollmentTable(header=header, rows=rows)


def figures_table(data: Report) -> list[tuple[str, list[list[Any]]]]:
    """The aggregate figures as (section, rows) with a header row first, for the exports.
    Suppressed outcome figures read "fewer than N"."""
    fewer = _("fewer than %(n)s") % {"n": data.outcomes.min_group}

    def hours(value: float | None) -> Any:
        return round(value, 2) if value is not None else ""

    funnel_rows: list[list[Any]] = [["step", "label", "count", "lost", "lost_share", "note"]]
    for s in data.funnel.steps:
        funnel_rows.append(
            [
                s.key,
                s.label,
                s.count,
                "" if s.lost is None else s.lost,
                "" if s.lost_share is None else round(s.lost_share, 4),
                s.note,
            ]
        )
    outcome_rows: list[list[Any]] = [
        [
            "instrument",
            "occasion",
            "people",
            "mean_intake",
            "mean_later",
            "mean_change",
            "improved",
            "improved_share",
            "threshold",
            "higher_is_worse",
        ]
    ]
    for r in data.outcomes.rows:
        if r.suppressed:
            figures: list[Any] = [fewer if r.n else 0, *[fewer if r.n else ""] * 5]
        else:
            figures = [
                r.n,
                round(r.mean_intake or 0, 2),
                round(r.mean_later or 0, 2),
                round(r.mean_change or 0, 2),
                r.improved,
                round(r.improved_share or 0, 4),
            ]
        outcome_rows.append(
            [r.instrument_key, r.occasion, *figures, r.threshold, r.higher_is_worse]
        )
    sv = data.service
    service_rows: list[list[Any]] = [
        ["figure", "people_or_cases", "median_hours", "p90_hours", "without_end_yet"],
        [
            "referral_to_first_contact",
            sv.first_contact.n,
            hours(sv.first_contact.median_hours),
            hours(sv.first_contact.p90_hours),
            sv.first_contact.waiting,
        ],
        [
            "message_to_answer",
            sv.answer.n,
            hours(sv.answer.median_hours),
            hours(sv.answer.p90_hours),
            sv.answer.waiting,
        ],
    ]
    unlock_rows: list[list[Any]] = [
        ["figure", "counted", "on_time", "late", "pending", "on_time_share"],
        [
            "modules_unlocked_on_time",
            sv.unlocks.counted,
            sv.unlocks.on_time,
            sv.unlocks.late,
            sv.unlocks.pending,
            "" if sv.unlocks.on_time_share is None else round(sv.unlocks.on_time_share, 4),
        ],
    ]
    period_rows: list[list[Any]] = [
        ["from", "to", "min_group"],
        [data.period.start.isoformat(), data.period.end.isoformat(), data.outcomes.min_group],
    ]
    return [
        ("period", period_rows),
        ("funnel", funnel_rows),
        ("outcomes", outcome_rows),
        ("service", service_rows),
        ("unlocks", unlock_rows),
    ]


# --- The files ----------------------------------------------------------------------------------


def sections(data: Report, table: EnrollmentTable) -> list[tuple[str, list[list[Any]]]]:
    return [*figures_table(data), ("enrollments", [table.header, *table.rows])]


def _filename(data: Report, extension: str) -> str:
    return f"omtag-report-{data.period.slug}.{extension}"


def csv_response(data: Report, table: EnrollmentTable) -> HttpResponse:
    rows: list[list[Any]] = []
    for i, (name, section) in enumerate(sections(data, table)):
        if i:
            rows.append([])
        rows.append([f"# {name}"])
        rows.extend(section)
    # The one export writer neutralises anything a spreadsheet would read as a formula.
    return _csv_response(rows, filename=_filename(data, "csv"))


def xlsx_response(data: Report, table: EnrollmentTable) -> HttpResponse:
    return _xlsx_response(sections(data, table), filename=_filename(data, "xlsx"))
