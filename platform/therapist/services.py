"""The therapist's writes: case notes, acknowledging risk signals, unlocking with a
greeting. Each checks that the actor is on the participant's care team."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.scope import covers
from audit.models import AuditEvent
from audit.services import audit_log
from content.models import ModulePage
from meetings.models import Meeting, Status
from meetings.services import meeting_outcome_set
from messaging.models import Thread
from messaging.services import RateLimited, message_send
from modules.models import Enrollment, ModuleProgress, RiskSignal
from modules.services import module_lock, module_unlock

from .models import CaseNote

NOTE_MAX = 20_000
ACK_MAX = 2_000


def _require_care_team(actor: User, enrollment: Enrollment) -> None:
    """The actor is the enrollment's therapist or substitute, and a therapist in its unit."""
    if not (
        actor.is_active
        and actor.pk in (enrollment.therapist_id, enrollment.substitute_id)
        and covers(actor, enrollment.unit_id, Role.THERAPIST)
    ):
        raise PermissionDenied


# Control characters (NUL among them: PostgreSQL cannot store it) and the invisible direction
# overrides; newlines and tabs stay. As in messages.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _text(value: str, *, limit: int, empty: str) -> str:
    text = _CONTROL.sub("", (value or "").replace("\r\n", "\n")).strip()
    if not text:
        raise ValidationError(empty)
    if len(text) > limit:
        raise ValidationError(
            _("The text is %(length)d characters; the limit is %(limit)d.")
            % {"length": len(text), "limit": limit}
        )
    return text


def note_add(
    *, actor: User, enrollment: Enrollment, body: str, corrects: CaseNote | None = None
) -> CaseNote:
    _require_care_team(actor, enrollment)
    text = _text(body, limit=NOTE_MAX, empty=_("Write the note."))
    if corrects is not None and corrects.enrollment_id != enrollment.pk:
        raise PermissionDenied
    with transaction.atomic():
        note = CaseNote.objects.create(
            enrollment=enrollment, author=actor, body=text, corrects=corrects
        )
        audit_log(
            action=AuditEvent.Action.NOTE_WRITTEN,
            actor=actor,
            subject=enrollment.participant,
            target_type="case_note",
            target_id=note.public_id,
            unit=enrollment.unit,
        )
    return note


def meeting_outcome_record(*, actor: User, meeting: Meeting, outcome: str, note: str) -> CaseNote:
    """What happened at a meeting (attended, not attended, cancelled late) and a note, written
    together into the case notes (append-only, audited): one transaction, so there is never an
    outcome without its note. Recording again is a correction: a new note, the status changed."""
    enrollment = meeting.enrollment
    _require_care_team(actor, enrollment)
    text = (note or "").strip()
    with transaction.atomic():
        meeting_outcome_set(actor=actor, meeting=meeting, outcome=outcome)
        when = timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M")
        heading = _("Meeting %(when)s (%(kind)s): %(outcome)s.") % {
            "when": when,
            "kind": meeting.get_kind_display(),
            "outcome": Status(outcome).label,
        }
        return note_add(
            actor=actor,
            enrollment=enrollment,
            body=f"{heading}\n\n{text}" if text else heading,
        )


def risk_acknowledge(*, actor: User, signal: RiskSignal, comment: str) -> RiskSignal:
    """Close a signal with what the therapist did about it. Only once."""
    _require_care_team(actor, signal.enrollment)
    text = _text(comment, limit=ACK_MAX, empty=_("Write what you did about it."))
    with transaction.atomic():
        updated = RiskSignal.objects.filter(pk=signal.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now(), acknowledged_by=actor, acknowledgement=text
        )
        if not updated:
            raise ValidationError(_("Someone has already acknowledged this signal."))
        audit_log(
            action=AuditEvent.Action.RISK_ACKNOWLEDGED,
            actor=actor,
            subject=signal.enrollment.participant,
            target_type="risk_signal",
            target_id=signal.public_id,
            unit=signal.enrollment.unit,
        )
    signal.refresh_from_db()
    return signal


@dataclass(frozen=True)
class ModuleOpened:
    progress: ModuleProgress
    # Why the greeting was not sent ("" when it was, or when there was none to send).
    greeting_problem: str = ""


def module_open_with_greeting(
    *, actor: User, enrollment: Enrollment, module: ModulePage, greeting: str = ""
) -> ModuleOpened:
    """Unlock the module and, when the therapist wrote a few words, send them to the
    participant's thread. The module opens even when the greeting cannot be sent (the
    therapist's message limit, a treatment whose conversation is closed): the participant
    gets their module, and the therapist is told why the greeting was not sent."""
    _require_care_team(actor, enrollment)
    progress = module_unlock(actor=actor, enrollment=enrollment, module=module)
    if not greeting.strip():
        return ModuleOpened(progress)
    thread = Thread.objects.filter(enrollment=enrollment).first()
    if thread is None:
        return ModuleOpened(progress, _("There is no conversation to send it to."))
    try:
        message_send(sender=actor, thread=thread, body=greeting, client_id=uuid.uuid4())
    except RateLimited:
        return ModuleOpened(
            progress,
            _(
                "You have sent many messages in the last minute. Wait a minute and send it "
                "from the message box."
            ),
        )
    except ValidationError as problem:
        return ModuleOpened(progress, " ".join(problem.messages))
    return ModuleOpened(progress)


def module_close(*, actor: User, enrollment: Enrollment, module: ModulePage) -> ModuleProgress:
    _require_care_team(actor, enrollment)
    return module_lock(actor=actor, enrollment=enrollment, module=module)
