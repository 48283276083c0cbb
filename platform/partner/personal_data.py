"""The personal data of the partner track, and the only writes that remove it.

A closed (or declined) partner case is cleared by its organisation's retention rule, counted
from the case's own last entry: a conversation recorded, an assessment made, the safety plan
saved, a status change (records.services decides when; see modules.clearing for how records
reaches this app without importing it). Clearing removes the contact details and every free
text; it keeps the case's status and dates, the conversations' dates, forms and lengths, the
assessments' answers (codes) and levels, and the consents (dates only), which is what the
organisation's figures count.

Conversations are append-only by model (`Conversation.save` refuses an update); clearing them
goes round the model on purpose, one queryset `.update()` per column, as case notes do
(therapist.personal_data)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Final

from django.db.models import DateTimeField, F, Max
from django.db.models.functions import Coalesce, Greatest

from accounts.personal_data import (
    ANONYMISED,
    Scrub,
    replace_with,
    rewrite_fields,
    scrub_text,
    scrub_text_column,
)
from modules.clearing import PartItem, RecordPart

from .models import (
    OPEN_CASE_STATUSES,
    Conversation,
    MayLeaveMessage,
    PartnerCase,
    RiskAssessment,
    SafetyPlan,
)

# The fields that hold the partner's contact details or words about them, per model.
CASE_PERSONAL_FIELDS: Final[dict[str, Scrub]] = {
    "name": replace_with(ANONYMISED),
    "phone": replace_with(""),
    "address": replace_with(""),
    "contact_channel": scrub_text,
    "safe_times": scrub_text,
    "may_leave_message": replace_with(MayLeaveMessage.UNKNOWN),
    "code_word": replace_with(""),
    "contact_notes": scrub_text,
}
CONVERSATION_PERSONAL_FIELDS: Final = ("notes", "pass_on_what")
ASSESSMENT_PERSONAL_FIELDS: Final = ("description",)
SAFETY_PLAN_PERSONAL_FIELDS: Final = (
    "safe_places",
    "people_to_call",
    "essentials",
    "children_plan",
    "code_word",
    "when_to_call_112",
    "other",
)

PARTNER_CASE_KIND: Final = "partner_case"  # records.AnonymisedKind.PARTNER_CASE
PARTNER_CASE_ARCHIVE_KIND: Final = "partner_archive"  # records.AnonymisedKind


def case_anonymise(*, case: PartnerCase) -> None:
    """Remove the partner's contact details and every free text of one ended case; keep the
    dates, levels and codes. Call inside a transaction."""
    if case.status in OPEN_CASE_STATUSES:
        raise ValueError("Only an ended partner case is cleared.")
    rewrite_fields(case, CASE_PERSONAL_FIELDS)
    conversations = Conversation.objects.filter(case=case)
    for name in CONVERSATION_PERSONAL_FIELDS:
        scrub_text_column(conversations, name)
    assessments = RiskAssessment.objects.filter(case=case)
    for name in ASSESSMENT_PERSONAL_FIELDS:
        scrub_text_column(assessments, name)
    plans = SafetyPlan.objects.filter(case=case)
    for name in SAFETY_PLAN_PERSONAL_FIELDS:
        scrub_text_column(plans, name)


def ended_cases(unit_ids: Collection[int], before: datetime) -> list[PartItem]:
    """The closed or declined cases of treatments in these units whose last entry (status
    change, conversation recorded, assessment made, safety plan saved) was before `before`:
    one query, the latest of each kind annotated."""
    changed = F("status_changed_at")
    cases = (
        PartnerCase.objects.filter(enrollment__unit__in=unit_ids, status_changed_at__lt=before)
        .exclude(status__in=OPEN_CASE_STATUSES)
        .annotate(
            last_entry=Greatest(
                changed,
                Coalesce(Max("conversations__recorded_at"), changed),
                Coalesce(Max("assessments__created_at"), changed),
                Coalesce(Max("safety_plan__updated_at"), changed),
                output_field=DateTimeField(),
            )
        )
        .filter(last_entry__lt=before)
        .values_list("pk", "public_id", "enrollment__unit_id", "last_entry")
        .order_by("last_entry", "pk")
    )
    return [PartItem(*row) for row in cases]


def _anonymise_by_pk(pk: int) -> None:
    case_anonymise(case=PartnerCase.objects.get(pk=pk))


RECORD_PART: Final = RecordPart(
    kind=PARTNER_CASE_KIND,
    archive_kind=PARTNER_CASE_ARCHIVE_KIND,
    label="partner case",
    ended=ended_cases,
    anonymise=_anonymise_by_pk,
)
