"""The account's personal data, and what every app's `personal_data` module shares.

Each app that keeps a person's data offers, in its own `personal_data.py`, which fields hold
it (a `*_PERSONAL_FIELDS` declaration beside the models), the writes that anonymise them and
the rows of the person's own data file. `records` only orchestrates: it decides when, keeps
its marks and writes the access log. So the one writer of a table stays its own app.

The placeholder, the text scrubbers and the export's local time live here because
`accounts` is the layer every such app stands on (`content` may use them for its blocks too).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final
from uuid import UUID

from django.db import models, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from .models import Invitation, User

ANONYMISED: Final = "[anonymised]"
ANONYMOUS_EMAIL_DOMAIN: Final = "anonymised.invalid"  # .invalid never resolves (RFC 2606)

# A stored choice key ("yes", "physical", "social_services"): not the person's own words.
_CHOICE_KEY = re.compile(r"^[a-z0-9_\-]{0,40}$")

# How one field's value loses the person's words (a field name → its scrubber).
Scrub = Callable[[Any], Any]

# The fields that say who the person is; anonymising replaces both (see user_anonymise).
USER_PERSONAL_FIELDS: Final = ("email", "display_name")
# The keyed hash of a personal identity number says who the person is too (accounts.identity).
INVITATION_PERSONAL_FIELDS: Final = ("email", "display_name", "identity_hash")


# --- Shared by every app's personal data ---------------------------------------------------


def scrub_text(text: Any) -> Any:
    """Non-empty text becomes the placeholder; empty stays empty (nothing was written)."""
    if isinstance(text, str):
        return ANONYMISED if text.strip() and text != ANONYMISED else text
    return text


def _each_string(value: Any, scrub: Scrub) -> Any:
    """`scrub` applied to every string in a JSON value, at any depth; the rest as it was."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_each_string(v, scrub) for v in value]
    if isinstance(value, dict):
        return {k: _each_string(v, scrub) for k, v in value.items()}
    return value


def scrub_all_text(value: Any) -> Any:
    """Every string, at any depth, becomes the placeholder; numbers and booleans stay."""
    return _each_string(value, scrub_text)


def _scrub_unless_choice_key(text: str) -> str:
    return text if _CHOICE_KEY.match(text) else scrub_text(text)


def scrub_free_text(value: Any) -> Any:
    """Every string that is not a stored choice key, at any depth, becomes the placeholder;
    numbers, booleans and choice keys stay (a measure's figures, a yes/no)."""
    return _each_string(value, _scrub_unless_choice_key)


def replace_with(value: Any) -> Scrub:
    """A scrubber for a field that is replaced whatever it held (a name, a phone number)."""
    return lambda _old: value


def rewrite_fields(obj: models.Model, scrubs: Mapping[str, Scrub]) -> None:
    """Scrub the named fields of one row and save only those that changed."""
    changed = []
    for name, scrub in scrubs.items():
        value = scrub(getattr(obj, name))
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    if changed:
        obj.save(update_fields=changed)


def scrub_text_column(rows: QuerySet[Any], name: str) -> None:
    """Every non-empty text of column `name` in `rows` becomes the placeholder, in one
    UPDATE (messages and events can be many)."""
    rows.exclude(**{name: ""}).exclude(**{name: ANONYMISED}).update(**{name: ANONYMISED})


def local_time(moment: datetime | None) -> datetime | None:
    """A moment of the own-data file in the reader's time zone."""
    return timezone.localtime(moment) if moment is not None else None


# --- The account ----------------------------------------------------------------------------


def anonymous_email(public_id: UUID, prefix: str) -> str:
    """A unique address that names no one and never receives mail."""
    return f"{prefix}-{public_id.hex}@{ANONYMOUS_EMAIL_DOMAIN}"


def pseudonym(user: User) -> str:
    return f"anon-{user.public_id.hex[:8]}"


def invitation_anonymise(invitation: Invitation) -> None:
    """The invitation no longer says whom it was sent to."""
    blank = {
        "email": replace_with(anonymous_email(invitation.public_id, "invitation")),
        "display_name": replace_with(""),
        "identity_hash": replace_with(""),
    }
    rewrite_fields(invitation, {name: blank[name] for name in INVITATION_PERSONAL_FIELDS})


def user_anonymise(user: User) -> None:
    """The account can no longer be used or say who it was: a placeholder email, a
    pseudonym, no password, no second factor, locked, every session ended, and the
    invitations that named it blanked. The caller checks the person may be anonymised."""
    from allauth.account.models import EmailAddress
    from django_otp import devices_for_user

    from .realtime import disconnect_user

    old_email = user.email
    user.email = anonymous_email(user.public_id, "anonymised")
    user.display_name = pseudonym(user)
    user.identity_hash = None  # an e-ID can no longer log in to it
    user.set_unusable_password()
    user.is_active = False
    user.locked_at = user.locked_at or timezone.now()
    user.message_email = False
    user.save(
        update_fields=[
            *USER_PERSONAL_FIELDS,
            "identity_hash",
            "password",
            "is_active",
            "locked_at",
            "message_email",
        ]
    )
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    EmailAddress.objects.filter(user=user).delete()
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
    for invitation in Invitation.objects.filter(accepted_user=user) | Invitation.objects.filter(
        email__iexact=old_email
    ):
        invitation_anonymise(invitation)
    user_pk = user.pk
    transaction.on_commit(lambda: disconnect_user(user_pk))


def account_export(user: User) -> dict[str, Any]:
    """The account as the person's own data file shows it."""
    return {
        "email": user.email,
        "display_name": user.display_name,
        "joined_at": local_time(user.date_joined),
        # Only whether: the number itself is kept nowhere.
        "eid_linked": bool(user.identity_hash),
    }
