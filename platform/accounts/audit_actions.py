"""The access-log actions the accounts app writes: signing in and out, second factor, password and
email, invitations, locks and roles.

Found and registered by audit at start-up (audit.actions.discover); callers name them as
`AuditEvent.Action.<NAME>`. A code, once written, is never reused or renamed: old rows keep it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from audit.actions import Label

ACTIONS: tuple[tuple[str, str, Label], ...] = (
    ("LOGIN", "login", _("Logged in")),
    ("LOGIN_FAILED", "login_failed", _("Failed login")),
    ("LOGOUT", "logout", _("Logged out")),
    ("LOGOUT_EVERYWHERE", "logout_everywhere", _("Logged out everywhere")),
    ("OTP_VERIFIED", "otp_verified", _("Second factor verified")),
    ("OTP_FAILED", "otp_failed", _("Wrong second-factor code")),
    ("OTP_ENROLLED", "otp_enrolled", _("Second factor enrolled")),
    ("RECOVERY_CODE_USED", "recovery_code_used", _("Recovery code used")),
    ("RECOVERY_CODES_REGENERATED", "recovery_codes_regenerated", _("Recovery codes renewed")),
    ("REAUTHENTICATED", "reauthenticated", _("Confirmed identity again")),
    ("PASSWORD_CHANGED", "password_changed", _("Password changed")),
    ("PASSWORD_RESET", "password_reset", _("Password reset")),
    ("EMAIL_CHANGED", "email_changed", _("Email changed")),
    ("INVITATION_SENT", "invitation_sent", _("Invitation sent")),
    ("INVITATION_ACCEPTED", "invitation_accepted", _("Invitation accepted")),
    ("ACCOUNT_LOCKED", "account_locked", _("Account locked")),
    ("ACCOUNT_UNLOCKED", "account_unlocked", _("Account unlocked")),
    ("ROLES_CHANGED", "roles_changed", _("Roles changed")),
    (
        "ORGANISATION_SETTINGS_CHANGED",
        "organisation_settings_changed",
        _("Organisation settings changed"),
    ),
    ("ORGANISATION_CREATED", "organisation_created", _("Organisation created")),
    ("UNIT_CREATED", "unit_created", _("Unit created")),
    # e-ID and single sign-on: the event's detail names the provider, method and assurance.
    ("EXTERNAL_LOGIN", "external_login", _("Logged in through an identity provider")),
    (
        "EXTERNAL_LOGIN_FAILED",
        "external_login_failed",
        _("Failed login through an identity provider"),
    ),
    ("IDENTITY_BOUND", "identity_bound", _("e-ID linked to the account")),
    ("EMPLOYEE_ID_CHANGED", "employee_id_changed", _("Employee id for single sign-on changed")),
)
