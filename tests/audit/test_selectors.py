"""The access log's read functions (audit.selectors)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from audit.selectors import count_before, record_reads, record_reads_of
from audit.services import audit_log, record_access


@pytest.mark.django_db
def test_record_reads_narrow_by_reader_person_and_time(therapist, other_therapist, participant):
    mine = record_access(actor=therapist, subject=participant, what="answers")
    theirs = record_access(actor=other_therapist, subject=participant, what="notes")
    audit_log(action=AuditEvent.Action.LOGIN, actor=therapist, subject=participant)

    assert list(record_reads()) == [theirs, mine]
    assert list(record_reads(staff=therapist.public_id)) == [mine]
    assert list(record_reads(subject=participant.public_id, staff=other_therapist.public_id)) == [
        theirs
    ]
    assert list(record_reads(until=mine.created_at - timedelta(seconds=1))) == []
    assert list(record_reads(since=mine.created_at)) == [theirs, mine]
    assert set(record_reads_of(participant)) == {theirs, mine}
    assert list(record_reads_of(therapist)) == []


@pytest.mark.django_db
def test_count_before_counts_every_kind_of_event(therapist, participant):
    record_access(actor=therapist, subject=participant, what="answers")
    audit_log(action=AuditEvent.Action.LOGIN, actor=therapist, subject=therapist)
    later = timezone.now() + timedelta(seconds=1)
    assert count_before(later) == 2
    assert count_before(later - timedelta(days=1)) == 0
