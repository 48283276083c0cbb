"""Unlocking and locking a module leave an audit event naming who did it, for whom and which
module; a refused attempt leaves none, and locking keeps the answers."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from modules import services
from modules.models import Answer
from tests.helpers import modules_of, save_answer


@pytest.mark.django_db
def test_unlock_and_lock_are_audited(enrollment, programme, participant, therapist):
    second = modules_of(programme)[1]
    services.module_unlock(actor=therapist, enrollment=enrollment, module=second)
    save_answer(participant, enrollment, second, second.body[1].id, "kept", version=0)
    services.module_lock(actor=therapist, enrollment=enrollment, module=second)
    events = list(
        AuditEvent.objects.filter(
            action__in=[AuditEvent.Action.MODULE_UNLOCKED, AuditEvent.Action.MODULE_LOCKED]
        ).order_by("id")
    )
    assert [e.action for e in events] == ["module_unlocked", "module_locked"]
    for event in events:
        assert event.actor == therapist and event.subject == participant
        assert event.target_type == "module" and event.target_id == str(second.translation_key)
    assert Answer.objects.get(enrollment=enrollment, block_id=second.body[1].id).value == "kept"

    # Unlocking an open module again changes nothing and logs nothing.
    services.module_unlock(actor=therapist, enrollment=enrollment, module=second)
    services.module_unlock(actor=therapist, enrollment=enrollment, module=second)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MODULE_UNLOCKED).count() == 2


@pytest.mark.django_db
def test_a_refused_unlock_leaves_no_event(enrollment, programme, other_therapist):
    second = modules_of(programme)[1]
    with pytest.raises(PermissionDenied):
        services.module_unlock(actor=other_therapist, enrollment=enrollment, module=second)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.MODULE_UNLOCKED).exists()
