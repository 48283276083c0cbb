"""Which submission a receipt page is about: its public id, kept in the session (not in the
address, so nobody can open another person's receipt, and a reload still shows it)."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest


def receipt_keep(request: HttpRequest, key: str, public_id: UUID) -> None:
    request.session[key] = str(public_id)


def receipt_id(request: HttpRequest, key: str) -> UUID | None:
    """The public id kept under `key`, or None when there is none or it is not a UUID."""
    try:
        return UUID(str(request.session.get(key)))
    except ValueError:
        return None
