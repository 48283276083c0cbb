"""The seeded instruments and their scoring, against hand-worked examples."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from measures.instruments import seed_instruments
from measures.models import Instrument, InstrumentItem
from measures.selectors import band_for, items_of, label_of, max_score
from measures.services import score
from tests.helpers import answers_for

pytestmark = pytest.mark.django_db


def _score(instrument: Instrument, values: list[int]) -> tuple[int, str]:
    total = score(instrument, items_of(instrument), answers_for(instrument, values))
    with translation.override("en"):
        return total, label_of(band_for(instrument, total))


def test_the_seed_is_idempotent_and_complete(instruments):
    seed_instruments(Instrument, InstrumentItem)
    assert Instrument.objects.count() == 4
    counts = {i.key: i.items.count() for i in Instrument.objects.all()}
    assert counts["phq-9"] == 9 and counts["gad-7"] == 7 and counts["audit"] == 10
    assert counts["violence-checklist"] >= 12
    for instrument in Instrument.objects.all():
        assert instrument.name_sv and instrument.name_en and instrument.licence_note
        for item in instrument.items.all():
            assert item.text_sv and item.text_en
    assert "Pfizer" in instruments["phq-9"].licence_note
    assert "WHO" in instruments["audit"].licence_note


def test_the_seed_is_the_migration(instruments):
    """The migration seeded the same rows (no duplicates after seeding again)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM measures_instrumentitem")
        assert cursor.fetchone()[0] == sum(i.items.count() for i in Instrument.objects.all())


def test_max_scores(instruments):
    expected = {"phq-9": 27, "gad-7": 21, "audit": 40, "violence-checklist": None}
    for key, top in expected.items():
        instrument = instruments[key]
        found = max_score(instrument, items_of(instrument))
        assert found == (top if top is not None else 4 * instrument.items.count())


def test_phq9(instruments):
    phq = instruments["phq-9"]
    assert _score(phq, [1, 2, 0, 3, 1, 1, 0, 2, 1]) == (11, "Moderate")
    assert _score(phq, [0] * 9) == (0, "Minimal")
    assert _score(phq, [1, 1, 1, 1, 0, 0, 0, 0, 0]) == (4, "Minimal")
    assert _score(phq, [1, 1, 1, 1, 1, 0, 0, 0, 0]) == (5, "Mild")
    assert _score(phq, [2, 2, 2, 2, 2, 2, 2, 1, 0]) == (15, "Moderately severe")
    assert _score(phq, [3] * 9) == (27, "Severe")
    with translation.override("sv"):
        assert label_of(band_for(phq, 11)) == "Måttlig"


def test_gad7(instruments):
    gad = instruments["gad-7"]
    assert _score(gad, [3, 3, 2, 2, 1, 1, 0]) == (12, "Moderate")
    assert _score(gad, [1, 1, 1, 1, 0, 0, 0]) == (4, "Minimal")
    assert _score(gad, [3, 3, 3, 3, 3, 0, 0]) == (15, "Severe")


def test_audit_with_its_own_answers_and_the_last_two_items(instruments):
    audit = instruments["audit"]
    # Items 1–8: 2+1+1+0+0+0+1+0 = 5; item 9 "yes, but not in the last year" = 2; item 10
    # "yes, during the last year" = 4: 11, hazardous use.
    assert _score(audit, [2, 1, 1, 0, 0, 0, 1, 0, 2, 4]) == (11, "Hazardous use")
    assert _score(audit, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]) == (1, "Low risk")
    assert _score(audit, [4, 4, 4, 4, 0, 0, 0, 0, 4, 0]) == (20, "Possible dependence")
    assert _score(audit, [4, 3, 3, 2, 0, 0, 0, 0, 2, 2]) == (16, "Harmful use")
    items = items_of(audit)
    assert [o["value"] for o in items[8].scale] == [0, 2, 4]
    with translation.override("sv"):
        assert label_of(items[1].scale[4]) == "10 eller fler"
    # 1 and 3 are not answers to item 9 or 10.
    with pytest.raises(ValidationError, match="9"):
        score(audit, items, answers_for(audit, [0, 0, 0, 0, 0, 0, 0, 0, 1, 0]))
    with pytest.raises(ValidationError, match="10"):
        score(audit, items, answers_for(audit, [0, 0, 0, 0, 0, 0, 0, 0, 0, 3]))


def test_violence_checklist(instruments):
    checklist = instruments["violence-checklist"]
    n = checklist.items.count()
    assert _score(checklist, [0] * n) == (0, "None reported")
    values = [0] * n
    values[0], values[4] = 3, 1  # pushed weekly, shouted once
    assert _score(checklist, values) == (4, "Some reported")
    keys = set(checklist.items.values_list("key", flat=True))
    for kind in ("physical", "psychological", "sexual", "economic", "digital", "controlling"):
        assert sum(k.startswith(kind) for k in keys) >= 2


def test_missing_or_foreign_answers_are_refused(instruments):
    phq = instruments["phq-9"]
    items = items_of(phq)
    answers = answers_for(phq, [1] * 9)
    del answers["5"]
    with pytest.raises(ValidationError, match="5"):
        score(phq, items, answers)
    for bad in (4, -1, "1", True, None):
        with pytest.raises(ValidationError):
            score(phq, items, {**answers_for(phq, [1] * 9), "1": bad})
