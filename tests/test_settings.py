"""Production settings fail loudly when a required value is missing."""

from __future__ import annotations

from tests.helpers import manage_check


def test_missing_secret_key_stops_start_up_with_a_clear_message():
    result = manage_check({"ALLOWED_HOSTS": "example.org"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_missing_allowed_hosts_stops_start_up_with_a_clear_message():
    result = manage_check({"SECRET_KEY": "x" * 60})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_complete_production_settingsmanage_check():
    result = manage_check({"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "example.org"})
    assert result.returncode == 0, result.stderr
