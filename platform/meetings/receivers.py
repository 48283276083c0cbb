from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from modules.models import EnrollmentStatus
from modules.signals import enrollment_care_team_changed, enrollment_status_changed

from .services import meetings_cancel_for_care_team, meetings_cancel_for_enrollment


@receiver(enrollment_status_changed)
def cancel_meetings_of_stopped_treatment(
    sender: Any, enrollment: Any, actor: Any, **kw: Any
) -> None:
    """A paused or ended treatment cancels its future meetings (in the same transaction)."""
    if enrollment.status != EnrollmentStatus.ACTIVE:
        meetings_cancel_for_enrollment(enrollment=enrollment, actor=actor)


@receiver(enrollment_care_team_changed)
def cancel_meetings_with_who_left_the_care_team(
    sender: Any, enrollment: Any, actor: Any, **kw: Any
) -> None:
    """A new therapist or substitute cancels the future meetings with whoever left."""
    meetings_cancel_for_care_team(enrollment=enrollment, actor=actor)
