"""A participant downloads their own data: everything they wrote and the messages, with the
questions; never a risk signal, a case note, a screening note, the partner's case, or
another participant's data. The download is written to the access log."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEvent
from modules.checkin import RISK_REASONS
from tests.helpers import (
    ALEX,
    ALEX_SCORE,
    INSTRUMENT_NAME,
    ROBIN,
    SECRETS,
    World,
    check_accessibility,
    unverified_client,
    verified_client,
)

pytestmark = pytest.mark.django_db

PAGE = "/records/my-data/"
DOWNLOAD = "/records/my-data/download/"


def _download(client: Client, fmt: str = "html") -> Any:
    return client.post(DOWNLOAD, {"format": fmt})


def _risk_reason_texts() -> set[str]:
    texts = set(RISK_REASONS)
    for language in ("sv", "en"):
        with translation.override(language):
            texts |= {str(label) for label in RISK_REASONS.values()}
    return texts


def test_the_page_offers_the_download_and_says_what_is_left_out(world: World) -> None:
    response = verified_client(world.alex).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'action="/records/my-data/download/"' in html
    assert 'value="html"' in html and 'value="json"' in html
    # The help box (DESIGN rule 5) is on the page, as on every participant page.
    assert 'class="help-box' in html
    check_accessibility(html, PAGE)


def test_the_security_page_links_to_it_for_participants_only(world: World, therapist) -> None:
    assert PAGE in verified_client(world.alex).get("/account/security/").content.decode()
    assert PAGE not in verified_client(therapist).get("/account/security/").content.decode()


def test_the_file_holds_the_participants_own_data(world: World) -> None:
    response = _download(verified_client(world.alex))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Disposition"].startswith('attachment; filename="omtag-my-data-')
    html = response.content.decode()
    # Answers under their module, next to the question they answer.
    assert world.module_title in html
    assert world.question in html
    question_at = html.index(world.question)
    assert question_at < html.index(ALEX["reflection"])
    for mark in ("reflection", "situation", "warning", "checkin", "message", "reply"):
        assert ALEX[mark] in html, mark
    assert "Shouting, Threats" in html  # a checklist's choices
    # The check-ins as a table, the measures with their scores.
    assert re.search(r"<table>.*" + ALEX["checkin"] + r".*</table>", html, re.S)
    assert INSTRUMENT_NAME in html and f"{ALEX_SCORE}" in html and "RT-ITEM-ONE" in html
    # Messages in order, the therapist by display name and never by email.
    assert html.index(ALEX["message"]) < html.index(ALEX["reply"])
    assert world.therapist.display_name in html
    assert world.therapist.email not in html
    # The person's own words from the "ask for help" form.
    assert ALEX["referral"] in html and ALEX["alias"] in html


def test_the_file_is_self_contained(world: World) -> None:
    html = _download(verified_client(world.alex)).content.decode()
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "<style>" in html and "@media print" in html
    # Nothing that needs the network: no stylesheet, script, image or frame from elsewhere.
    assert not re.search(r"<(link|script|img|iframe)\b", html)
    assert "http://" not in html and "https://" not in html


def test_nothing_staff_internal_partner_side_or_of_another_person(world: World) -> None:
    for fmt in ("html", "json"):
        text = _download(verified_client(world.alex), fmt).content.decode()
        for secret in SECRETS.values():
            assert secret not in text, (fmt, secret)
        for reason in _risk_reason_texts():
            assert reason not in text, (fmt, reason)
        for mark in ROBIN.values():
            assert mark not in text, (fmt, mark)
        assert world.robin.email not in text
        # The staff's reason for a status change is staff-internal too.
        assert "Finished the programme" not in text


def test_the_second_participant_gets_only_their_own(world: World) -> None:
    text = _download(verified_client(world.robin)).content.decode()
    assert ROBIN["reflection"] in text and ROBIN["message"] in text
    for mark in ALEX.values():
        assert mark not in text
    for secret in SECRETS.values():
        assert secret not in text


def test_the_json_file_holds_the_same(world: World) -> None:
    response = _download(verified_client(world.alex), "json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert data["account"]["email"] == world.alex.email
    (treatment,) = data["treatments"]
    answers = [a for m in treatment["modules"] for a in m["answers"]]
    reflection = next(a for a in answers if a["question"] == world.question)
    assert reflection["parts"][0]["answer"] == ALEX["reflection"]
    assert [m["body"] for m in treatment["messages"]] == [ALEX["message"], ALEX["reply"]]
    assert [m["from"] for m in treatment["messages"]][1] == world.therapist.display_name
    assert [m["score"] for m in treatment["measures"]] == [ALEX_SCORE]  # not Robin's
    assert ALEX["checkin"] in treatment["checkins"]["rows"][0]["answers"]
    assert "risk" not in json.dumps(data).lower()


def test_a_deleted_blocks_answer_keeps_its_question(world: World) -> None:
    from content.models import ModulePage

    module = ModulePage.objects.get(
        title=world.module_title, pk__in=[a.module_id for a in world.e_alex.answers.all()]
    )
    module.body = [
        {"type": c.block_type, "value": c.block.get_prep_value(c.value), "id": c.id}
        for c in module.body
        if c.block_type != "reflection"
    ]
    module.save_revision().publish()
    data = json.loads(_download(verified_client(world.alex), "json").content)
    answers = [a for m in data["treatments"][0]["modules"] for a in m["answers"]]
    reflection = next(a for a in answers if a["question"] == world.question)
    assert reflection["earlier_version"] is True
    assert reflection["parts"][0]["answer"] == ALEX["reflection"]


def test_the_download_is_audited(world: World) -> None:
    _download(verified_client(world.alex))
    _download(verified_client(world.alex), "json")
    events = list(
        AuditEvent.objects.filter(action=AuditEvent.Action.OWN_DATA_DOWNLOADED).order_by("id")
    )
    assert [(e.actor, e.subject, e.detail) for e in events] == [
        (world.alex, world.alex, "html"),
        (world.alex, world.alex, "json"),
    ]
    # Only the download writes it: looking at the page does not.
    verified_client(world.alex).get(PAGE)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.OWN_DATA_DOWNLOADED).count() == 2


def test_an_unknown_format_downloads_nothing(world: World) -> None:
    response = _download(verified_client(world.alex), "xml")
    assert response.status_code == 302 and response["Location"] == PAGE
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.OWN_DATA_DOWNLOADED).exists()


def test_a_get_never_downloads(world: World) -> None:
    assert verified_client(world.alex).get(DOWNLOAD).status_code == 405


@pytest.mark.parametrize("who", ["therapist", "admin", "editor", "partner_worker"])
def test_staff_get_404(who: str, world: World, cast: dict[str, Any]) -> None:
    client = verified_client(cast[who])
    assert client.get(PAGE).status_code == 404
    assert _download(client).status_code == 404


def test_anonymous_and_unverified_are_sent_to_log_in(world: World) -> None:
    login = reverse("account_login")
    for url in (PAGE, DOWNLOAD):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith(login)
    response = unverified_client(world.alex).post(DOWNLOAD, {"format": "html"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:second_factor"))
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.OWN_DATA_DOWNLOADED).exists()


def test_the_file_is_in_the_persons_language(world: World) -> None:
    client = verified_client(world.alex)
    client.post(reverse("set_language"), {"language": "en", "next": PAGE})
    html = _download(client).content.decode()
    assert '<html lang="en">' in html
    assert "Weekly check-ins" in html
