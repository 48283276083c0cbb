"""Every server-rendered SVG chart's geometry, in one place: the therapist's charts of one
instrument's scores over the occasions (clinical bands shaded and labelled) and of closeness
to violence at each check-in, and the organisation report's funnel and share-improved bars.
Each function returns plain numbers that a template draws inside `{% localize off %}`; the
same figures are always in a table beside the chart.

The charts share one linear scale for positions on an axis (`Axis`), one layout of labelled
horizontal bars (`bar_rows`), evenly spread positions (`spread`) and the SVG `points` text
(`polyline`), so a chart is its data and its measurements, not its own arithmetic. The
therapist and the report import this module (both sit above measures); the report's data
reach it as the small protocols below, so measures never imports reports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.utils.translation import gettext_lazy as _

from modules.models import CheckIn

from .models import Occasion
from .selectors import OCCASIONS, InstrumentHistory, ScoreHistory, label_of

# Along the chart's bottom, where the occasions' full names do not fit.
SHORT_OCCASION: dict[str, Any] = {
    Occasion.INTAKE: _("Start"),
    Occasion.COMPLETION: _("End"),
    Occasion.FOLLOWUP_3: _("+3 months"),
    Occasion.FOLLOWUP_12: _("+12 months"),
}
# How far a bar's figure stands from the bar's end, in pixels.
BAR_LABEL_GAP = 6


# --- Shared geometry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Axis:
    """A linear scale from values 0…`top` onto pixels `start`…`end` (`end` may be smaller,
    as on a y axis that grows upwards). Positions are rounded to a tenth of a pixel: enough
    for a sharp line, and short in the page."""

    start: float
    end: float
    top: float

    def __call__(self, value: float) -> float:
        return round(self.start + value / self.top * (self.end - self.start), 1)


def spread(start: float, end: float, count: int) -> list[float]:
    """`count` positions evenly spaced from `start` to `end` (one position sits at `start`)."""
    step = (end - start) / max(count - 1, 1)
    return [round(start + i * step, 1) for i in range(count)]


class _XY(Protocol):
    @property
    def x(self) -> float: ...
    @property
    def y(self) -> float: ...


def polyline(points: Iterable[_XY]) -> str:
    """An SVG `points` attribute: "x,y x,y …"."""
    return " ".join(f"{p.x},{p.y}" for p in points)


def bar_rows(
    values: Sequence[float],
    top: float,
    *,
    left: int,
    span: int,
    bar: int,
    gap: int,
    label: int = 0,
) -> list[dict[str, Any]]:
    """Horizontal bars, one row each, from `left`, `span` pixels long at `top`: a row is
    `label` pixels for a line of text above the bar (0: none), the bar, and `gap`. Each row:
    the label's baseline, the bar's top, its middle (for text beside it), its width (to a
    tenth of a pixel) and where its figure goes, just past the bar as drawn."""
    rows = []
    for i, value in enumerate(values):
        y = gap + i * (label + bar + gap)
        width = round(span * value / top, 1)
        rows.append(
            {
                "label_y": y + label - 3,
                "y": y + label,
                "text_y": y + label + bar / 2,
                "width": width,
                "end": round(left + width + BAR_LABEL_GAP, 1),
            }
        )
    return rows


# --- One instrument's scores over the occasions (the therapist's overview) ---------------------


@dataclass
class Band:
    y: float
    height: float
    opacity: float
    label: str
    low: int
    high: int
    line_y: float | None  # the dashed line at the band's lower edge (none at the axis)
    # The cut-off's number beside the axis, unless it would sit on top of the 0.
    show_number: bool
    label_y: float | None  # None when the band is too thin to hold its label


@dataclass
class Point:
    x: float
    y: float
    score: int
    occasion: str
    at: datetime


def _bands(history: InstrumentHistory, top: int, y_of: Axis) -> list[Band]:
    """The clinical bands from the instrument's cut-offs, darker the worse."""
    instrument = history.instrument
    cutoffs = sorted(instrument.cutoffs or [], key=lambda c: int(c["min"]))
    bands = []
    for n, cutoff in enumerate(cutoffs):
        low = int(cutoff["min"])
        high = int(cutoffs[n + 1]["min"]) if n + 1 < len(cutoffs) else top
        if low > top:
            break
        high = min(high, top)
        severity = n if instrument.higher_is_worse else len(cutoffs) - 1 - n
        y_top, y_bottom = y_of(high), y_of(low)
        band_height = round(y_bottom - y_top, 1)
        bands.append(
            Band(
                y=y_top,
                height=band_height,
                opacity=round(0.03 + 0.37 * severity / max(len(cutoffs) - 1, 1), 2),
                label=label_of(cutoff),
                low=low,
                high=high - 1 if n + 1 < len(cutoffs) else top,
                line_y=y_bottom if low > 0 else None,
                show_number=low > 0 and y_of(0) - y_bottom >= 10,
                label_y=round(y_bottom - 5, 1) if band_height >= 15 else None,
            )
        )
    return bands


