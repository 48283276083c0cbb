"""Admins edit the instruments and each programme's schedule; nobody else may. The schedule
command gives programmes without one the default."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from measures.models import Instrument, ScheduleRule
from measures.selectors import band_for, max_score
from tests.helpers import verified_client

pytestmark = pytest.mark.django_db


def _form(instrument: Instrument, **changes) -> dict[str, str]:
    data = {
        "name_sv": instrument.name_sv,
        "name_en": instrument.name_en,
        "intro_sv": instrument.intro_sv,
        "intro_en": instrument.intro_en,
        "licence_note": instrument.licence_note,
        "improvement_threshold": str(instrument.improvement_threshold),
        "higher_is_worse": "on",
        "active": "on",
    }
    data.update(_rows("scale", instrument.scale, ("value", "label_sv", "label_en")))
    data.update(_rows("bands", _bands(instrument), ("start", "end", "label_sv", "label_en")))
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


def _rows(prefix: str, rows: list[dict], fields: tuple[str, ...]) -> dict[str, str]:
    """A formset as the browser posts it: one row per entry and one blank extra row."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows) + 1),
        f"{prefix}-INITIAL_FORMS": str(len(rows)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for n, row in enumerate(rows):
        data.update({f"{prefix}-{n}-{field}": str(row[field]) for field in fields})
    return data


def _bands(instrument: Instrument) -> list[dict]:
    """The stored lower bounds as from/to bands, the last ending at the highest score."""
    cutoffs = sorted(instrument.cutoffs, key=lambda c: c["min"])
    top = max_score(instrument, instrument.items.all())
    return [
        {
            "start": c["min"],
            "end": cutoffs[n + 1]["min"] - 1 if n + 1 < len(cutoffs) else top,
            "label_sv": c["label_sv"],
            "label_en": c["label_en"],
        }
        for n, c in enumerate(cutoffs)
    ]


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


def test_the_scale_and_bands_are_form_fields_not_json(admin_user, instruments):
    page = verified_client(admin_user).get(reverse("measures:admin_instrument", args=["phq-9"]))
    html = page.content.decode()
    # Each answer and each band in fields of its own, with the stored values, and no JSON.
    assert 'name="scale-3-value" value="3"' in html
    assert 'name="scale-3-label_sv" value="Nästan varje dag"' in html
    assert 'name="bands-0-start" value="0"' in html and 'name="bands-0-end" value="4"' in html
    assert 'name="bands-4-end" value="27"' in html  # the highest possible PHQ-9 score
    assert 'name="scale"' not in html and 'name="cutoffs"' not in html
    assert "label_sv&quot;" not in html


def test_an_admin_renames_an_answer_and_moves_a_band(admin_user, instruments):
    phq = instruments["phq-9"]
    url = reverse("measures:admin_instrument", args=["phq-9"])
    changes = {
        "scale-1-label_sv": "Några dagar",
        "bands-0-end": "5",  # Minimal is now 0-5, and Mild starts at 6
        "bands-1-start": "6",
    }
    response = verified_client(admin_user).post(url, _form(phq, **changes))
    assert response.status_code == 302
    phq.refresh_from_db()
    assert phq.scale[1] == {"value": 1, "label_sv": "Några dagar", "label_en": "Several days"}
    assert [c["min"] for c in phq.cutoffs] == [0, 6, 10, 15, 20]
    assert band_for(phq, 5)["label_en"] == "Minimal" and band_for(phq, 6)["label_sv"] == "Lindrig"


def test_an_admin_adds_an_answer_and_removes_a_band(admin_user, instruments):
    gad = instruments["gad-7"]
    url = reverse("measures:admin_instrument", args=["gad-7"])
    data = _form(gad)
    n = len(gad.scale)
    data.update(
        {f"scale-{n}-value": "4", f"scale-{n}-label_sv": "Alltid", f"scale-{n}-label_en": "Always"}
    )
    bands = _bands(gad)
    last = len(bands) - 1
    # The scale's new top answer raises the highest score by one per question.
    top = bands[-1]["end"] + gad.items.count()
    data.update({f"bands-{last}-DELETE": "on", f"bands-{last - 1}-end": str(top)})
    response = verified_client(admin_user).post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    gad.refresh_from_db()
    assert gad.scale[-1] == {"value": 4, "label_sv": "Alltid", "label_en": "Always"}
    assert len(gad.cutoffs) == len(bands) - 1


INVALID = [
    ({"scale-1-value": "x"}, "Värdet ska vara ett heltal"),
    ({"scale-1-value": "1.5"}, "Värdet ska vara ett heltal"),
    ({"scale-1-value": "-1"}, "Värdet kan inte vara lägre än 0."),
    ({"scale-1-value": "0"}, "Två svar har samma värde"),
    ({"scale-1-value": "2", "scale-2-value": "1"}, "Lista svaren från det lägsta värdet"),
    ({"scale-2-label_sv": ""}, "Skriv svarets text på svenska."),
    ({"scale-2-label_en": "  "}, "Skriv svarets text på engelska."),
    ({f"scale-{n}-DELETE": "on" for n in range(4)}, "Svarsskalan behöver minst ett svar."),
    ({"bands-1-start": "4"}, "överlappar"),
    ({"bands-1-start": "7"}, "Poängen 5–6 hamnar inte i någon nivå."),
    ({"bands-0-start": "1"}, "från den lägsta möjliga poängen, 0, till den högsta, 27"),
    ({"bands-4-end": "30"}, "från den lägsta möjliga poängen, 0, till den högsta, 27"),
    ({"bands-2-end": "8"}, "”Till” får inte vara lägre än ”Från”."),
    ({"bands-3-label_sv": ""}, "Skriv nivåns namn på svenska."),
    ({"bands-3-label_en": ""}, "Skriv nivåns namn på engelska."),
    ({"bands-0-start": "noll"}, "Poängen ska vara ett heltal."),
    ({f"bands-{n}-DELETE": "on" for n in range(5)}, "Ange minst en nivå."),
]


@pytest.mark.parametrize(("changes", "message"), INVALID)
def test_an_invalid_scale_or_band_is_refused_with_a_message_and_keeps_what_was_typed(
    admin_user, instruments, changes, message
):
    phq = instruments["phq-9"]
    before = (list(phq.scale), list(phq.cutoffs))
    url = reverse("measures:admin_instrument", args=["phq-9"])
    typed = {"name_en": "PHQ-9, retyped", "scale-0-label_en": "Never, retyped"}
    response = verified_client(admin_user).post(url, _form(phq, **typed, **changes))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    # Nothing typed is lost: the other edits come back in their fields.
    assert 'value="PHQ-9, retyped"' in html and 'value="Never, retyped"' in html
    for name, value in changes.items():
        if not name.endswith("DELETE") and value.strip():
            assert f'name="{name}" value="{value}"' in html
    phq.refresh_from_db()
    assert (phq.scale, phq.cutoffs) == before
    assert phq.name_en != "PHQ-9, retyped"


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
    from tests.helpers import make_programme

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
