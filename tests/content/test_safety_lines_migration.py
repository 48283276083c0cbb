"""content/migrations/0009_safety_lines.py carries a frozen copy of the self-harm lines it
writes (as the new column's default for existing rows, and in its RunPython), so later
changes to content.models.default_safety_lines never change what that old migration does.

The comparison with the live default is a one-time check that the copy was taken faithfully:
the two agree today. If the live default is changed on purpose later, that change gets a
migration of its own, and only this comparison is then out of date and may go."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from wagtail.models import Site

from content.models import HelpSettings, default_safety_lines

migration = importlib.import_module("content.migrations.0009_safety_lines")


def test_the_frozen_lines_are_the_live_default_of_today():
    assert default_safety_lines() == migration.SAFETY_LINES


def test_the_database_gets_the_frozen_default_and_the_state_the_models():
    operation = migration.Migration.operations[0]
    (database_field,) = (op.field for op in operation.database_operations)
    (state_field,) = (op.field for op in operation.state_operations)
    assert database_field.default is migration.frozen_safety_lines
    assert state_field.default is default_safety_lines
    copy = migration.frozen_safety_lines()
    copy[0]["value"]["number"] = "112"
    assert migration.SAFETY_LINES[0]["value"]["number"] == "90101"


@pytest.mark.django_db
def test_the_migration_writes_the_frozen_lines_where_none_are_set():
    help_settings = HelpSettings.for_site(Site.objects.get(is_default_site=True))
    HelpSettings.objects.filter(pk=help_settings.pk).update(safety_lines=[])
    migration.seed_safety_lines(apps, None)
    help_settings.refresh_from_db()
    written = [{"type": c.block_type, "value": dict(c.value)} for c in help_settings.safety_lines]
    assert written == migration.SAFETY_LINES
