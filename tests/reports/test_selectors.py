"""The report's figures against hand-built data. Each test says how its expected numbers are
worked out. The period is the first half of 2026 (conftest.PERIOD)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from measures.charts import improved_chart
from measures.models import Occasion
from messaging.models import Side
from modules.models import EnrollmentStatus, ModuleState
from reports import selectors
from reports.exports import pseudonym
from reports.selectors import Period
from tests.helpers import (
    PERIOD,
    at,
    hours,
    instrument,
    message,
    person,
    progress,
    reach,
    referral,
    respond,
)

pytestmark = pytest.mark.django_db


# --- Funnel --------------------------------------------------------------------------------------


@pytest.fixture
def funnel_world(programme, therapist):
    """Referrals received in the period: R1..R10 (10). Screened: R1..R8 (8). Enrolled from
    them: R1..R6 → E1..E6 (6). Enrolled without a referral, created in the period: D1, D2 (2).
    So enrolled = 6 + 2 = 8.

    Furthest module started or completed (3 modules):
      E1 3 (all completed; status completed)   E2 3 (module 3 started)   E3 2   E4 1
      E5 none (module 1 only open)             E6 none (discontinued)
      D1 2 (module 2 started, module 1 only open: counts for module 1 too)
      D2 1 (status completed early by the therapist)
    Started module 1 (furthest ≥ 1): E1 E2 E3 E4 D1 D2 = 6
    Reached module 2 (≥ 2): E1 E2 E3 D1 = 4;  reached module 3 (≥ 3): E1 E2 = 2
    Completed: E1 D2 = 2
    Shares lost: 2/10 = 20 %, 2/8 = 25 %, 2/8 = 25 %, 2/6 = 33.3 %, 2/4 = 50 %, 0/2 = 0 %.

    Left out: R11 (received in December 2025, screened, enrolled; its enrollment E11 was
    created in the period and completed everything) and D3 (direct, created in 2025)."""
    day = "2026-03-01"
    e = [person(programme, therapist, created=at(day)) for _ in range(6)]
    for i in range(10):
        referral(
            at("2026-02-01"),
            screened_by=therapist if i < 8 else None,
            enrollment=e[i] if i < 6 else None,
        )
    d1 = person(programme, therapist, created=at("2026-01-15"))
    d2 = person(programme, therapist, created=at("2026-06-30", "23:30"))
    reach(e[0], 3, completed_through=3)
    reach(e[1], 3, completed_through=2)
    reach(e[2], 2, completed_through=1)
    reach(e[3], 1)
    progress(e[4], 1, ModuleState.UNLOCKED)
    progress(d1, 1, ModuleState.UNLOCKED)
    progress(d1, 2, ModuleState.STARTED)
    reach(d2, 1, completed_through=1)
    for done in (e[0], d2):
        done.status = EnrollmentStatus.COMPLETED
        done.save(update_fields=["status"])
    e[5].status = EnrollmentStatus.DISCONTINUED
    e[5].save(update_fields=["status"])

    e11 = person(programme, therapist, created=at("2026-01-10"), status="completed")
    referral(at("2025-12-15"), screened_by=therapist, enrollment=e11)
    reach(e11, 3, completed_through=3)
    d3 = person(programme, therapist, created=at("2025-12-31", "23:30"))
    reach(d3, 3)
    return {"e": e, "d1": d1, "d2": d2}


def test_funnel_counts_and_losses(funnel_world):
    result = selectors.funnel(PERIOD)
    got = {s.key: (s.count, s.lost) for s in result.steps}
    assert got == {
        "referred": (10, None),
        "screened": (8, 2),
        "enrolled": (8, 2),  # lost: 8 screened − 6 enrolled from referrals
        "module_1": (6, 2),
        "module_2": (4, 2),
        "module_3": (2, 2),
        "completed": (2, 0),
    }
    shares = [None if s.lost_share is None else round(s.lost_share, 3) for s in result.steps]
    assert shares == [None, 0.2, 0.25, 0.25, 0.333, 0.5, 0.0]
    assert result.direct == 2
    assert [s.key for s in result.steps] == list(got)  # in the order of the path


def test_funnel_labels_name_the_modules(funnel_world, english):
    steps = selectors.funnel(PERIOD).steps
    assert steps[3].label == "Started module 1" and steps[3].note == "Module 1"
    assert steps[5].label == "Reached module 3"


def test_a_step_larger_than_the_one_before_has_no_loss(programme, therapist):
    """Two completed treatments that never started a module (a therapist's closing): 0
    reached module 3, 2 completed, so no loss is shown for "completed"."""
    for _ in range(2):
        person(programme, therapist, created=at("2026-02-01"), status="completed")
    completed = selectors.funnel(PERIOD).steps[-1]
    assert (completed.count, completed.lost, completed.lost_share) == (2, None, None)


# --- Outcomes ------------------------------------------------------------------------------------


@pytest.fixture
def outcome_world(programme, therapist):
    """PHQ-9 (higher is worse, improved = at least 5 lower), start → end, answered in the period:
        intake 20 15 12 10  8   (mean 65/5 = 13.0)
        end    10 14  6 10  3   (mean 43/5 =  8.6)
        change −10 −1 −6  0 −5  (mean −22/5 = −4.4); improved: −10, −6, −5 → 3 of 5 = 60 %
    Left out: one person with an end score but no intake score, and one whose end score was
    given before the period (December 2025).
    PHQ-9 start → 3 months after: 4 people → suppressed (fewer than 5).
    WELL (higher is better, improved = at least 3 higher), start → end:
        intake 10 10 10 10 10; end 13 12 9 16 10 → change +3 +2 −1 +6 0 (mean 2.0, end mean
        12.0); improved: +3 and +6 → 2 of 5 = 40 %."""
    phq = instrument("phq9")
    well = instrument("well", higher_is_worse=False, threshold=3)
    people = [person(programme, therapist, created=at("2025-10-01")) for _ in range(5)]
    for who, before, after in zip(people, (20, 15, 12, 10, 8), (10, 14, 6, 10, 3), strict=True):
        respond(who, phq, Occasion.INTAKE, before, at("2025-10-02"))
        respond(who, phq, Occasion.COMPLETION, after, at("2026-01-20"))
    for who, after in zip(people, (13, 12, 9, 16, 10), strict=True):
        respond(who, well, Occasion.INTAKE, 10, at("2025-10-02"))
        respond(who, well, Occasion.COMPLETION, after, at("2026-02-20"))
    for who in people[:4]:
        respond(who, phq, Occasion.FOLLOWUP_3, 5, at("2026-05-01"))
    no_intake = person(programme, therapist, created=at("2025-10-01"))
    respond(no_intake, phq, Occasion.COMPLETION, 0, at("2026-01-20"))
    earlier = person(programme, therapist, created=at("2025-06-01"))
    respond(earlier, phq, Occasion.INTAKE, 27, at("2025-06-02"))
    respond(earlier, phq, Occasion.COMPLETION, 0, at("2025-12-31", "23:00"))
    return {"people": people, "phq": phq}


def _row(result, key, occasion):
    return next(r for r in result.rows if r.instrument_key == key and r.occasion == occasion)


def test_outcomes_intake_to_end(outcome_world):
    result = selectors.outcomes(PERIOD)
    phq = _row(result, "phq9", Occasion.COMPLETION)
    assert not phq.suppressed
    assert (phq.n, phq.mean_intake, phq.mean_later, phq.improved) == (5, 13.0, 8.6, 3)
    assert phq.mean_change == pytest.approx(-4.4)
    assert phq.improved_share == pytest.approx(0.6)
    well = _row(result, "well", Occasion.COMPLETION)
    assert (well.n, well.mean_intake, well.mean_later, well.mean_change) == (5, 10.0, 12.0, 2.0)
    assert (well.improved, well.improved_share) == (2, pytest.approx(0.4))


def test_four_people_are_suppressed_five_are_shown(outcome_world):
    result = selectors.outcomes(PERIOD)
    four = _row(result, "phq9", Occasion.FOLLOWUP_3)
    assert four.n == 4 and four.suppressed
    assert (four.mean_intake, four.mean_later, four.mean_change, four.improved) == (None,) * 4
    assert four.improved_share is None
    assert not _row(result, "phq9", Occasion.COMPLETION).suppressed  # five people
    nobody = _row(result, "phq9", Occasion.FOLLOWUP_12)
    assert nobody.n == 0 and nobody.suppressed


def test_the_smallest_group_is_a_setting(outcome_world, settings):
    settings.REPORT_MIN_GROUP = 6
    assert _row(selectors.outcomes(PERIOD), "phq9", Occasion.COMPLETION).suppressed
    settings.REPORT_MIN_GROUP = 4
    assert not _row(selectors.outcomes(PERIOD), "phq9", Occasion.FOLLOWUP_3).suppressed


def test_only_charts_what_is_shown(outcome_world):
    chart = improved_chart(selectors.outcomes(PERIOD))
    assert [b["percent"] for b in chart["bars"]] == [60, 40]


# --- Service figures -----------------------------------------------------------------------------


def test_percentiles_by_hand():
    """1..10 hours: median (5 + 6) / 2 = 5.5; 90th percentile, nearest rank ⌈0.9 × 10⌉ = the
    9th value = 9."""
    values = [hours(v) for v in range(10, 0, -1)]
    figures = selectors.Durations.of(values)
    assert (figures.n, figures.median, figures.p90) == (10, hours(5.5), hours(9))
    assert selectors.percentile([hours(3)], 0.9) == hours(3)


def test_referral_to_first_contact(db):
    """Received in the period, contacted after 1, 2, 3, 4 and 10 days: median 3 days, 90th
    percentile ⌈4.5⌉ = the 5th value = 10 days. One not contacted yet (waiting). Left out:
    one received in 2025."""
    for days in (4, 1, 10, 3, 2):
        referral(at("2026-03-01"), first_contact=at("2026-03-01") + timedelta(days=days))
    referral(at("2026-03-05"))
    referral(at("2025-12-01"), first_contact=at("2026-03-01"))
    figures = selectors.first_contact_times(PERIOD)
    assert (figures.n, figures.waiting) == (5, 1)
    assert (figures.median_days, figures.p90_days) == (3.0, 10.0)


def test_message_to_answer(programme, therapist):
    """Thread A: participant 10:00 and 10:30, team 12:00 → 2 h and 1.5 h; participant 13:00,
    team 13:15 → 0.25 h. Thread B: team 09:00 (nothing to answer), participant 09:30, team
    10:30 → 1 h; participant 20:00 unanswered. Thread C: a participant message in 2025 answered
    in the period (left out), and one on the period's last evening answered 5 h later, after
    the period (counted).
    Sorted: 0.25 1 1.5 2 5 → median 1.5 h; 90th percentile ⌈4.5⌉ = 5th = 5 h; 1 waiting."""
    a, b, c = (person(programme, therapist, created=at("2026-01-01")).thread for _ in range(3))
    P, T = Side.PARTICIPANT, Side.TEAM
    for thread, side, when in [
        (a, P, at("2026-02-02", "10:00")),
        (a, P, at("2026-02-02", "10:30")),
        (a, T, at("2026-02-02", "12:00")),
        (a, P, at("2026-02-02", "13:00")),
        (a, T, at("2026-02-02", "13:15")),
        (b, T, at("2026-02-03", "09:00")),
        (b, P, at("2026-02-03", "09:30")),
        (b, T, at("2026-02-03", "10:30")),
        (b, P, at("2026-02-03", "20:00")),
        (c, P, at("2025-12-31", "22:00")),
        (c, T, at("2026-01-01", "09:00")),
        (c, P, at("2026-06-30", "21:00")),
        (c, T, at("2026-07-01", "02:00")),
    ]:
        message(thread, side, when)
    figures = selectors.answer_times(PERIOD)
    assert (figures.n, figures.waiting) == (5, 1)
    assert (figures.median_hours, figures.p90_hours) == (1.5, 5.0)


def test_modules_opened_on_time(programme, therapist):
    """U1: module 1 completed 1 Feb, module 2 open 3 Feb → on time; module 2 completed 10 Feb,
    module 3 open 20 Feb (10 days) → late. U2: module 1 completed 1 March, module 2 still
    closed, treatment going on → late. U3: module 1 completed 28 June, module 2 closed, and
    "now" is 30 June → pending. U4: module 1 completed 1 March, closed, treatment discontinued
    3 March → pending. U5: module 3 completed (no next module) → not counted. U6: module 1
    completed in 2025 → not counted.
    Counted 3 (U1 twice, U2): on time 1, late 2; pending 2."""
    u = [person(programme, therapist, created=at("2025-12-01"), status="active") for _ in range(6)]
    progress(u[0], 1, ModuleState.COMPLETED, completed_at=at("2026-02-01"))
    progress(
        u[0], 2, ModuleState.COMPLETED, unlocked_at=at("2026-02-03"), completed_at=at("2026-02-10")
    )
    progress(u[0], 3, ModuleState.UNLOCKED, unlocked_at=at("2026-02-20"))
    progress(u[1], 1, ModuleState.COMPLETED, completed_at=at("2026-03-01"))
    progress(u[2], 1, ModuleState.COMPLETED, completed_at=at("2026-06-28"))
    progress(u[3], 1, ModuleState.COMPLETED, completed_at=at("2026-03-01"))
    u[3].status = EnrollmentStatus.DISCONTINUED
    u[3].status_changed_at = at("2026-03-03")
    u[3].save(update_fields=["status", "status_changed_at"])
    progress(u[4], 3, ModuleState.COMPLETED, completed_at=at("2026-03-01"))
    progress(u[5], 1, ModuleState.COMPLETED, completed_at=at("2025-12-20"))
    progress(u[5], 2, ModuleState.UNLOCKED, unlocked_at=at("2026-01-20"))
    figures = selectors.unlocks_on_time(PERIOD, now=at("2026-06-30", "18:00"))
    assert (figures.counted, figures.on_time, figures.late, figures.pending) == (3, 1, 2, 2)
    assert figures.on_time_share == pytest.approx(1 / 3)


# --- The period ----------------------------------------------------------------------------------


def test_default_period_is_the_last_twelve_months():
    assert selectors.default_period(date(2026, 11, 23)) == Period(
        date(2025, 11, 24), date(2026, 11, 23)
    )
    assert selectors.default_period(date(2028, 2, 29)).start == date(2027, 3, 1)


def test_the_period_bounds_are_whole_days_in_local_time(db):
    """A referral at 23:30 on the last day counts; one at 00:00 the day after does not; one at
    00:00 on the first day counts."""
    referral(at("2026-06-30", "23:30"))
    referral(at("2026-07-01", "00:00"))
    referral(at("2026-01-01", "00:00"))
    referral(at("2025-12-31", "23:59"))
    assert selectors.funnel(PERIOD).steps[0].count == 2


def test_a_shorter_period_counts_its_own_referrals(funnel_world):
    """R1..R10 were received on 1 February: none in March; D1 (15 Jan) is the only enrollment
    in January."""
    march = selectors.funnel(Period(date(2026, 3, 1), date(2026, 3, 31)))
    assert [s.count for s in march.steps] == [0, 0, 0, 0, 0, 0, 0]
    january = selectors.funnel(Period(date(2026, 1, 1), date(2026, 1, 31)))
    assert [s.count for s in january.steps][:5] == [0, 0, 1, 1, 1]


def test_pseudonyms_are_stable_and_keyed(settings):
    first = pseudonym(42)
    assert first == pseudonym(42) != pseudonym(43)
    assert first.startswith("P-") and len(first) == 12
    settings.SECRET_KEY = "another-key-for-another-installation-0123456789"
    assert pseudonym(42) != first