def score_chart(history: InstrumentHistory, *, width: int = 600, height: int = 220) -> Any:
    """Geometry for the template: bands from the cut-offs (darker the worse), one point per
    answered occasion, the four occasions along the bottom."""
    top = max(history.max_score, max((r.score for r in history.responses), default=0), 1)
    left, right, pad_top, pad_bottom = 44, width - 12, 12, 34
    y_of = Axis(height - pad_bottom, pad_top, top)
    # Inset from both sides, so the first and last occasion's labels fit under them.
    x_of = dict(zip(OCCASIONS, spread(left + 30, right - 50, len(OCCASIONS)), strict=True))
    points = [
        Point(x_of[r.occasion], y_of(r.score), r.score, r.occasion, r.submitted_at)
        for r in history.responses
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": right,
        "plot_width": right - left,
        "bottom": height - pad_bottom,
        "top": pad_top,
        "bands": _bands(history, top, y_of),
        "points": points,
        "polyline": polyline(points),
        "axis": [
            {"x": x_of[o], "label": SHORT_OCCASION[o], "y": height - pad_bottom + 18}
            for o in OCCASIONS
        ],
        "max_y": y_of(top),
        "max": top,
    }


def sections(history: ScoreHistory) -> list[dict[str, Any]]:
    """One section per answered instrument for the therapist's overview: its chart and the
    rows of the table with the same figures."""
    return [
        {
            "history": item,
            "chart": score_chart(item),
            "rows": [{"response": r, "band": item.band(r)} for r in item.responses],
        }
        for item in history.instruments
    ]


# --- Closeness to violence at each check-in (the therapist's overview) -------------------------


@dataclass
class ChartPoint:
    x: float
    y: float
    value: int
    violence: bool
    at: datetime


def closeness_chart(checkins: list[CheckIn], *, width: int = 600, height: int = 200) -> Any:
    """Points for the server-rendered SVG chart of closeness to violence over time (oldest
    left), with the check-ins that reported violence marked."""
    points = [c for c in reversed(checkins) if isinstance(c.answers.get("closeness"), int)]
    if not points:
        return None
    pad = 30
    y_of = Axis(height - pad, pad, 10)
    plotted = [
        ChartPoint(
            x=x,
            y=y_of(c.answers["closeness"]),
            value=c.answers["closeness"],
            violence=c.answers.get("violence") == "yes",
            at=c.submitted_at,
        )
        for x, c in zip(spread(pad, width - pad, len(points)), points, strict=True)
    ]
    return {
        "width": width,
        "height": height,
        "points": plotted,
        "polyline": polyline(plotted),
        "grid": [{"y": y_of(v), "label": v} for v in (0, 5, 8, 10)],
        "left": pad,
        "right": width - pad,
    }


# --- The organisation's report -------------------------------------------------------------------


class _Step(Protocol):
    @property
    def label(self) -> str: ...
    @property
    def count(self) -> int: ...


class _Funnel(Protocol):
    """What funnel_chart reads of reports.selectors.Funnel."""

    @property
    def steps(self) -> Sequence[_Step]: ...
    @property
    def top(self) -> int: ...


class _ShareRow(Protocol):
    @property
    def instrument_name(self) -> str: ...
    @property
    def occasion_label(self) -> str: ...
    @property
    def improved_share(self) -> float | None: ...


class _Outcomes(Protocol):
    """What improved_chart reads of reports.selectors.Outcomes."""

    @property
    def shown(self) -> Sequence[_ShareRow]: ...


def funnel_chart(data: _Funnel, *, width: int = 640, bar: int = 22, gap: int = 8) -> Any:
    """Horizontal bars, one per step, in proportion to the largest step."""
    if data.top == 0:
        return None
    label_width, right_pad = 190, 60
    rows = bar_rows(
        [step.count for step in data.steps],
        data.top,
        left=label_width,
        span=width - label_width - right_pad,
        bar=bar,
        gap=gap,
    )
    bars = [
        {"label": step.label, "count": step.count, **row}
        for step, row in zip(data.steps, rows, strict=True)
    ]
    return {
        "width": width,
        "height": gap + len(bars) * (bar + gap),
        "left": label_width,
        "bar": bar,
        "bars": bars,
    }


def improved_chart(data: _Outcomes, *, width: int = 640, bar: int = 16, gap: int = 10) -> Any:
    """The share improved, 0–100 %, for each instrument and occasion with enough people: a
    label line above each bar, so long instrument names are never cut."""
    shown = [r for r in data.shown if r.improved_share is not None]
    if not shown:
        return None
    left, right_pad, label = 10, 50, 14
    span = width - left - right_pad
    shares = [r.improved_share or 0.0 for r in shown]
    rows = bar_rows(shares, 1, left=left, span=span, bar=bar, gap=gap, label=label)
    bars = [
        {
            "label": f"{r.instrument_name} · {r.occasion_label}",
            "percent": round(share * 100),
            **row,
        }
        for r, share, row in zip(shown, shares, rows, strict=True)
    ]
    height = gap + len(bars) * (label + bar + gap)
    x_of = Axis(left, left + span, 100)
    return {
        "width": width,
        "height": height + 16,
        "left": left,
        "right": left + span,
        "axis_y": height + 12,
        "grid": [{"x": x_of(p), "label": f"{p} %"} for p in (0, 50, 100)],
        "bar": bar,
        "bars": bars,
    }
