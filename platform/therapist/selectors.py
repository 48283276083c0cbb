"""What a therapist may see: the enrollments they are assigned to (as therapist or
substitute) in the units where they hold the therapist role (the same rule as the
messaging threads: messaging.selectors.therapist_in_unit), and nothing else. The caseload
is read in a fixed number of queries whatever its size."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any
from uuid import UUID

from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.parsing import int_or_none
from meetings.models import Meeting
from meetings.selectors import upcoming as meetings_upcoming
from messaging.models import Message, Thread
from messaging.selectors import (
    may_write,
    therapist_in_unit,
    thread_for_user,
    thread_wait,
    waiting_count,
    waiting_since,
)
from modules.models import (
    OPEN_STATUSES,
    CheckIn,
    Enrollment,
    EnrollmentStatus,
    ModuleProgress,
    ModuleState,
    RiskLevel,
    RiskSignal,
)

INACTIVE_AFTER = timedelta(days=7)
LEVEL_RANK: dict[str, int] = {RiskLevel.ACUTE: 3, RiskLevel.HIGH: 2, RiskLevel.MEDIUM: 1}


def enrollments_for_therapist(user: User) -> QuerySet[Enrollment]:
    if not user.is_active or not user.has_role(Role.THERAPIST):
        return Enrollment.objects.none()
    return (
        Enrollment.objects.filter(Q(therapist=user) | Q(substitute=user))
        .filter(therapist_in_unit(user.pk, unit="unit"))
        .exclude(participant__isnull=True)
    )


def enrollment_or_404(user: User, public_id: UUID | str) -> Enrollment:
    try:
        key = UUID(str(public_id))
    except ValueError:
        raise Http404 from None
    enrollment = (
        enrollments_for_therapist(user)
        .select_related("participant", "therapist", "substitute", "programme", "thread")
        .filter(public_id=key)
        .first()
    )
    if enrollment is None:
        raise Http404
    return enrollment


def _count(qs: QuerySet[Any], field: str = "pk") -> Subquery:
    return Subquery(
        qs.order_by().values(field).annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField(),
    )


@dataclass
class CaseRow:
    enrollment: Enrollment
    done: int
    total: int
    open_modules: int
    current_module: str | None
    waiting: int  # the participant's messages waiting for an answer (messaging.selectors)
    waiting_since: datetime | None
    open_risks: int
    risk_level: str | None
    risk_since: datetime | None
    closeness: int | None
    closeness_before: int | None
    last_checkin_at: datetime | None
    next_meeting_at: datetime | None = None
    url: str = ""
    thread_url: str = ""

    @property
    def participant(self) -> Any:
        return self.enrollment.participant

    @property
    def is_open(self) -> bool:
        return self.enrollment.status in OPEN_STATUSES

    @property
    def waiting_for_unlock(self) -> bool:
        """Finished what was open and the next module waits for the therapist."""
        return self.is_open and self.open_modules == 0 and self.done < self.total

    @cached_property
    def days_inactive(self) -> int | None:
        since = self.enrollment.last_active_at or self.enrollment.started_at
        if since is None:
            return None
        return (timezone.now() - since).days

    @cached_property
    def inactive(self) -> bool:
        days = self.days_inactive
        return self.enrollment.is_active and days is not None and days >= INACTIVE_AFTER.days

    @property
    def trend(self) -> int | None:
        if self.closeness is None or self.closeness_before is None:
            return None
        return self.closeness - self.closeness_before

    @property
    def waiting_for_me(self) -> bool:
        return self.waiting > 0 or self.waiting_for_unlock

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    def urgency(self) -> tuple[Any, ...]:
        """Sort key: a new risk signal first (highest level, oldest first), then the longest
        waiting unanswered message, then waiting for the next module, then those who have
        gone quiet (longest first), then the rest; ended treatments last."""
        far = datetime.max.replace(tzinfo=timezone.get_current_timezone())
        if not self.is_open:
            return (9, 0, far, self.participant.display_name)
        if self.open_risks:
            return (0, -LEVEL_RANK.get(self.risk_level or "", 0), self.risk_since or far, "")
        if self.waiting:
            return (1, 0, self.waiting_since or far, "")
        if self.waiting_for_unlock:
            return (2, 0, self.enrollment.last_active_at or far, "")
        if self.inactive:
            return (3, -(self.days_inactive or 0), far, "")
        return (4, 0, far, self.participant.display_name.lower())


FILTERS = ("all", "waiting", "risk", "inactive", "completed")


def caseload(user: User, filter_name: str = "all") -> list[CaseRow]:
    """The therapist's participants with everything the caseload row shows, in one query,
    ordered by urgency."""
    rows = [_case_row(e) for e in _caseload_queryset(user)]
    rows = [r for r in rows if _passes(r, filter_name)]
    rows.sort(key=CaseRow.urgency)
    return rows


def _caseload_queryset(user: User) -> QuerySet[Enrollment]:
    """The therapist's enrollments with one subquery per figure of the row, so the whole
    caseload is one query whatever its size."""
    return (
        enrollments_for_therapist(user)
        .select_related("participant", "thread")
        .annotate(
            **_progress_figures(),
            **_waiting_figures(),
            **_risk_figures(),
            **_checkin_figures(),
            **_meeting_figures(),
        )
    )


_OPEN_MODULE_STATES = [ModuleState.UNLOCKED, ModuleState.STARTED]


def _progress_figures() -> dict[str, Any]:
    """Modules completed, in all and open (unlocked or started), and the title of the first
    open one in programme order."""
    progress = ModuleProgress.objects.filter(enrollment=OuterRef("pk"))
    open_progress = progress.filter(state__in=_OPEN_MODULE_STATES)
    return {
        "done": Coalesce(_count(progress.filter(state=ModuleState.COMPLETED), "enrollment"), 0),
        "total": Coalesce(_count(progress, "enrollment"), 0),
        "open_modules": Coalesce(_count(open_progress, "enrollment"), 0),
        "current_module": Subquery(
            open_progress.order_by("module__path").values("module__title")[:1],
            output_field=CharField(),
        ),
    }


def _waiting_figures() -> dict[str, Any]:
    """The participant's messages waiting for an answer, as messaging.selectors counts them."""
    thread = OuterRef("thread__pk")
    return {"waiting": waiting_count(thread), "waiting_since": waiting_since(thread)}


