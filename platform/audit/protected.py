"""Which records are under protected identity (skyddade personuppgifter), as the access log
names them (target_type, target_id), for log review's "protected records only" filter.

The apps that hold such records register a provider from their AppConfig.ready(), so the
access log and log review never import them (the partner track is walled off)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import Q

# target_type -> a function returning the target ids (as the log stores them) of the
# protected records of that type.
_PROVIDERS: dict[str, Callable[[], Iterable[object]]] = {}


def register_protected(target_type: str, ids: Callable[[], Iterable[object]]) -> None:
    _PROVIDERS[target_type] = ids


def protected_reads() -> Q:
    """A condition on AuditEvent: the event is a read of a protected record."""
    condition = Q(pk__in=[])
    for target_type, ids in _PROVIDERS.items():
        condition |= Q(target_type=target_type, target_id__in=[str(i) for i in ids()])
    return condition
