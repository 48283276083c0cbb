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
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import QuerySet
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
    Durations,
    Epoch,
    Funnel,
    MeetingFigures,
    ModuleIndex,
    OutcomeRow,
    Outcomes,
    Period,
    Report,
    Service,
    UnlockFigures,
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
# The enrollment table's fixed columns; a column per instrument and occasion follows them.
ENROLLMENT_COLUMNS = (
    "pseudonym",
    "referral_source",
    "referral_month",
    "enrolled_month",
    "started_month",
    "status",
    "ended_month",
    "furthest_module",
)

Rows = list[list[Any]]
Section = tuple[str, Rows]


@dataclass(frozen=True)
class EnrollmentTable:
    header: list[str]
    rows: Rows


class _EnrollmentFacts(NamedTuple):
    """What the table reads of one enrollment; moments as seconds since 1970."""

    pk: int
    status: str
    created: float | None
    started: float | None
    changed: float | None
    source: str | None
    received: float | None


def enrollment_table(period: Period, index: ModuleIndex | None = None) -> EnrollmentTable:
    """One row per enrollment in the funnel's cohort: a pseudonym, the referral source, months
    (never days), the furthest module, the status and each instrument's score per occasion.
    No names, email addresses, ids or free text. Four queries."""
    index = index or module_index()
    cohort = Enrollment.objects.filter(cohort_q(period), period.of_units("unit"))
    enrollments = _enrollment_facts(cohort)
    furthest = furthest_modules(cohort.values("pk"), index)
    scores, columns = _scores(cohort)
    zone = timezone.get_current_timezone()
    rows = [
        [
            *_enrollment_cells(facts, furthest.get(facts.pk, 0), zone),
            *(scores.get(facts.pk, {}).get(c, "") for c in columns),
        ]
        for facts in enrollments
    ]
    return EnrollmentTable(header=[*ENROLLMENT_COLUMNS, *columns], rows=rows)


def _enrollment_facts(cohort: QuerySet[Enrollment]) -> list[_EnrollmentFacts]:
    rows = cohort.order_by("pk").values_list(
        "pk",
        "status",
        Epoch("created_at"),
        Epoch("started_at"),
        Epoch("status_changed_at"),
        "referral__source",
        Epoch("referral__received_at"),
    )
    return [_EnrollmentFacts(*row) for row in rows]


def _scores(cohort: QuerySet[Enrollment]) -> tuple[dict[int, dict[str, int]], list[str]]:
    """Each enrollment's scores by column ("phq-9 intake"), and the columns: every occasion of
    each instrument anyone in the cohort answered, instruments in key order."""
    scores: dict[int, dict[str, int]] = defaultdict(dict)
    keys: set[str] = set()
    for enrollment_id, key, occasion, score in MeasureResponse.objects.filter(
        enrollment__in=cohort.values("pk")
    ).values_list("enrollment_id", "instrument__key", "occasion", "score"):
        scores[enrollment_id][f"{key} {occasion}"] = score
        keys.add(key)
    columns = [f"{key} {occasion}" for key in sorted(keys) for occasion in OCCASION_ORDER]
    return scores, columns


def _enrollment_cells(facts: _EnrollmentFacts, furthest: int, zone: tzinfo) -> list[Any]:
    """The fixed columns (ENROLLMENT_COLUMNS) of one enrollment's row: the end month only
    for an enrollment that has ended."""
    ended = facts.status in ENDED_STATUSES
    return [
        pseudonym(facts.pk),
        facts.source or SOURCE_DIRECT,
        _month(facts.received, zone),
        _month(facts.created, zone),
        _month(facts.started, zone),
        facts.status,
        _month(facts.changed, zone) if ended else "",
        furthest,
    ]


