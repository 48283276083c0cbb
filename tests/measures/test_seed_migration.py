"""measures/migrations/0003_seed_instruments.py carries a frozen copy of the instruments it
writes, so later changes to measures/instruments.py never change what that old migration does.

This test runs the migration's function on empty tables and checks that it writes exactly what
the live seed writes today: the copy was taken from the live seed and the two agree now. If
the live instruments are changed on purpose later, that change gets a migration of its own,
and this comparison (only this one) is then out of date and may go: the frozen copy stays."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps

from measures.instruments import INSTRUMENT_FIELDS, seed_instruments
from measures.models import Instrument, InstrumentItem

migration = importlib.import_module("measures.migrations.0003_seed_instruments")

ITEM_FIELDS = ("key", "order", "text_sv", "text_en", "scale", "flag_from")


def _written() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    instruments = list(Instrument.objects.order_by("key").values("key", *INSTRUMENT_FIELDS))
    items = list(
        InstrumentItem.objects.order_by("instrument__key", "order").values(
            "instrument__key", *ITEM_FIELDS
        )
    )
    return instruments, items


def _empty() -> None:
    InstrumentItem.objects.all().delete()
    Instrument.objects.all().delete()


@pytest.mark.django_db
def test_the_frozen_seed_writes_what_the_live_seed_writes():
    _empty()
    migration.seed(apps, None)
    frozen = _written()
    assert len(frozen[0]) == 4 and len(frozen[1]) > 30

    _empty()
    seed_instruments(Instrument, InstrumentItem)
    assert _written() == frozen


@pytest.mark.django_db
def test_the_frozen_seed_runs_twice_without_duplicates():
    _empty()
    migration.seed(apps, None)
    once = _written()
    migration.seed(apps, None)
    assert _written() == once
