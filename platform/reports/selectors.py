"""The organisation's report: the funnel from referral to completed treatment, the change in
the standard measures, and service figures, for a chosen period. Pure reads; each figure is a
few aggregate queries whose number does not grow with the data (rows do; at the size the
benchmark uses, 5,000 enrollments, the largest scan is ~50,000 message rows).

Definitions (the page states them too):

- The funnel follows a cohort. A referral belongs to the period in which it was received;
  an enrollment that came from a referral belongs to its referral's period, so the steps
  after "enrolled" follow the same people the first steps counted. An enrollment without a
  referral (a therapist invited the person directly) belongs to the period in which it was
  created and is counted from "enrolled" on.
- "Reached module N" counts enrollments whose furthest module started or completed is module
  N or later, so the steps never grow (a module a therapist opened out of order counts as
  reaching it). "Started module 1" is the first of these steps.
- Outcomes pair a person's intake score with their score at the end, or at follow-up 3 or
  12 months after it, on the same instrument. A pair belongs to the period in which the later
  response was submitted. Groups under REPORT_MIN_GROUP (default 5) people show nothing.
- Durations: the median (the middle value; the mean of the two middle values for an even
  count) and the 90th percentile by the nearest-rank method (the smallest value with at
  least 90 % of the values at or below it).
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, FloatField, Func, Max, Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler

if TYPE_CHECKING:
    from django.db.models.sql.compiler import _AsSqlType
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts import scope
from accounts.models import Role, User
from content.models import ModulePage
from intake.models import Referral
from measures.models import Instrument, MeasureResponse, Occasion
from meetings.models import Meeting
from meetings.models import Status as MeetingStatus
from messaging.models import Message, Side, WaitClosure
from messaging.selectors import waiting_messages
from modules.models import OPEN_STATUSES, Enrollment, EnrollmentStatus, ModuleProgress, ModuleState
from organisations.models import Organisation

# A module counts as opened on time when it was open at most this long after the participant
# completed the module before it (IVIN's rhythm is one module a week).
UNLOCK_ON_TIME = timedelta(days=7)

LATER_OCCASIONS = (Occasion.COMPLETION, Occasion.FOLLOWUP_3, Occasion.FOLLOWUP_12)
REACHED_STATES = (ModuleState.STARTED, ModuleState.COMPLETED)
ENDED_STATUSES = (EnrollmentStatus.COMPLETED, EnrollmentStatus.DISCONTINUED)
# Wagtail's tree: a page's path is its parent's path plus this many characters.
_STEPLEN = ModulePage.steplen


def min_group(viewer: User | None = None) -> int:
    """The smallest group whose figures the report shows: the viewer's organisation's own
    setting where it has one, else the installation's REPORT_MIN_GROUP. Someone who reads
    the report for several organisations gets the largest of theirs (never less protection
    than any of them chose)."""
    installation = int(getattr(settings, "REPORT_MIN_GROUP", 5))
    if viewer is None:
        return installation
    organisations = scope.organisations_where(viewer, Role.ORG_LEAD, Role.ADMIN)
    chosen = list(
        Organisation.objects.filter(pk__in=organisations).values_list("min_group", flat=True)
    )
    if not chosen:
        return installation
    return max(value if value is not None else installation for value in chosen)


# --- The period --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The report's span, and the units whose treatments and referrals it counts: the units
    the reader covers (reports.views always sets them); None counts every unit (the bench and
    tests of the figures themselves)."""

    start: date
    end: date  # inclusive
    units: frozenset[int] | None = None

    def of_units(self, path: str) -> Q:
        """Rows whose unit (at `path`, e.g. "enrollment__unit") is one of the period's units."""
        if self.units is None:
            return Q()
        return Q(**{f"{path}__in": self.units})

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        """The first moment after the period (exclusive bound)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def contains(self, moment: datetime) -> bool:
        return self.since <= moment < self.until

    @property
    def slug(self) -> str:
        return f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"


def default_period(today: date | None = None) -> Period:
    """The last 12 months, today included."""
    today = today or timezone.localdate()
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return Period(start=year_ago + timedelta(days=1), end=today)


def _in(period: Period, field_name: str) -> Q:
    return Q(**{f"{field_name}__gte": period.since, f"{field_name}__lt": period.until})


def cohort_q(period: Period) -> Q:
    """The enrollments the funnel follows for `period` (see the module's docstring)."""
    return _in(period, "referral__received_at") | (
        Q(referral__isnull=True) & _in(period, "created_at")
    )


# --- Modules: position in their programme ---------------------------------------------------


@dataclass(frozen=True)
class ModuleIndex:
    position_by_path: dict[str, int]  # a module page's path → its number in its programme (1…)
    place_by_id: dict[int, tuple[str, int]]  # a module page's id → (its programme's path, number)
    titles: dict[int, str]  # number → title in the main programme

    @property
    def count(self) -> int:
        return max([0, *self.titles, *self.position_by_path.values()])


def module_index() -> ModuleIndex:
    """Every module's number within its programme, in one query (tree paths sort in order)."""
    rows = ModulePage.objects.order_by("path").values_list("pk", "path", "title")
    position_by_path: dict[str, int] = {}
    place_by_id: dict[int, tuple[str, int]] = {}
    seen: Counter[str] = Counter()
    titles_by_parent: dict[str, dict[int, str]] = defaultdict(dict)
    for pk, path, title in rows:
        parent = path[:-_STEPLEN]
        seen[parent] += 1
        position_by_path[path] = seen[parent]
        place_by_id[pk] = (parent, seen[parent])
        titles_by_parent[parent][seen[parent]] = title
    # Titles from the first programme in the tree, which is the one new participants join
    # (modules.services.default_programme: the first Swedish programme, created first).
    titles = next(iter(titles_by_parent.values()), {})
    return ModuleIndex(position_by_path=position_by_path, place_by_id=place_by_id, titles=titles)


def furthest_modules(enrollments: Any, index: ModuleIndex) -> dict[int, int]:
    """Enrollment id → the number of the furthest module started or completed (absent: none)."""
    rows = (
        ModuleProgress.objects.filter(enrollment__in=enrollments, state__in=REACHED_STATES)
        .values("enrollment_id")
        .annotate(top=Max("module__path"))
        .values_list("enrollment_id", "top")
    )
    return {pk: index.position_by_path.get(top, 0) for pk, top in rows}


# --- Funnel ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStep:
    key: str
    label: str
    count: int
    # People lost since the previous step, and their share of it; None for the first step
    # and where a step is not a subset of the one before (see `Funnel`).
    lost: int | None = None
    lost_share: float | None = None
    note: str = ""


@dataclass(frozen=True)
class Funnel:
    steps: list[FunnelStep]
    direct: int  # enrollments without a referral, counted from "enrolled" on

    @property
    def top(self) -> int:
        return max([0, *(s.count for s in self.steps)])


def _loss(before: int, after: int) -> tuple[int | None, float | None]:
    if before <= 0 or after > before:
        return None, None
    return before - after, (before - after) / before


def _step_after(before: int, key: str, label: str, count: int, note: str = "") -> FunnelStep:
    """A step, with the people lost since the step before it, which counted `before`."""
    return FunnelStep(key, label, count, *_loss(before, count), note=note)


def funnel(period: Period, index: ModuleIndex | None = None) -> Funnel:
    """The cohort's steps from referral to completed treatment (see the module's docstring):
    referred, screened, enrolled, one step per module, completed. Three queries, and one more
    for the module index when `index` is not given."""
    index = index or module_index()
    referrals = _referral_counts(period)
    cohort = Enrollment.objects.filter(cohort_q(period), period.of_units("unit"))
    enrolled = _cohort_counts(cohort)
    furthest = Counter(furthest_modules(cohort.values("pk"), index).values())
    steps = [*_referral_steps(referrals), _enrolled_step(referrals, enrolled)]
    steps += _module_steps(index, furthest, before=enrolled.total)
    completed = pgettext("funnel", "Completed")
    steps.append(_step_after(steps[-1].count, "completed", completed, enrolled.completed))
    return Funnel(steps=steps, direct=enrolled.direct)


@dataclass(frozen=True)
class _ReferralCounts:
    """The period's referrals, and how many of them were screened and led to an enrollment."""

    referred: int
    screened: int
    enrolled: int


def _referral_counts(period: Period) -> _ReferralCounts:
    return _ReferralCounts(
        **Referral.objects.filter(_in(period, "received_at"), period.of_units("unit")).aggregate(
            referred=Count("pk"),
            screened=Count("pk", filter=Q(screening__isnull=False)),
            enrolled=Count("pk", filter=Q(enrollment__isnull=False)),
        )
    )


@dataclass(frozen=True)
class _CohortCounts:
    """The cohort's enrollments: all, those without a referral, and those completed."""

    total: int
    direct: int
    completed: int


def _cohort_counts(cohort: QuerySet[Enrollment]) -> _CohortCounts:
    return _CohortCounts(
        **cohort.aggregate(
            total=Count("pk"),
            direct=Count("pk", filter=Q(referral__isnull=True)),
            completed=Count("pk", filter=Q(status=EnrollmentStatus.COMPLETED)),
        )
    )


def _referral_steps(referrals: _ReferralCounts) -> list[FunnelStep]:
    return [
        FunnelStep("referred", pgettext("funnel", "Referred"), referrals.referred),
        _step_after(
            referrals.referred, "screened", pgettext("funnel", "Screened"), referrals.screened
        ),
    ]


def _enrolled_step(referrals: _ReferralCounts, enrolled: _CohortCounts) -> FunnelStep:
    """Everyone enrolled; the people lost are counted among referrals only (screened but not
    enrolled), as direct invitations join the funnel here."""
    note = (
        _("of whom %(direct)s invited directly, without a referral") % {"direct": enrolled.direct}
        if enrolled.direct
        else ""
    )
    loss = _loss(referrals.screened, referrals.enrolled)
    return FunnelStep("enrolled", pgettext("funnel", "Enrolled"), enrolled.total, *loss, note=note)


def _module_steps(index: ModuleIndex, furthest: Counter[int], before: int) -> list[FunnelStep]:
    """A step per module number (up to the longest programme's), each counting the enrollments
    whose furthest module is that one or later, so the steps never grow; noted with the main
    programme's title for it. `furthest` counts enrollments by their furthest module's number,
    and `before` is the count of the step before the first module."""
    steps = []
    for number in range(1, index.count + 1):
        reached = sum(n for top, n in furthest.items() if top >= number)
        label = _module_label(number)
        title = index.titles.get(number, "")
        steps.append(_step_after(before, f"module_{number}", label, reached, note=title))
        before = reached
    return steps


def _module_label(number: int) -> str:
    if number == 1:
        return pgettext("funnel", "Started module 1")
    return pgettext("funnel", "Reached module %(number)s") % {"number": number}


# --- Outcomes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeRow:
    instrument_key: str
    instrument_name: str
    occasion: str
    occasion_label: str
    higher_is_worse: bool
    threshold: int
    n: int
    suppressed: bool
    mean_intake: float | None = None
    mean_later: float | None = None
    mean_change: float | None = None  # later minus intake
    improved: int | None = None
    improved_share: float | None = None


@dataclass(frozen=True)
class Outcomes:
    rows: list[OutcomeRow]
    min_group: int

    @property
    def shown(self) -> list[OutcomeRow]:
        return [r for r in self.rows if not r.suppressed]


def _improved(instrument: Instrument, intake: int, later: int) -> bool:
    better = intake - later if instrument.higher_is_worse else later - intake
    return better >= instrument.improvement_threshold


def outcomes(period: Period, viewer: User | None = None) -> Outcomes:
    """Intake → end / follow-up, per instrument, for pairs whose later response was submitted
    in the period. Three queries (four with a viewer, whose organisation's smallest group
    applies)."""
    smallest = min_group(viewer)
    later = MeasureResponse.objects.filter(
        _in(period, "submitted_at"),
        period.of_units("enrollment__unit"),
        occasion__in=LATER_OCCASIONS,
    )
    later_rows = list(later.values_list("enrollment_id", "instrument_id", "occasion", "score"))
    intake = {
        (e, i): s
        for e, i, s in MeasureResponse.objects.filter(
            occasion=Occasion.INTAKE, enrollment_id__in=later.values("enrollment_id")
        ).values_list("enrollment_id", "instrument_id", "score")
    }
    pairs: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    for enrollment_id, instrument_id, occasion, score in later_rows:
        before = intake.get((enrollment_id, instrument_id))
        if before is not None:
            pairs[(instrument_id, occasion)].append((before, score))
    used = {instrument_id for instrument_id, _occasion in pairs}
    instruments = Instrument.objects.filter(Q(active=True) | Q(pk__in=used)).order_by("key")
    labels = dict(Occasion.choices)
    rows = []
    for instrument in instruments:
        for occasion in LATER_OCCASIONS:
            found = pairs.get((instrument.pk, occasion), [])
            n = len(found)
            common: dict[str, Any] = {
                "instrument_key": instrument.key,
                "instrument_name": instrument.name,
                "occasion": str(occasion),
                "occasion_label": str(labels[occasion]),
                "higher_is_worse": instrument.higher_is_worse,
                "threshold": instrument.improvement_threshold,
                "n": n,
            }
            if n < smallest:
                rows.append(OutcomeRow(**common, suppressed=True))
                continue
            improved = sum(_improved(instrument, a, b) for a, b in found)
            rows.append(
                OutcomeRow(
                    **common,
                    suppressed=False,
                    mean_intake=statistics.fmean(a for a, _b in found),
                    mean_later=statistics.fmean(b for _a, b in found),
                    mean_change=statistics.fmean(b - a for a, b in found),
                    improved=improved,
                    improved_share=improved / n,
                )
            )
    return Outcomes(rows=rows, min_group=smallest)


# --- Service figures -------------------------------------------------------------------------


def median(values: Sequence[timedelta]) -> timedelta:
    """The middle value; the mean of the two middle values for an even count."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: Sequence[timedelta], share: float) -> timedelta:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass(frozen=True)
class Durations:
    n: int
    median: timedelta | None
    p90: timedelta | None
    waiting: int = 0  # cases with no end yet (no first contact, no answer)
    closed: int = 0  # ended without an answer: messages marked as needing no reply

    @classmethod
    def of(cls, values: list[timedelta], waiting: int = 0, closed: int = 0) -> Durations:
        if not values:
            return cls(0, None, None, waiting, closed)
        return cls(len(values), median(values), percentile(values, 0.9), waiting, closed)

    @property
    def median_hours(self) -> float | None:
        return self.median / timedelta(hours=1) if self.median is not None else None

    @property
    def p90_hours(self) -> float | None:
        return self.p90 / timedelta(hours=1) if self.p90 is not None else None

    @property
    def median_days(self) -> float | None:
        return self.median / timedelta(days=1) if self.median is not None else None

    @property
    def p90_days(self) -> float | None:
        return self.p90 / timedelta(days=1) if self.p90 is not None else None


class Epoch(Func):
    """A moment as seconds since 1970 (a float), computed by the database: the service
    figures scan tens of thousands of moments, and parsing each into a datetime in Python
    is what would take the time. SQLite stores UTC text that julianday() reads; PostgreSQL
    has EXTRACT(EPOCH ...)."""

    output_field = FloatField()
    template = "CAST(EXTRACT(EPOCH FROM %(expressions)s) AS DOUBLE PRECISION)"

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> _AsSqlType:
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
            **extra_context,
        )


def _seconds(value: float) -> timedelta:
    # To the millisecond: julianday's floating point is exact to well under that.
    return timedelta(milliseconds=round(value * 1000))


def first_contact_times(period: Period) -> Durations:
    """Referral received (in the period) → the first contact with the person."""
    rows = (
        Referral.objects.filter(_in(period, "received_at"), period.of_units("unit"))
        .annotate(wait=Epoch("first_contact_at") - Epoch("received_at"))
        .values_list("wait", flat=True)
    )
    values, waiting = [], 0
    for wait in rows:
        if wait is None:
            waiting += 1
        else:
            values.append(_seconds(max(wait, 0.0)))
    return Durations.of(values, waiting)


def answer_times(period: Period) -> Durations:
    """For each participant message sent in the period: the time until the next message
    from the care team in the same thread (which may come after the period). One ordered
    scan, newest first within each thread, so each message meets its answer before itself.

    The same definition of waiting as everywhere else (messaging.selectors.waiting_messages):
    a message waits until the team writes after it or a therapist marks it as needing no
    reply. A message closed that way (a WaitClosure at or after it and before the team's next
    message) has no answer time: it is neither timed (nothing was answered, and counting the
    close would flatter the figure) nor left waiting forever; it is counted apart, as
    `closed`. The messages still waiting are counted by that selector itself."""
    rows = (
        Message.objects.filter(
            period.of_units("thread__enrollment__unit"), created_at__gte=period.since
        )
        .order_by("thread_id", "-seq")
        .values_list("thread_id", "side", "seq", Epoch("created_at"))
    )
    # A closure is made after the message it closes, so those for the period's messages were
    # made in or after the period; there are few, so they are read at once.
    closures: dict[int, list[int]] = defaultdict(list)
    for thread_id, seq in WaitClosure.objects.filter(
        period.of_units("thread__enrollment__unit"), closed_at__gte=period.since
    ).values_list("thread_id", "seq"):
        closures[thread_id].append(seq)
    until = period.until.timestamp()
    team = str(Side.TEAM)
    values, closed = [], 0
    thread, answer_seq, answer_at = None, None, None
    for thread_id, side, seq, created_at in rows.iterator(chunk_size=10_000):
        if thread_id != thread:
            thread, answer_seq, answer_at = thread_id, None, None
        if side == team:
            answer_seq, answer_at = seq, created_at
        elif created_at < until:
            if any(
                seq <= c and (answer_seq is None or c < answer_seq)
                for c in closures.get(thread_id, ())
            ):
                closed += 1
            elif answer_at is not None:
                values.append(_seconds(answer_at - created_at))
    waiting = (
        waiting_messages()
        .filter(
            period.of_units("thread__enrollment__unit"),
            created_at__gte=period.since,
            created_at__lt=period.until,
        )
        .count()
    )
    return Durations.of(values, waiting, closed)


@dataclass(frozen=True)
class UnlockFigures:
    counted: int  # modules completed in the period that have a next module to open
    on_time: int
    late: int
    pending: int  # not open yet, but still within the 7 days (or the treatment ended first)

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.counted if self.counted else None


def unlocks_on_time(
    period: Period, now: datetime | None = None, index: ModuleIndex | None = None
) -> UnlockFigures:
    """For each module completed in the period that has a next module: was the next one open
    no later than UNLOCK_ON_TIME after the completion? A module that opens by itself on
    completion is on time. Not open yet: late once the 7 days have passed while the treatment
    was still going on; otherwise left out (pending). One scan of the progress rows of the
    enrollments that completed a module in the period."""
    index = index or module_index()
    now_at = (now or timezone.now()).timestamp()
    since, until = period.since.timestamp(), period.until.timestamp()
    allowed = UNLOCK_ON_TIME.total_seconds()
    open_statuses = {str(s) for s in OPEN_STATUSES}
    completing = ModuleProgress.objects.filter(
        _in(period, "completed_at"), period.of_units("enrollment__unit")
    ).values("enrollment_id")
    rows = (
        ModuleProgress.objects.filter(enrollment_id__in=completing)
        .order_by("enrollment_id")
        .values_list(
            "enrollment_id",
            "module_id",
            Epoch("unlocked_at"),
            Epoch("completed_at"),
            "enrollment__status",
            Epoch("enrollment__status_changed_at"),
        )
    )

    def place(module_id: int) -> tuple[str, int]:
        return index.place_by_id.get(module_id, ("", 0))

    def verdict(deadline: float, following: tuple[Any, ...]) -> str:
        unlocked_at, status, status_changed = following[2], following[4], following[5]
        if unlocked_at is not None:
            return "on_time" if unlocked_at <= deadline else "late"
        # Still closed: late once the deadline passed with the treatment going on.
        ended_at = status_changed if status not in open_statuses else None
        return "late" if (ended_at if ended_at is not None else now_at) > deadline else "pending"

    verdicts: Counter[str] = Counter()
    for _enrollment, group in itertools.groupby(rows.iterator(chunk_size=10_000), lambda r: r[0]):
        modules = sorted(group, key=lambda r: place(r[1]))
        for before, after in itertools.pairwise(modules):
            done = before[3]
            same_programme = place(before[1])[0] == place(after[1])[0]
            if same_programme and done is not None and since <= done < until:
                verdicts[verdict(done + allowed, after)] += 1
    on_time, late, pending = verdicts["on_time"], verdicts["late"], verdicts["pending"]
    return UnlockFigures(on_time + late, on_time, late, pending)


@dataclass(frozen=True)
class MeetingFigures:
    """Meetings that were due in the period, by what the therapist recorded."""

    held: int  # attended
    missed: int  # not attended
    cancelled_late: int
    not_recorded: int  # started, nothing recorded yet


def meeting_figures(period: Period) -> MeetingFigures:
    """One grouped count of the meetings that started in the period in the period's units."""
    counts = dict(
        Meeting.objects.filter(_in(period, "starts_at"), period.of_units("enrollment__unit"))
        .filter(starts_at__lte=timezone.now())
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return MeetingFigures(
        held=counts.get(MeetingStatus.ATTENDED, 0),
        missed=counts.get(MeetingStatus.NOT_ATTENDED, 0),
        cancelled_late=counts.get(MeetingStatus.CANCELLED_LATE, 0),
        not_recorded=counts.get(MeetingStatus.SCHEDULED, 0),
    )


@dataclass(frozen=True)
class Service:
    first_contact: Durations
    answer: Durations
    unlocks: UnlockFigures
    meetings: MeetingFigures


def service(period: Period, index: ModuleIndex | None = None) -> Service:
    return Service(
        first_contact=first_contact_times(period),
        answer=answer_times(period),
        unlocks=unlocks_on_time(period, index=index),
        meetings=meeting_figures(period),
    )


# --- The whole report --------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    period: Period
    funnel: Funnel
    outcomes: Outcomes
    service: Service
    index: ModuleIndex = field(repr=False)


def report(period: Period, viewer: User | None = None) -> Report:
    index = module_index()
    return Report(
        period=period,
        funnel=funnel(period, index),
        outcomes=outcomes(period, viewer),
        service=service(period, index),
        index=index,
    )
