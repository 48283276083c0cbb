"""Server-rendered SVG charts of one instrument's scores over the occasions, with the
clinical bands shaded and labelled (the same figures go in a table beside the chart)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from .models import Occasion
from .selectors import OCCASIONS, InstrumentHistory, ScoreHistory, label_of

# Along the chart's bottom, where the occasions' full names do not fit.
SHORT_OCCASION: dict[str, Any] = {
    Occasion.INTAKE: _("Start"),
    Occasion.COMPLETION: _("End"),
    Occasion.FOLLOWUP_3: _("+3 months"),
    Occasion.FOLLOWUP_12: _("+12 months"),
}


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


def score_chart(history: InstrumentHistory, *, width: int = 600, height: int = 220) -> Any:
    """Geometry for the template: bands from the cut-offs (darker the worse), one point per
    answered occasion, the four occasions along the bottom."""
    instrument = history.instrument
    top = max(history.max_score, max((r.score for r in history.responses), default=0), 1)
    left, right, pad_top, pad_bottom = 44, width - 12, 12, 34

    def y_of(value: float) -> float:
        return round(height - pad_bottom - (value / top) * (height - pad_top - pad_bottom), 1)

    # Inset from both sides, so the first and last occasion's labels fit under them.
    step = (right - left - 80) / (len(OCCASIONS) - 1)

    def x_of(occasion: str) -> float:
        return round(left + 30 + OCCASIONS.index(occasion) * step, 1)

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
    points = [
        Point(x_of(r.occasion), y_of(r.score), r.score, r.occasion, r.submitted_at)
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
        "bands": bands,
        "points": points,
        "polyline": " ".join(f"{p.x},{p.y}" for p in points),
        "axis": [
            {"x": x_of(o), "label": SHORT_OCCASION[o], "y": height - pad_bottom + 18}
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
