"""The report's period: two dates, both optional (the last 12 months when left empty)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import Period, default_period

DATE_ERRORS = {"invalid": _("Enter a date as year-month-day, for example 2026-01-31.")}
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("From"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if self.errors:
            return cleaned
        default = default_period()
        end = end or default.end
        start = start or default_period(end).start
        if start > end:
            raise forms.ValidationError(_("The period must start on or before the day it ends."))
        if start < EARLIEST or end > LATEST:
            raise forms.ValidationError(_("Choose dates between the years 2000 and 2100."))
        cleaned["period"] = Period(start=start, end=end)
        return cleaned

    @property
    def period(self) -> Period:
        """The chosen period (call after is_valid())."""
        period = self.cleaned_data["period"]
        assert isinstance(period, Period)
        return period
