from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from accounts.signals import invitation_accepted

from .models import Enrollment, EnrollmentStatus
from .services import enrollment_start


@receiver(invitation_accepted)
def start_invited_enrollment(sender: Any, invitation: Any, user: Any, **kwargs: Any) -> None:
    """A participant invited into a programme starts it when they accept the invitation."""
    enrollment = Enrollment.objects.filter(
        invitation=invitation, status=EnrollmentStatus.INVITED, participant__isnull=True
    ).first()
    if enrollment is None:
        return
    enrollment.participant = user
    enrollment.save(update_fields=["participant"])
    enrollment_start(enrollment=enrollment)
