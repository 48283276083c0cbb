"""The personal data `messaging` keeps: message bodies. Anonymising blanks the bodies and
keeps every message's number, side and date (the report counts them); the export gives the
participant's own data file the conversation as they saw it."""

from __future__ import annotations

from typing import Any, Final

from django.utils.translation import gettext as _

from accounts.models import User
from accounts.personal_data import local_time, scrub_text_column
from modules.models import Enrollment

from .models import Message, Side

MESSAGE_PERSONAL_FIELDS: Final = ("body",)


def messages_anonymise(*, enrollment: Enrollment) -> None:
    """Every message body of the treatment's thread becomes the placeholder."""
    messages = Message.objects.filter(thread__enrollment=enrollment)
    for name in MESSAGE_PERSONAL_FIELDS:
        scrub_text_column(messages, name)


def messages_export(enrollment: Enrollment, participant: User) -> list[dict[str, Any]]:
    """The treatment's messages, oldest first. Staff are named as the participant sees them
    on the messages page: by display name, never by email."""
    messages = (
        Message.objects.filter(thread__enrollment=enrollment)
        .select_related("sender")
        .order_by("seq")
    )
    rows = []
    for message in messages:
        mine = message.side == Side.PARTICIPANT and message.sender_id == participant.pk
        author = _("You") if mine else (message.sender.display_name or _("Your therapist"))
        rows.append(
            {
                "number": message.seq,
                "sent_at": local_time(message.created_at),
                "from": str(author),
                "mine": mine,
                "body": message.body,
            }
        )
    return rows
