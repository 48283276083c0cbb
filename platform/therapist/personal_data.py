"""The personal data in the therapist's case notes, and the one write that removes it.

A case note is append-only by model (`CaseNote.save` refuses an update, `delete` refuses
always): nothing in the everyday code may change one. Clearing a whole record when its
retention period ends is the single exception, and it goes round the model on purpose: one
queryset `.update()` that replaces every note's body with the anonymised marker, keeping the
row, its author and its date (the report and the record's history still count it). Only
`records` calls this, and only when it clears the treatment as a whole (retention), never
for a single note and never for an erasure request (the case record is the staff's journal,
which the law keeps for its period)."""

from __future__ import annotations

from typing import Final

from accounts.personal_data import ANONYMISED
from modules.models import Enrollment

from .models import CaseNote

CASE_NOTE_PERSONAL_FIELDS: Final = ("body",)


def case_notes_anonymise(*, enrollment: Enrollment) -> int:
    """Every note of the treatment says only the marker; returns how many changed. Call
    inside the clearing's transaction."""
    return (
        CaseNote.objects.filter(enrollment=enrollment)
        .exclude(body=ANONYMISED)
        .update(body=ANONYMISED)
    )
