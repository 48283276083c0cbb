"""The caseload: whom to attend to first, only my participants, and a fixed query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging.models import Thread
from modules.models import Enrollment, ModuleProgress, ModuleState, RiskLevel, RiskSignal
from modules.services import checkin_submit
from tests.helpers import enroll, many_participants, send, verified_client
from therapist.views import CASELOAD_PAGE_SIZE

pytestmark = pytest.mark.django_db


def _names(client, show="all"):
    response = client.get(reverse("therapist:home"), {"show": show})
    return [row.participant.display_name for row in response.context["rows"]]


def test_urgency_order_risk_then_oldest_message_then_waiting_then_quiet(
    programme, therapist, other_therapist, participant
):
    calm, quiet, waiting, new_msg, old_msg, risky = (
        e for e in many_participants(6, therapist, programme)
    )
    names = {
        e.pk: e.participant.display_name for e in (calm, quiet, waiting, new_msg, old_msg, risky)
    }
    RiskSignal.objects.create(
        enrollment=risky, source="checkin", level=RiskLevel.HIGH, reasons=["violence_reported"]
    )
    send(old_msg.participant, Thread.objects.get(enrollment=old_msg), "Earlier")
    Thread.objects.get(enrollment=old_msg).messages.update(
        created_at=timezone.now() - timedelta(hours=5)
    )
    send(new_msg.participant, Thread.objects.get(enrollment=new_msg), "Now")
    ModuleProgress.objects.filter(enrollment=waiting, state=ModuleState.UNLOCKED).update(
        state=ModuleState.COMPLETED, completed_at=timezone.now()
    )
    Enrollment.objects.filter(pk=quiet.pk).update(
        last_active_at=timezone.now() - timedelta(days=12)
    )
    Enrollment.objects.filter(pk=calm.pk).update(last_active_at=timezone.now())
    for e in (waiting, new_msg, old_msg, risky):
        Enrollment.objects.filter(pk=e.pk).update(last_active_at=timezone.now())
    # Someone else's participant never shows.
    enroll(participant, other_therapist, programme)

    client = verified_client(therapist)
    assert _names(client) == [names[e.pk] for e in (risky, old_msg, new_msg, waiting, quiet, calm)]
    assert _names(client, "risk") == [names[risky.pk]]
    assert _names(client, "waiting") == [names[e.pk] for e in (old_msg, new_msg, waiting)]
    assert _names(client, "inactive") == [names[quiet.pk]]
    assert _names(client, "completed") == []
    assert _names(client, "nonsense") == _names(client)


def test_a_checkin_score_and_trend_show_on_the_row(enrollment, participant, therapist):
    base = {
        "violence": "no",
        "violence_kinds": [],
        "children": "no",
        "home": "calm",
        "harm_thoughts": "no",
        "free_text": "",
    }
    checkin_submit(participant=participant, enrollment=enrollment, answers={**base, "closeness": 2})
    checkin_submit(participant=participant, enrollment=enrollment, answers={**base, "closeness": 5})
    row = verified_client(therapist).get(reverse("therapist:home")).context["rows"][0]
    assert (row.closeness, row.trend) == (5, 3)


def test_the_caseload_query_count_is_the_same_at_5_and_300_participants(
    programme, therapist, django_assert_max_num_queries
):
    client = verified_client(therapist)

    def measure(expected_rows: int) -> int:
        client.get(reverse("therapist:home"))  # warm: session, roles
        with django_assert_max_num_queries(20) as captured:
            response = client.get(reverse("therapist:home"))
        assert response.context["page"].paginator.count == expected_rows
        assert len(response.context["rows"]) == min(expected_rows, CASELOAD_PAGE_SIZE)
        return len(captured)

    def add(n: int, start: int) -> None:
        for e in many_participants(n, therapist, programme, start=start):
            send(e.participant, Thread.objects.get(enrollment=e), "Hej")
            RiskSignal.objects.create(enrollment=e, source="checkin", level="high", reasons=[])

    add(5, 0)
    at_5 = measure(5)
    add(295, 5)
    assert measure(300) == at_5


def test_the_caseload_is_paged_in_urgency_order_and_keeps_the_filter(
    programme, therapist, monkeypatch
):
    monkeypatch.setattr("therapist.views.CASELOAD_PAGE_SIZE", 2)
    people = many_participants(5, therapist, programme)
    Enrollment.objects.update(last_active_at=timezone.now())
    # The last two enrolled are the most urgent: they lead the first page.
    for e in people[3:]:
        RiskSignal.objects.create(enrollment=e, source="checkin", level="high", reasons=[])
    client = verified_client(therapist)
    url = reverse("therapist:home")
    everyone = [r.participant.display_name for r in client.get(url).context["rows"]]
    assert everyone == [e.participant.display_name for e in people[3:]]  # oldest signal first

    seen = []
    for number in (1, 2, 3):
        response = client.get(url, {"page": number})
        assert response.context["page"].number == number
        seen += [r.participant.display_name for r in response.context["rows"]]
    assert len(seen) == 5 and set(seen) == {e.participant.display_name for e in people}
    assert seen[:2] == everyone

    # Paging links keep the filter; a page past the end shows the last one.
    page = client.get(url, {"show": "all", "page": 2}).content.decode()
    assert 'href="?show=all&amp;page=1"' in page and 'href="?show=all&amp;page=3"' in page
    assert client.get(url, {"page": 99}).context["page"].number == 3
    assert client.get(url, {"page": "x"}).context["page"].number == 1
    risky = client.get(url, {"show": "risk"})
    assert risky.context["page"].paginator.count == 2
    assert not risky.context["page"].has_other_pages()


def test_open_risk_signals_are_counted_in_the_navigation(enrollment, therapist, participant):
    client = verified_client(therapist)
    assert "öppna risksignaler" not in client.get(reverse("therapist:home")).content.decode()
    RiskSignal.objects.create(enrollment=enrollment, source="checkin", level="high", reasons=[])
    RiskSignal.objects.create(enrollment=enrollment, source="message", level="acute", reasons=[])
    page = client.get(reverse("messaging:inbox")).content.decode()
    assert '2<span class="visually-hidden"> öppna risksignaler</span>' in page
    # The participant never sees a count, a badge or the word.
    home = verified_client(participant).get(reverse("modules:home")).content.decode()
    assert "risksignal" not in home and "badge-risk" not in home
