"""The participant's questionnaire form (one radio group per question, every question
required) and the admins' instrument forms. The services check the answers again, so a
hand-made POST gets the same answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Instrument, InstrumentItem
from .selectors import item_scale, label_of


class MeasureForm(forms.Form):
    def __init__(
        self, *args: Any, instrument: Instrument, items: list[InstrumentItem], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for number, item in enumerate(items, start=1):
            self.fields[item.key] = forms.TypedChoiceField(
                label=f"{number}. {item.text}",
                choices=[
                    (str(option["value"]), label_of(option))
                    for option in item_scale(item, instrument)
                ],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose one answer to this question."),
                    "invalid_choice": _("Choose one of the answers shown."),
                },
            )

    def answers(self) -> dict[str, int]:
        return {item.key: self.cleaned_data[item.key] for item in self.items}


# --- Admins --------------------------------------------------------------------------------------


class InstrumentForm(forms.ModelForm):
    class Meta:
        model = Instrument
        fields = [
            "key",
            "name_sv",
            "name_en",
            "intro_sv",
            "intro_en",
            "licence_note",
            "improvement_threshold",
            "higher_is_worse",
            "active",
        ]
        labels = {
            "key": _("Key (used by reports; cannot be changed later)"),
            "name_sv": _("Name in Swedish"),
            "name_en": _("Name in English"),
            "intro_sv": _("Introduction in Swedish"),
            "intro_en": _("Introduction in English"),
            "licence_note": _("Licence"),
            "improvement_threshold": _("Improvement threshold"),
            "higher_is_worse": _("A higher score is worse"),
            "active": _("In use"),
        }
        help_texts = {
            "improvement_threshold": _(
                "A change at least this large, in the better direction, counts as improved."
            ),
        }
        widgets = {
            "intro_sv": forms.Textarea(attrs={"rows": 3}),
            "intro_en": forms.Textarea(attrs={"rows": 3}),
            "licence_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Responses and reports refer to the key.
            self.fields["key"].disabled = True


class ItemForm(forms.ModelForm):
    class Meta:
        model = InstrumentItem
        fields = ["key", "order", "text_sv", "text_en", "scale", "flag_from"]
        labels = {
            "key": _("Key"),
            "order": _("Order"),
            "text_sv": _("Question in Swedish"),
            "text_en": _("Question in English"),
            "scale": _("Own answer scale"),
            "flag_from": _("Point out from"),
        }
        help_texts = {
            "scale": _("Empty: the instrument's answer scale."),
            "flag_from": _("An answer of at least this value is pointed out to the therapist."),
        }
        widgets = {
            "text_sv": forms.Textarea(attrs={"rows": 2}),
            "text_en": forms.Textarea(attrs={"rows": 2}),
            "scale": forms.Textarea(attrs={"rows": 2}),
        }


class _ItemFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form: Any, index: Any) -> None:
        super().add_fields(form, index)
        if form.instance.pk:
            # Stored answers are keyed by it.
            form.fields["key"].disabled = True


ItemFormSet: Any = forms.inlineformset_factory(
    Instrument,
    InstrumentItem,
    form=ItemForm,
    formset=_ItemFormSet,
    extra=1,
    can_delete=False,
)


# --- The answer scale and the clinical bands, one row each (instead of raw JSON) -------------

_LABEL_SV = _("Label in Swedish")
_LABEL_EN = _("Label in English")


class ScaleOptionForm(forms.Form):
    """One answer of the instrument's scale: its value (what it adds to the score) and how
    it reads."""

    value = forms.IntegerField(
        label=_("Value"),
        min_value=0,
        error_messages={
            "required": _("Give the answer a value (a whole number)."),
            "invalid": _("The value must be a whole number, such as 0, 1 or 2."),
            "min_value": _("The value cannot be below 0."),
        },
    )
    label_sv = forms.CharField(
        label=_LABEL_SV,
        max_length=200,
        error_messages={"required": _("Write how the answer reads in Swedish.")},
    )
    label_en = forms.CharField(
        label=_LABEL_EN,
        max_length=200,
        error_messages={"required": _("Write how the answer reads in English.")},
    )


class BandForm(forms.Form):
    """One clinical band: the scores from and to (both included) and its name."""

    start = forms.IntegerField(
        label=_("From score"),
        min_value=0,
        error_messages={
            "required": _("Give the lowest score of the band."),
            "invalid": _("The score must be a whole number."),
            "min_value": _("A score cannot be below 0."),
        },
    )
    end = forms.IntegerField(
        label=_("To score"),
        min_value=0,
        error_messages={
            "required": _("Give the highest score of the band."),
            "invalid": _("The score must be a whole number."),
            "min_value": _("A score cannot be below 0."),
        },
    )
    label_sv = forms.CharField(
        label=_LABEL_SV,
        max_length=200,
        error_messages={"required": _("Name the band in Swedish.")},
    )
    label_en = forms.CharField(
        label=_LABEL_EN,
        max_length=200,
        error_messages={"required": _("Name the band in English.")},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None and end is not None and end < start:
            self.add_error("end", _("“To” must be at least “From”."))
        return cleaned


class _RowFormSet(forms.BaseFormSet):
    """Rows an admin filled in (blank extra rows and rows marked for removal left out)."""

    too_few: Any = ""

    def add_fields(self, form: Any, index: Any) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this row")

    def rows(self) -> list[dict[str, Any]]:
        return [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.rows():
            raise ValidationError(self.too_few)


class _ScaleFormSet(_RowFormSet):
    too_few = _("The answer scale needs at least one answer.")

    def clean(self) -> None:
        if any(self.errors):
            return  # each row's own message first
        super().clean()
        values = [row["value"] for row in self.rows()]
        if len(set(values)) != len(values):
            raise ValidationError(_("Two answers have the same value: each value once."))
        if values != sorted(values):
            raise ValidationError(_("List the answers from the lowest value to the highest."))

    def as_json(self) -> list[dict[str, Any]]:
        return [
            {
                "value": row["value"],
                "label_sv": row["label_sv"].strip(),
                "label_en": row["label_en"].strip(),
            }
            for row in self.rows()
        ]


class _BandFormSet(_RowFormSet):
    """The bands, lowest first, must cover the possible scores (`score_range`, set by the
    view from the scale and the questions) without overlap or gap: stored, each band is
    only where it starts, so a gap or an overlap could not be kept as the admin meant it."""

    too_few = _("Give at least one band.")
    score_range: tuple[int, int] | None = None

    def clean(self) -> None:
        if any(self.errors):
            return  # each row's own message first
        super().clean()
        rows = self.rows()
        for before, after in zip(rows, rows[1:], strict=False):
            if after["start"] <= before["end"]:
                raise ValidationError(
                    _(
                        "The bands “%(a)s” and “%(b)s” overlap: list them lowest first, each "
                        "starting after the one before ends."
                    )
                    % {"a": before["label_sv"], "b": after["label_sv"]}
                )
            if after["start"] > before["end"] + 1:
                raise ValidationError(
                    _("Scores %(start)d–%(end)d fall in no band.")
                    % {"start": before["end"] + 1, "end": after["start"] - 1}
                )
        if self.score_range is None:
            return
        low, high = self.score_range
        if rows[0]["start"] != low or rows[-1]["end"] != high:
            raise ValidationError(
                _(
                    "The bands must run from the lowest possible score, %(low)d, to the "
                    "highest, %(high)d."
                )
                % {"low": low, "high": high}
            )

    def as_json(self) -> list[dict[str, Any]]:
        return [
            {
                "min": row["start"],
                "label_sv": row["label_sv"].strip(),
                "label_en": row["label_en"].strip(),
            }
            for row in self.rows()
        ]


ScaleFormSet: Any = forms.formset_factory(
    ScaleOptionForm, formset=_ScaleFormSet, extra=2, can_delete=True
)
BandFormSet: Any = forms.formset_factory(BandForm, formset=_BandFormSet, extra=1, can_delete=True)


def scale_initial(instrument: Instrument) -> list[dict[str, Any]]:
    return [
        {
            "value": o.get("value"),
            "label_sv": o.get("label_sv", ""),
            "label_en": o.get("label_en", ""),
        }
        for o in instrument.scale or []
        if isinstance(o, dict)
    ]


def bands_initial(instrument: Instrument, high: int | None) -> list[dict[str, Any]]:
    """The stored lower bounds as from/to rows: each band ends where the next one starts,
    the last at the highest possible score."""
    cutoffs = sorted(
        (
            c
            for c in instrument.cutoffs or []
            if isinstance(c, dict) and isinstance(c.get("min"), int)
        ),
        key=lambda c: c["min"],
    )
    rows = []
    for n, cutoff in enumerate(cutoffs):
        end = cutoffs[n + 1]["min"] - 1 if n + 1 < len(cutoffs) else high
        rows.append(
            {
                "start": cutoff["min"],
                "end": end,
                "label_sv": cutoff.get("label_sv", ""),
                "label_en": cutoff.get("label_en", ""),
            }
        )
    return rows


def score_range(scale: list[dict[str, Any]], item_scales: list[Any]) -> tuple[int, int] | None:
    """The lowest and highest total score: per question, its own scale or the instrument's.
    None without questions (nothing to check the bands against yet)."""
    if not item_scales:
        return None
    low = high = 0
    for own in item_scales:
        values = [int(o["value"]) for o in (own or scale) if isinstance(o, dict) and "value" in o]
        if values:
            low += min(values)
            high += max(values)
    return low, high


# --- The instrument page: the four parts edited together -----------------------------------


@dataclass
class InstrumentEditor:
    """The instrument's own fields, its questions, its answer scale and its bands, edited on
    one page and checked together: the bands must cover the scores the submitted scale and
    questions make possible."""

    instrument: Instrument
    form: InstrumentForm
    items: Any
    scale: Any
    bands: Any
    stored_range: tuple[int, int] | None  # the possible scores as stored (None: no questions)

    @classmethod
    def bind(cls, instrument: Instrument, data: Any) -> InstrumentEditor:
        """The four parts for `instrument` (unsaved for a new one), bound to `data` when
        posted (None shows what is stored)."""
        stored_items = list(instrument.items.all()) if instrument.pk else []
        stored_range = score_range(instrument.scale or [], [item.scale for item in stored_items])
        high = stored_range[1] if stored_range else None
        return cls(
            instrument=instrument,
            form=InstrumentForm(data, instance=instrument),
            items=ItemFormSet(data, instance=instrument, prefix="items"),
            scale=ScaleFormSet(data, prefix="scale", initial=scale_initial(instrument)),
            bands=BandFormSet(data, prefix="bands", initial=bands_initial(instrument, high)),
            stored_range=stored_range,
        )

    def _submitted_item_forms(self) -> list[Any]:
        """The stored questions and the new ones the admin filled in (a blank extra row is
        left out)."""
        return [f for f in self.items.forms if f.instance.pk or f.has_changed()]

    def is_valid(self) -> bool:
        """Check every part, so each shows its own messages at once."""
        if self.items.is_valid() and self.scale.is_valid():
            # The possible scores follow the scale and the questions as submitted.
            self.bands.score_range = score_range(
                self.scale.as_json(),
                [
                    f.cleaned_data.get("scale")
                    for f in self._submitted_item_forms()
                    if f.cleaned_data
                ],
            )
        valid = [part.is_valid() for part in (self.form, self.items, self.scale, self.bands)]
        return all(valid)

    def edited(self) -> tuple[Instrument, list[InstrumentItem]]:
        """The instrument and its questions as submitted, not saved (the service saves
        them). Call after is_valid()."""
        instrument = self.form.save(commit=False)
        instrument.scale = self.scale.as_json()
        instrument.cutoffs = self.bands.as_json()
        items = [f.save(commit=False) for f in self._submitted_item_forms()]
        return instrument, items
