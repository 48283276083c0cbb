"""The intake screening: the programme's eligibility questions, the form built from them,
and what the answers point to.

The questions are defined here, in one place, as data (like modules.checkin). Keys are
stored with the answers, so keep a key's meaning when rewording. The screening informs the
therapist's decision; it never decides by itself."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from modules.checkin import Question  # the same shape as the check-in's questions

NOTES_MAX = 5000


VIOLENCE_KINDS = [
    ("physical", _("Physical")),
    ("psychological", _("Psychological")),
    ("sexual", _("Sexual")),
    ("economic", _("Economic")),
    ("digital", _("Digital")),
    ("controlling", _("Controlling")),
]

OTHER_HELP = [
    ("severe_violence", _("Severe physical violence, or violence with weapons")),
    ("suicidality", _("Acute suicidality")),
    ("language", _("Does not read or write Swedish or English well enough")),
    ("police", _("An ongoing police investigation that needs other handling")),
]

QUESTIONS: list[Question] = [
    Question(
        "violence_kinds",
        "choices",
        _("Which kinds of violence has the person used? Choose all that fit."),
        options=VIOLENCE_KINDS,
        required=False,
    ),
    Question(
        "motivation",
        "scale",
        _("How motivated is the person to change?"),
        help_text=_("0 = not at all, 10 = very. The person's own rating, or yours if unsure."),
    ),
    Question("housing", "yes_no", _("Does the person have somewhere stable to live?")),
    Question("substances", "yes_no", _("Is any use of alcohol or drugs under control?")),
    Question("psychiatric", "yes_no", _("Is the person free from an acute psychiatric crisis?")),
    Question(
        "other_help",
        "choices",
        _("Does anything call for another form of help? Choose all that fit."),
        options=OTHER_HELP,
        required=False,
    ),
]

YES_NO = [("yes", _("Yes")), ("no", _("No"))]

# A stability question answered "no" points to another form of help first.
STABILITY_KEYS = ["housing", "substances", "psychiatric"]
LOW_MOTIVATION = 3


def _field(question: Question) -> forms.Field:
    common: dict[str, Any] = {
        "label": question.label,
        "help_text": question.help_text,
        "required": question.required,
    }
    if question.kind == "yes_no":
        return forms.ChoiceField(
            choices=YES_NO,
            widget=forms.RadioSelect,
            error_messages={"required": _("Answer yes or no.")},
            **common,
        )
    if question.kind == "choices":
        return forms.MultipleChoiceField(
            choices=question.options, widget=forms.CheckboxSelectMultiple, **common
        )
    return forms.TypedChoiceField(
        choices=[(str(i), str(i)) for i in range(11)],
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "scale"}),
        error_messages={"required": _("Choose a number from 0 to 10.")},
        **common,
    )


class ScreeningForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            self.fields[question.key] = _field(question)
        self.fields["notes"] = forms.CharField(
            label=_("Notes"),
            required=False,
            max_length=NOTES_MAX,
            widget=forms.Textarea(attrs={"rows": 6}),
        )

    def answers(self) -> dict[str, Any]:
        return {q.key: self.cleaned_data.get(q.key) for q in QUESTIONS}


def clean_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers as a service stores them: every question present and every value one the
    question allows, whatever the caller sent."""
    fields = ScreeningForm().fields
    cleaned: dict[str, Any] = {}
    problems: list[str] = []
    for question in QUESTIONS:
        value = answers.get(question.key)
        if question.kind == "scale" and isinstance(value, int):
            value = str(value)
        try:
            cleaned[question.key] = fields[question.key].clean(value)
        except forms.ValidationError as error:
            problems += [f"{question.label}: {message}" for message in error.messages]
    if problems:
        raise forms.ValidationError(problems, code="invalid")
    return cleaned


# What the answers point to, for the referral's page.
CONCERNS: dict[str, Any] = {
    "low_motivation": _("Low motivation (3 or less of 10)"),
    "housing": _("No stable place to live"),
    "substances": _("Alcohol or drug use not under control"),
    "psychiatric": _("An acute psychiatric crisis"),
    **dict(OTHER_HELP),
}


def concerns(answers: dict[str, Any]) -> list[Any]:
    """The answers that point away from this programme (towards another form of help)."""
    found: list[str] = []
    motivation = answers.get("motivation")
    if isinstance(motivation, int) and motivation <= LOW_MOTIVATION:
        found.append("low_motivation")
    found += [key for key in STABILITY_KEYS if answers.get(key) == "no"]
    found += [key for key in answers.get("other_help") or [] if key in CONCERNS]
    return [CONCERNS[key] for key in found]


def summary(answers: dict[str, Any]) -> list[tuple[Any, str]]:
    """Each question with its answer as words, for reading back."""
    rows: list[tuple[Any, str]] = []
    for question in QUESTIONS:
        value = answers.get(question.key)
        if question.kind == "choices":
            labels = dict(question.options)
            text = ", ".join(str(labels.get(v, v)) for v in value or []) or "–"
        elif question.kind == "yes_no":
            text = str(dict(YES_NO).get(value, "–")) if value else "–"
        else:
            text = "–" if value is None else f"{value}/10"
        rows.append((question.label, text))
    return rows