def _risk_figures() -> dict[str, Any]:
    """The unacknowledged risk signals: how many, the highest level and the oldest one's time."""
    open_risks = RiskSignal.objects.filter(enrollment=OuterRef("pk"), acknowledged_at__isnull=True)
    rank = Case(
        *[When(level=level, then=Value(n)) for level, n in LEVEL_RANK.items()],
        default=Value(0),
        output_field=IntegerField(),
    )
    return {
        "open_risks": Coalesce(_count(open_risks, "enrollment"), 0),
        "risk_level": Subquery(
            open_risks.annotate(rank=rank).order_by("-rank").values("level")[:1],
            output_field=CharField(),
        ),
        "risk_since": Subquery(
            open_risks.order_by()
            .values("enrollment")
            .annotate(m=Min("created_at"))
            .values("m")[:1],
            output_field=DateTimeField(),
        ),
    }


def _checkin_figures() -> dict[str, Any]:
    """The closeness answer of the last two check-ins (for the trend) and the last one's time."""
    checkins = CheckIn.objects.filter(enrollment=OuterRef("pk")).order_by("-submitted_at", "-pk")
    closeness = checkins.annotate(c=KeyTextTransform("closeness", "answers")).values("c")
    return {
        "closeness": Subquery(closeness[:1]),
        "closeness_before": Subquery(closeness[1:2]),
        "last_checkin_at": Subquery(checkins.values("submitted_at")[:1]),
    }


def _meeting_figures() -> dict[str, Any]:
    """The next booked meeting's start (meetings.selectors.upcoming, as a subquery)."""
    upcoming = meetings_upcoming(Meeting.objects.filter(enrollment=OuterRef("pk")))
    return {"next_meeting_at": Subquery(upcoming.values("starts_at")[:1])}


def _case_row(e: Any) -> CaseRow:
    """A caseload row from an enrollment annotated by _caseload_queryset."""
    return CaseRow(
        enrollment=e,
        done=e.done,
        total=e.total,
        open_modules=e.open_modules,
        current_module=e.current_module,
        waiting=e.waiting,
        waiting_since=e.waiting_since,
        open_risks=e.open_risks,
        risk_level=e.risk_level,
        risk_since=e.risk_since,
        closeness=int_or_none(e.closeness),
        closeness_before=int_or_none(e.closeness_before),
        last_checkin_at=e.last_checkin_at,
        next_meeting_at=e.next_meeting_at,
    )


def _passes(row: CaseRow, filter_name: str) -> bool:
    if filter_name == "waiting":
        # A message waits also in an ended treatment, until answered or closed.
        return row.waiting_for_me
    if filter_name == "risk":
        return row.open_risks > 0
    if filter_name == "inactive":
        return row.inactive
    if filter_name == "completed":
        return row.enrollment.status in (
            EnrollmentStatus.COMPLETED,
            EnrollmentStatus.DISCONTINUED,
        )
    return True


def open_risk_count(user: User) -> int:
    """For the navigation: open signals on my caseload."""
    return RiskSignal.objects.filter(
        enrollment__in=enrollments_for_therapist(user), acknowledged_at__isnull=True
    ).count()


