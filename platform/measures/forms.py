"""The participant's questionnaire form (one radio group per question, every question
required) and the admins' instrument forms. The services check the answers again, so a
hand-made POST gets the same answer."""

from __future__ import annotations

from typing import Any

from django import forms
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
            "scale",
            "cutoffs",
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
            "scale": _("Answer scale"),
            "cutoffs": _("Cut-offs"),
            "improvement_threshold": _("Improvement threshold"),
            "higher_is_worse": _("A higher score is worse"),
            "active": _("In use"),
        }
        help_texts = {
            "scale": _(
                'The usual answers, lowest first: [{"value": 0, "label_sv": "…", '
                '"label_en": "…"}, …]. The score is the sum of the answers\' values.'
            ),
            "cutoffs": _(
                'Where each clinical band starts, lowest first: [{"min": 0, "label_sv": "…", '
                '"label_en": "…"}, …].'
            ),
            "improvement_threshold": _(
                "A change at least this large, in the better direction, counts as improved."
            ),
        }
        widgets = {
            "intro_sv": forms.Textarea(attrs={"rows": 3}),
            "intro_en": forms.Textarea(attrs={"rows": 3}),
            "licence_note": forms.Textarea(attrs={"rows": 2}),
            "scale": forms.Textarea(attrs={"rows": 4}),
            "cutoffs": forms.Textarea(attrs={"rows": 4}),
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
