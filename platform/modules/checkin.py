"""The weekly check-in: its questions, the form built from them, and the risk rules.

The questions are defined here, in one place, as data. An organisation that changes them
edits QUESTIONS (keys are stored with the answers, so keep a key's meaning when rewording)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RiskLevel

FREE_TEXT_MAX = 5000


@dataclass(frozen=True)
class Question:
    key: str
    kind: str  # yes_no | choices | scale | choice | text
    label: Any
    help_text: Any = ""
    options: list[tuple[str, Any]] = field(default_factory=list)
    required: bool = True


VIOLENCE_KINDS = [
    ("physical", _("Physical (pushing, hitting, holding, throwing things at someone)")),
    ("threats", _("Threats or frightening behaviour")),
    ("psychological", _("Insults, humiliation, shouting")),
    ("controlling", _("Controlling (checking the phone, deciding whom they meet)")),
    ("economic", _("Economic (controlling money)")),
    ("digital", _("Digital (monitoring, messages, sharing pictures)")),
    ("sexual", _("Sexual (pressure or force)")),
    ("property", _("Breaking or destroying things")),
]

HOME_OPTIONS = [
    ("calm", _("Mostly calm")),
    ("tense", _("Some tension")),
    ("conflict", _("A lot of conflict")),
    ("apart", _("We do not live together now")),
]

QUESTIONS: list[Question] = [
    Question(
        "violence",
        "yes_no",
        _(
            "Since the last check-in, have you used violence or threats against someone close "
            "to you?"
        ),
    ),
    Question(
        "violence_kinds",
        "choices",
        _("If yes: what kind? Choose all that fit."),
        options=VIOLENCE_KINDS,
        required=False,
    ),
    Question(
        "closeness",
        "scale",
        _("How close did you come to using violence this week?"),
        help_text=_("0 = not close at all, 10 = I was about to or did use violence."),
    ),
    Question(
        "children",
        "yes_no",
        _("Were children present or affected when there was conflict at home?"),
    ),
    Question("home", "choice", _("How are things at home right now?"), options=HOME_OPTIONS),
    Question(
        "harm_thoughts",
        "yes_no",
        _("Have you had thoughts of harming yourself or someone else?"),
    ),
    Question(
        "free_text",
        "text",
        _("Anything else you want your therapist to know?"),
        required=False,
    ),
]

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _field(question: Question) -> forms.Field:
    common: dict[str, Any] = {
        "label": question.label,
        "help_text": question.help_text,
        "required": question.required,
    }
    if question.kind == "yes_no":
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
    if question.kind == "choices":
        return forms.MultipleChoiceField(
            choices=question.options, widget=forms.CheckboxSelectMultiple, **common
        )
    if question.kind == "choice":
        return forms.ChoiceField(choices=question.options, widget=forms.RadioSelect, **common)
    if question.kind == "scale":
        return forms.TypedChoiceField(
            choices=[(str(i), str(i)) for i in range(11)],
            coerce=int,
            widget=forms.RadioSelect(attrs={"class": "scale"}),
            **common,
        )
    return forms.CharField(
        max_length=FREE_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}), **common
    )


class CheckInForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            self.fields[question.key] = _field(question)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("violence") == "no":
            data["violence_kinds"] = []
        return data


# What each reason that `assess` gives means, for the therapist's page (the keys are stored
# with the signal, so keep a key's meaning when rewording).
RISK_REASONS: dict[str, Any] = {
    "violence_reported": _("Violence or threats reported"),
    "close_to_violence": _("Close to using violence (8 or more of 10)"),
    "children_affected": _("Children present or affected"),
    "harm_thoughts": _("Thoughts of harming themselves or someone else"),
    "escalation": _("Closeness to violence up by 3 or more since the last check-in"),
    # Raised by a questionnaire item marked to flag (PHQ-9's item on self-harm).
    "measure_item_flagged": _("A questionnaire answer about harming themselves"),
}


# The check-in question behind each reason of `assess`, so that the therapist sees the
# answer that raised a signal.
REASON_QUESTION: dict[str, str] = {
    "violence_reported": "violence",
    "close_to_violence": "closeness",
    "children_affected": "children",
    "harm_thoughts": "harm_thoughts",
    "escalation": "closeness",
}


def answer_display(key: str, value: Any) -> str:
    """A check-in answer as words (Yes, No, a choice's label, a number)."""
    question = next((q for q in QUESTIONS if q.key == key), None)
    if question is None or value in (None, "", []):
        return ""
    options = dict(YES_NO if question.kind == "yes_no" else question.options)
    values = value if isinstance(value, list) else [value]
    return ", ".join(str(options.get(v, v)) for v in values)


def reason_with_answer(reason: str, answers: dict[str, Any]) -> str | None:
    """The question and the answer that gave `reason`: “Have you had thoughts of harming
    yourself or someone else?” Yes. None for a reason no question gives."""
    from django.utils.translation import gettext

    key = REASON_QUESTION.get(reason)
    question = next((q for q in QUESTIONS if q.key == key), None)
    if question is None or key not in answers:
        return None
    return gettext("“%(question)s” answer: %(answer)s") % {
        "question": question.label,
        "answer": answer_display(question.key, answers[key]),
    }


@dataclass(frozen=True)
class RiskAssessment:
    level: str | None
    reasons: list[str]


_ORDER: dict[str | None, int] = {
    None: 0,
    RiskLevel.MEDIUM: 1,
    RiskLevel.HIGH: 2,
    RiskLevel.ACUTE: 3,
}


def assess(answers: dict[str, Any], previous: dict[str, Any] | None) -> RiskAssessment:
    """The risk rules of the check-in: which answers must reach the therapist at once."""
    found: list[tuple[str, str]] = []
    if answers.get("violence") == "yes":
        found.append((RiskLevel.HIGH, "violence_reported"))
    closeness = answers.get("closeness")
    if isinstance(closeness, int) and closeness >= 8:
        found.append((RiskLevel.HIGH, "close_to_violence"))
    if answers.get("children") == "yes":
        found.append((RiskLevel.HIGH, "children_affected"))
    if answers.get("harm_thoughts") == "yes":
        found.append((RiskLevel.ACUTE, "harm_thoughts"))
    if previous is not None:
        before = previous.get("closeness")
        if isinstance(closeness, int) and isinstance(before, int) and closeness - before >= 3:
            found.append((RiskLevel.MEDIUM, "escalation"))
    if not found:
        return RiskAssessment(None, [])
    level = max((lvl for lvl, _reason in found), key=lambda lvl: _ORDER[lvl])
    return RiskAssessment(level, [reason for _lvl, reason in found])
