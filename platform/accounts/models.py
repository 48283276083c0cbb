"""People and how they get in: users with roles, invitations, hashed recovery codes."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device


class Role(models.TextChoices):
    PARTICIPANT = "participant", _("Participant")
    THERAPIST = "therapist", _("Therapist")
    PARTNER_WORKER = "partner_worker", _("Partner-contact worker")
    EDITOR = "editor", _("Content editor")
    CLINICAL_LEAD = "clinical_lead", _("Clinical lead")
    # Reads the organisation's report (funnel, outcomes, service figures); no records.
    ORG_LEAD = "org_lead", _("Organisation lead")
    ADMIN = "admin", _("Administrator")
    # Checks the access log systematically (logguppföljning): draws samples of staff reads
    # and judges them; reads no record itself.
    LOG_REVIEWER = "log_reviewer", _("Log reviewer")
    # Manages organisations and their administrators; reads no participant, referral or
    # partner data. Held outside every organisation.
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")


STAFF_ROLES = frozenset(r for r in Role.values if r != Role.PARTICIPANT)


def role_labels(codes: str) -> str:
    """Comma-separated role codes (as the access log keeps them) as the reader's language
    names the roles."""
    labels = dict(Role.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes.split(",") if code)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_superuser", True)
        extra.setdefault("is_staff", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email address"), unique=True)
    # Participants are shown to staff by this pseudonymous name, never by email.
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)  # Django's admin flag; unused by Omtag roles
    date_joined = models.DateTimeField(default=timezone.now)
    locked_at = models.DateTimeField(null=True, blank=True)
    # Bumped to end every session of this user at once (log out everywhere, lock).
    session_epoch = models.PositiveIntegerField(default=0)
    preferred_language = models.CharField(max_length=8, blank=True)
    # A discreet "you have a new message" email when a message arrives while offline.
    message_email = models.BooleanField(_("email me when I have a new message"), default=True)
    # The Swedish personal identity (or coordination) number an e-ID login bound to this
    # account, as a keyed hash (accounts.identity); the number itself is never stored.
    identity_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # The staff identifier an organisation's identity provider asserts (an employee id or
    # HSA id), when single sign-on matches staff by it rather than by email.
    employee_id = models.CharField(_("employee id"), max_length=64, blank=True, db_index=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_session_auth_hash(self) -> str:
        # Includes the epoch, so bumping it invalidates every existing session (Django
        # checks this hash on each request, and Channels' auth does too).
        return salted_hmac(
            "omtag.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_epoch}",
            algorithm="sha256",
        ).hexdigest()

    @cached_property
    def grant_rows(self) -> list[tuple[str, int | None, int | None]]:
        """(role, organisation id, unit id) of each grant: one query, kept on the user object
        for the request. Both `roles` and accounts.scope read it, so a page that checks a role
        and narrows by unit reads the grants once (accounts.scope.forget drops it)."""
        if self.pk is None:
            return []
        return [(g.role, g.organisation_id, g.unit_id) for g in self.role_grants.all()]

    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(role for role, _org, _unit in self.grant_rows)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_staff_member(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def is_participant(self) -> bool:
        return Role.PARTICIPANT in self.roles


class RoleGrant(models.Model):
    """A role held in one unit, or (unit empty) in every unit of an organisation. What a role
    lets someone see is narrowed to the units its grants cover (accounts.scope)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "organisations.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                condition=models.Q(unit__isnull=False),
                name="unique_role_per_unit",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "organisation"],
                condition=models.Q(unit__isnull=True),
                name="unique_role_per_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField()
    display_name = models.CharField(max_length=80, blank=True)
    roles = models.JSONField(default=list)
    # Where the roles are granted on acceptance: a unit, or (unit empty) the whole organisation.
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "organisations.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Only a hash is stored: the link itself exists in the email alone.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The keyed hash of the personal identity number the therapist entered, if any: the
    # first e-ID login through this invitation must carry the same number.
    identity_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation {self.public_id}"

    @property
    def is_usable(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (l/1, o/0, i)


def normalize_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


class RecoveryCodeDevice(Device):
    """Ten single-use codes, stored as SHA-256 hashes (django-otp's static device keeps them
    in plain text). Each code carries ~49 bits of randomness, so a fast hash is enough, and
    the per-user limit on wrong codes (accounts.services) is all the throttling it needs."""

    def verify_token(self, token: str) -> bool:
        digest = hash_token(normalize_recovery_code(str(token)))
        match = None
        for code in self.codes.filter(used_at__isnull=True):
            if constant_time_compare(code.code_hash, digest):
                match = code
        if match is None:
            return False
        match.used_at = timezone.now()
        match.save(update_fields=["used_at"])
        return True

    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()


class AssuranceDevice(Device):
    """An identity provider's word that this person passed strong authentication: an e-ID
    login at an accepted level of assurance, or staff single sign-on asserting several
    factors or a smartcard. Logging a session in with it (accounts.services.
    session_verify_external) is what makes such a login count as the second factor, so every
    gate that asks for a verified device (pages, /cms/, the socket) treats it like the
    authenticator app. It takes no codes."""

    class Method(models.TextChoices):
        EID = "eid", _("e-ID")
        SSO = "sso", _("single sign-on")

    provider: models.CharField[str, str] = models.CharField(
        max_length=60
    )  # organisations.IdentityProvider.slug
    method: models.CharField[str, str] = models.CharField(max_length=8, choices=Method.choices)
    # The assurance the provider asserted at the latest login (an acr value, AuthnContext).
    level: models.CharField[str, str] = models.CharField(max_length=200, blank=True)
    last_login_at: models.DateTimeField[Any, Any] = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "provider"], name="one_assurance_per_provider")
        ]

    def verify_token(self, token: str) -> bool:
        return False


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code {self.pk}"
