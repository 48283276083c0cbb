"""Swedish personal identity numbers (personnummer and samordningsnummer): checked with the
maintained `personnummer` package, and kept only as a keyed hash.

The hash is an HMAC-SHA256 under IDENTITY_HASH_KEY, so a leaked database does not give the
numbers back by trying every date and serial (there are only a few hundred million)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from personnummer import personnummer


def normalise_identity_number(raw: str) -> str:
    """The number as twelve digits (YYYYMMDDNNNN), or ValidationError with a message the
    person can act on. Accepts the usual written forms: with or without century, with a
    hyphen or plus sign; coordination numbers (day + 60) too."""
    text = "".join(str(raw).split())
    try:
        number = personnummer.parse(text)
    except (personnummer.PersonnummerException, ValueError, TypeError):
        raise ValidationError(
            _(
                "That is not a valid personal identity or coordination number: check the "
                "date and the last four digits (YYYYMMDD-NNNN)."
            ),
            code="invalid_identity_number",
        ) from None
    return str(number.format(True))


def identity_hash(number: str) -> str:
    """The keyed hash of a (normalised) identity number."""
    key = settings.IDENTITY_HASH_KEY.encode()
    return hmac.new(key, normalise_identity_number(number).encode(), hashlib.sha256).hexdigest()
