from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from modules.models import Enrollment

from .services import thread_ensure


@receiver(post_save, sender=Enrollment)
def create_thread(sender: Any, instance: Enrollment, created: bool, **kwargs: Any) -> None:
    """Every enrollment has its thread from the start, so the participant's first visit to
    their messages never has to create one."""
    if created and not kwargs.get("raw"):
        thread_ensure(enrollment=instance)