def figures_table(data: Report) -> list[Section]:
    """The aggregate figures as (section, rows) with a header row first, for the exports.
    Suppressed outcome figures read "fewer than N"."""
    return [
        ("period", _period_rows(data)),
        ("funnel", _funnel_rows(data.funnel)),
        ("outcomes", _outcome_rows(data.outcomes)),
        ("service", _service_rows(data.service)),
        ("unlocks", _unlock_rows(data.service.unlocks)),
        ("meetings", _meeting_rows(data.service.meetings)),
    ]


def _blank_if_none(value: Any) -> Any:
    """A figure there is none of (None) is an empty cell."""
    return "" if value is None else value


def _rounded(value: float | None, digits: int) -> Any:
    return "" if value is None else round(value, digits)


def _period_rows(data: Report) -> Rows:
    return [
        ["from", "to", "min_group"],
        [data.period.start.isoformat(), data.period.end.isoformat(), data.outcomes.min_group],
    ]


def _funnel_rows(funnel: Funnel) -> Rows:
    header: list[Any] = ["step", "label", "count", "lost", "lost_share", "note"]
    return [
        header,
        *(
            [s.key, s.label, s.count, _blank_if_none(s.lost), _rounded(s.lost_share, 4), s.note]
            for s in funnel.steps
        ),
    ]


def _outcome_rows(outcomes: Outcomes) -> Rows:
    """A row per instrument and occasion; a group under the smallest shown reads "fewer than
    N" (or 0 people and nothing else when there is nobody) instead of its figures."""
    fewer = _("fewer than %(n)s") % {"n": outcomes.min_group}
    header: list[Any] = [
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
    return [header, *(_outcome_row(r, fewer) for r in outcomes.rows)]


def _outcome_row(row: OutcomeRow, fewer: str) -> list[Any]:
    figures = _outcome_figures(row, fewer)
    return [row.instrument_key, row.occasion, *figures, row.threshold, row.higher_is_worse]


def _outcome_figures(row: OutcomeRow, fewer: str) -> list[Any]:
    """The row's six figures, from "people" to "improved_share"."""
    if row.suppressed:
        return [fewer if row.n else 0, *[fewer if row.n else ""] * 5]
    return [
        row.n,
        round(row.mean_intake or 0, 2),
        round(row.mean_later or 0, 2),
        round(row.mean_change or 0, 2),
        row.improved,
        round(row.improved_share or 0, 4),
    ]


def _service_rows(service: Service) -> Rows:
    return [
        [
            "figure",
            "people_or_cases",
            "median_hours",
            "p90_hours",
            "without_end_yet",
            "closed_without_reply",
        ],
        _duration_row("referral_to_first_contact", service.first_contact),
        _duration_row("message_to_answer", service.answer, closable=True),
    ]


def _duration_row(figure: str, durations: Durations, *, closable: bool = False) -> list[Any]:
    """A timed figure's row; only a message can be closed without an answer (a therapist's
    "Kräver inget svar"), so the first contact leaves that cell empty."""
    return [
        figure,
        durations.n,
        _rounded(durations.median_hours, 2),
        _rounded(durations.p90_hours, 2),
        durations.waiting,
        durations.closed if closable else "",
    ]


def _unlock_rows(unlocks: UnlockFigures) -> Rows:
    return [
        ["figure", "counted", "on_time", "late", "pending", "on_time_share"],
        [
            "modules_unlocked_on_time",
            unlocks.counted,
            unlocks.on_time,
            unlocks.late,
            unlocks.pending,
            _rounded(unlocks.on_time_share, 4),
        ],
    ]


def _meeting_rows(meetings: MeetingFigures) -> Rows:
    return [
        ["figure", "held", "missed", "cancelled_late", "not_recorded"],
        [
            "meetings",
            meetings.held,
            meetings.missed,
            meetings.cancelled_late,
            meetings.not_recorded,
        ],
    ]


# --- The files ----------------------------------------------------------------------------------


def sections(data: Report, table: EnrollmentTable) -> list[Section]:
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
