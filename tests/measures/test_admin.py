"""Admins edit the instruments and each programme's schedule; nobody else may. The schedule
command gives programmes without one the default."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from measures.models import Instrument, ScheduleRule
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


def _form(instrument: Instrument, **changes) -> dict[str, str]:
    data = {
        "name_sv": instrument.name_sv,
        "name_en": instrument.name_en,
        "intro_sv": instrument.intro_sv,
        "intro_en": instrument.intro_en,
        "licence_note": instrument.licence_note,
        "scale": json.dumps(instrument.scale),
        "cutoffs": json.dumps(instrument.cutoffs),
        "improvement_threshold": str(instrument.improvement_threshold),
        "higher_is_worse": "on",
        "active": "on",
    }
    items = list(instrument.items.order_by("order"))
    data.update(
        {
            "items-TOTAL_FORMS": str(len(items) + 1),
            "items-INITIAL_FORMS": str(len(items)),
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
        }
    )
    for n, item in enumerate(items):
        data.update(
            {
                f"items-{n}-id": str(item.pk),
                f"items-{n}-instrument": str(instrument.pk),
                f"items-{n}-order": str(item.order),
                f"items-{n}-text_sv": item.text_sv,
                f"items-{n}-text_en": item.text_en,
                f"items-{n}-scale": json.dumps(item.scale) if item.scale else "",
                f"items-{n}-flag_from": "" if item.flag_from is None else str(item.flag_from),
            }
        )
    data[f"items-{len(items)}-order"] = "0"  # the empty extra form, as a browser sends it
    data.update(changes)
    return data


def test_only_admins_reach_the_pages(cast, instruments):
    urls = [
        reverse("measures:admin_instruments"),
        reverse("measures:admin_instrument", args=["phq-9"]),
        reverse("measures:admin_instrument_new"),
    ]
    for url in urls:
        assert verified_client(cast["admin"]).get(url).status_code == 200
        for role in ("participant", "therapist", "editor", "partner_worker"):
            assert verified_client(cast[role]).get(url).status_code == 404
    assert (
        verified_client(cast["admin"])
        .get(reverse("measures:admin_instrument", args=["nope"]))
        .status_code
        == 404
    )


def test_an_admin_rewords_a_question(admin_user, instruments):
    phq = instruments["phq-9"]
    url = reverse("measures:admin_instrument", args=["phq-9"])
    response = verified_client(admin_user).post(
        url, _form(phq, **{"items-0-text_en": "Little interest or joy in doing things"})
    )
    assert response.status_code == 302, [
        line for line in response.content.decode().splitlines() if "errorlist" in line
    ]
    assert phq.items.get(key="1").text_en == "Little interest or joy in doing things"
    assert phq.items.count() == 9


def test_a_broken_scale_or_cutoffs_is_refused(admin_user, instruments):
    phq = instruments["phq-9"]
    url = reverse("measures:admin_instrument", args=["phq-9"])
    client = verified_client(admin_user)
    for changes in (
        {"cutoffs": json.dumps([{"min": 0}])},
        {"scale": json.dumps([{"value": "a", "label_sv": "x", "label_en": "x"}])},
        {"cutoffs": "not json"},
    ):
        response = client.post(url, _form(phq, **changes))
        assert response.status_code == 400
    phq.refresh_from_db()
    assert len(phq.cutoffs) == 5 and len(phq.scale) == 4


def test_an_admin_sets_the_schedule(admin_user, therapist, programme, instruments):
    url = reverse("measures:admin_instruments")
    phq = instruments["phq-9"]
    data = {"programme": str(programme.pk), "rule": [f"intake:{phq.pk}", f"completion:{phq.pk}"]}
    assert verified_client(therapist).post(url, data).status_code == 404
    assert verified_client(admin_user).post(url, data).status_code == 302
    assert set(
        ScheduleRule.objects.filter(programme=programme).values_list("occasion", "instrument")
    ) == {("intake", phq.pk), ("completion", phq.pk)}
    page = verified_client(admin_user).get(url).content.decode()
    assert f'value="intake:{phq.pk}"' in page and "checked" in page


def test_the_schedule_command_is_idempotent(instruments):
    from content.models import ProgramPage
    from tests.modules.conftest import make_programme

    first = make_programme(modules=1, answers_per_module=1)
    out = StringIO()
    call_command("seed_measure_schedule", stdout=out)
    assert ScheduleRule.objects.filter(programme=first).count() == 14
    call_command("seed_measure_schedule", stdout=out)
    assert (
        ScheduleRule.objects.count()
        == 14 * ProgramPage.objects.filter(locale__language_code="sv").count()
    )
    assert "nothing to do" in out.getvalue()
