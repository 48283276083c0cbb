from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from modules.models import EnrollmentStatus
from modules.signals import enrollment_status_changed

from .services import meetings_cancel_for_enrollment


@receiver(enrollment_status_changed)
def cancel_meetings_of_stopped_treatment(
    sender: Any, enrollment: Any, actor: Any, **kw: Any
) -> None:
    """A paused or ended treatment cancels its future meetings (in the same transaction)."""
    if enrollment.status != EnrollmentStatus.ACTIVE:
        meetings_cancel_for_enrollment(enrollment=enrollment, actor=actor)
