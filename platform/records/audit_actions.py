"""The access-log actions the records app writes: a person's own data download, anonymisation and
erasure.

Found and registered by audit at start-up (audit.actions.discover); callers name them as
`AuditEvent.Action.<NAME>`. A code, once written, is never reused or renamed: old rows keep it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from audit.actions import Label

ACTIONS: tuple[tuple[str, str, Label], ...] = (
    ("OWN_DATA_DOWNLOADED", "own_data_downloaded", _("Own data downloaded")),
    ("RECORD_ANONYMISED", "record_anonymised", _("Treatment record anonymised")),
    ("REFERRAL_ANONYMISED", "referral_anonymised", _("Referral anonymised")),
    ("ERASURE_CARRIED_OUT", "erasure_carried_out", _("Erasure request carried out")),
    ("RECORD_KEPT_FOR_ARCHIVE", "record_kept_for_archive", _("Record kept for the archive")),
)