# --- One participant ---------------------------------------------------------------------


@dataclass
class MeasureOverview:
    history: Any  # measures.selectors.ScoreHistory
    sections: list[dict[str, Any]]  # measures.charts.sections


def measure_overview(enrollment: Enrollment) -> MeasureOverview:
    """The participant's measures for the overview: a chart and a table per instrument, and
    what is due but not answered; a fixed number of queries whatever was answered."""
    from measures.charts import sections
    from measures.selectors import score_history

    history = score_history(enrollment)
    return MeasureOverview(history, sections(history))


# --- The overview's risk signals and latest messages -------------------------------------------

# messaging.services writes a message's risk words as "message <seq>: <phrase>".
_MESSAGE_REASON = re.compile(r"message (\d+): (.+)", re.DOTALL)


def reason_label(reason: str) -> str:
    """A signal's stored reason as the therapist reads it: a check-in key becomes its label,
    a risk word from a message says which message; anything else is shown as stored."""
    from modules.checkin import RISK_REASONS

    if reason in RISK_REASONS:
        return str(RISK_REASONS[reason])
    found = _MESSAGE_REASON.fullmatch(reason)
    if found:
        return _("Message %(number)s: “%(phrase)s”") % {
            "number": found.group(1),
            "phrase": found.group(2),
        }
    return reason


def signal_reasons(signal: RiskSignal) -> list[str]:
    """What raised a signal, for the therapist: each reason's label, with the check-in's
    question and answer behind it, or the questionnaire's question and answer (as the
    participant saw them). Plain text: the template escapes it."""
    from modules.checkin import reason_with_answer

    english = (get_language() or "").startswith("en")
    answers = signal.checkin.answers if signal.checkin is not None else None
    labels = []
    for reason in signal.reasons or []:
        label = reason_label(str(reason))
        shown = reason_with_answer(str(reason), answers) if isinstance(answers, dict) else None
        labels.append(f"{label}: {shown}" if shown else label)
    for detail in signal.details or []:
        if not isinstance(detail, dict) or detail.get("kind") != "measure_item":
            continue
        suffix = "_en" if english else "_sv"
        labels.append(
            _("%(instrument)s, question %(number)s: “%(question)s” answer: %(answer)s (%(value)s)")
            % {
                "instrument": detail.get("instrument" + suffix, ""),
                "number": detail.get("number", ""),
                "question": detail.get("question" + suffix, ""),
                "answer": detail.get("answer" + suffix, ""),
                "value": detail.get("value", ""),
            }
        )
    return labels


@dataclass
class SignalItem:
    signal: RiskSignal
    reasons: list[str]  # translated; empty for a signal that carries a level only


def risk_signals(enrollment: Enrollment) -> tuple[list[SignalItem], list[SignalItem]]:
    """The enrollment's open signals (newest first) and acknowledged ones (in the order they
    were acknowledged), in one query."""
    signals = (
        RiskSignal.objects.filter(enrollment=enrollment)
        .select_related("acknowledged_by", "checkin")
        .order_by("acknowledged_at", "-created_at")
    )
    items = [SignalItem(s, signal_reasons(s)) for s in signals]
    return (
        [i for i in items if i.signal.acknowledged_at is None],
        [i for i in items if i.signal.acknowledged_at is not None],
    )


OVERVIEW_MESSAGES = 10


@dataclass
class RecentMessages:
    thread: Thread
    messages: list[Message]  # the newest few, oldest first
    has_older: bool
    may_write: bool
    waiting_since: datetime | None = None  # messaging.selectors: waiting for an answer
    waiting: int = 0

    @property
    def other_read(self) -> int:
        """The participant's read marker, for the "Read" mark on the team's messages."""
        return self.thread.participant_read_seq


def recent_messages(
    user: User, enrollment: Enrollment, limit: int = OVERVIEW_MESSAGES
) -> RecentMessages | None:
    """The last `limit` messages of the enrollment's thread and whether it waits for an
    answer, in three queries whatever the thread's length; None when `user` may not see the
    thread."""
    thread = thread_for_user(user, enrollment.thread.public_id)
    if thread is None:
        return None
    newest = list(
        Message.objects.filter(thread=thread).select_related("sender").order_by("-seq")[: limit + 1]
    )
    since, waiting = thread_wait(thread)
    return RecentMessages(
        thread=thread,
        messages=list(reversed(newest[:limit])),
        has_older=len(newest) > limit,
        may_write=may_write(thread),
        waiting_since=since,
        waiting=waiting,
    )


def next_module_key(rows: list[Any]) -> Any:
    """The module the therapist would open next: the first locked one in programme order."""
    for row in rows:
        if row.state == ModuleState.LOCKED:
            return row.key
    return None
