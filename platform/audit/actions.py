"""The names of what the access log records, declared by the app that does it.

The log stores an action as a short code (`AuditEvent.action`, without database choices).
Each app that writes an action declares it in its own `audit_actions` module (a tuple
`ACTIONS` of (name, code, label)); audit's ready() finds those modules by that name in every
installed app and registers them (`discover`). So a new action is one line in the app that
raises it, needs no migration of the log and no start-up hook, and the log imports no app
above it (it knows only the module's name).

    actions.register("LOGIN", "login", _("Logged in"))
    actions.LOGIN                -> "login"       (the code, a plain str)
    actions.label("login")       -> "Logged in"   (in the reader's language)
    actions.choices              -> [("login", "Logged in"), ...] for filter forms
    actions.require("login")     -> "login", or UnknownAuditAction if nobody registered it

Codes are kept for ever: rows written years ago still carry them, so a code is never reused
for another meaning and its label's msgid stays the same (its translation keeps working)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.utils.functional import Promise
from django.utils.module_loading import module_has_submodule

Label = str | Promise


class UnknownAuditAction(LookupError):
    """An action was written that no app registered: a typo, or a missing `audit_actions`."""


@dataclass(frozen=True)
class AuditAction:
    """One registered action: the constant's name, the stored code and its human label."""

    name: str
    code: str
    label: Label


class ActionRegistry:
    """The actions every app has declared, looked up by name (attribute) or by code."""

    def __init__(self) -> None:
        self._by_name: dict[str, AuditAction] = {}
        self._by_code: dict[str, AuditAction] = {}

    def register(self, name: str, code: str, label: Label) -> str:
        """Declare one action; the same declaration twice is harmless (a re-run ready()), but
        a name or code that already means something else is refused, so no two apps can
        claim one code and old rows never change meaning."""
        action = AuditAction(name, code, label)
        for key, table in ((name, self._by_name), (code, self._by_code)):
            known = table.get(key)
            if known is not None and known != action:
                raise ValueError(f"Audit action {key!r} is already registered as {known}.")
        if len(code) > 40:
            raise ValueError(f"Audit action code {code!r} is longer than the column (40).")
        self._by_name[name] = self._by_code[code] = action
        return code

    def register_all(self, declared: Iterable[tuple[str, str, Label]]) -> None:
        """Declare an app's actions, given as (name, code, label) triples."""
        for name, code, label in declared:
            self.register(name, code, label)

    def __getattr__(self, name: str) -> str:
        """`actions.LOGIN` is the code "login": callers keep naming actions as constants."""
        # Read through __dict__: before __init__ has run (copy, pickle) there is no table yet.
        by_name: dict[str, AuditAction] = self.__dict__.get("_by_name", {})
        try:
            return by_name[name].code
        except KeyError:
            raise AttributeError(f"No audit action named {name!r} is registered.") from None

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def require(self, code: str) -> str:
        """The code itself if some app registered it; otherwise UnknownAuditAction, so a
        misspelt or undeclared action fails where it is written instead of logging nonsense."""
        if code not in self._by_code:
            raise UnknownAuditAction(f"Audit action {code!r} is not registered by any app.")
        return code

    def label(self, code: str) -> str:
        """The action's name in the reader's language; an unknown (retired) code as itself,
        so old rows stay readable."""
        action = self._by_code.get(code)
        return str(action.label) if action is not None else code

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(code, label) pairs for a filter form's select, in registration order."""
        return [(a.code, str(a.label)) for a in self._by_code.values()]

    @property
    def codes(self) -> list[str]:
        return list(self._by_code)


# The one registry, filled from each app's `audit_actions.ACTIONS` by discover() at start-up.
actions = ActionRegistry()


def discover() -> None:
    """Register the ACTIONS of every installed app's `audit_actions` module (audit's ready()).
    An app with no such module writes no action of its own."""
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "audit_actions"):
            actions.register_all(import_module(f"{config.name}.audit_actions").ACTIONS)
