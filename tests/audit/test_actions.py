"""The registry of audit actions (audit.actions): filled by the apps that write them, and
strict about codes nobody declared."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

from audit.actions import ActionRegistry, UnknownAuditAction, actions
from audit.models import AuditEvent
from audit.services import audit_log

PLATFORM = Path(__file__).resolve().parents[2] / "platform"


def _last_choices_in_migrations() -> list[tuple[str, str]]:
    """The action list as the last migration with database choices froze it (0007): the
    codes and English labels that rows written until then carry."""
    source = (PLATFORM / "audit" / "migrations" / "0007_referral_actions.py").read_text()
    match = re.search(r"choices=(\[.*?\])", source)
    assert match is not None
    return list(ast.literal_eval(match.group(1)))


def test_every_historic_action_keeps_its_code_and_label():
    """Rows written before the registry keep their meaning: same code, same English label
    (so the same msgid and the same Swedish translation)."""
    historic = _last_choices_in_migrations()
    assert len(historic) >= 40
    with translation.override("en"):
        for code, label in historic:
            assert code in actions
            assert actions.label(code) == label


def test_actions_read_by_name_by_code_and_as_choices():
    assert AuditEvent.Action.LOGIN == "login" == actions.LOGIN
    assert AuditEvent.Action is actions
    with translation.override("en"):
        assert ("record_viewed", "Record viewed") in actions.choices
        assert actions.label("risk_term_added") == "Risk word added"
    assert actions.label("retired_action") == "retired_action"
    with pytest.raises(AttributeError):
        _ = actions.NO_SUCH_ACTION


def test_every_action_named_in_the_code_is_registered():
    """`AuditEvent.Action.X` anywhere in platform/ names an action some app registered."""
    used = {
        name
        for path in PLATFORM.rglob("*.py")
        if "migrations" not in path.parts
        for name in re.findall(r"AuditEvent\.Action\.([A-Z_]+)", path.read_text())
    }
    assert used
    for name in used:
        assert getattr(actions, name) in actions


@pytest.mark.django_db
def test_writing_an_unregistered_action_fails_loudly():
    with pytest.raises(UnknownAuditAction):
        audit_log(action="no_such_action")
    assert not AuditEvent.objects.exists()
    assert audit_log(action=AuditEvent.Action.LOGIN).action == "login"


def test_a_code_or_name_cannot_change_meaning():
    registry = ActionRegistry()
    assert registry.register("SEEN", "seen", "Seen") == "seen"
    registry.register("SEEN", "seen", "Seen")  # the same declaration again is harmless
    with pytest.raises(ValueError):
        registry.register("LOOKED", "seen", "Looked")
    with pytest.raises(ValueError):
        registry.register("SEEN", "looked", "Seen")
    with pytest.raises(ValueError):
        registry.register("LONG", "x" * 41, "Too long for the column")
    assert registry.codes == ["seen"] and registry.require("seen") == "seen"
    with pytest.raises(UnknownAuditAction):
        registry.require("looked")
