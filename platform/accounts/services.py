"""Writes for accounts: invitations, roles, locks, second factors, sessions.

Every function checks permission, writes in one transaction and records an audit event.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from audit.services import audit_log
from organisations.models import Organisation, Regime, Unit

from . import scope
from .emails import sender_address
from .models import (
    RECOVERY_CODE_COUNT,
    STAFF_ROLES,
    AssuranceDevice,
    Invitation,
    RecoveryCode,
    RecoveryCodeDevice,
    Role,
    RoleGrant,
    User,
    hash_token,
    new_recovery_code,
)

# Wagtail permissions are held by groups; a role that edits content puts the person in one.
ROLE_GROUPS = {Role.EDITOR: "Editors", Role.CLINICAL_LEAD: "Clinical leads"}


def _may_invite(actor: User, roles: Iterable[str], organisation_id: int, unit: Any) -> bool:
    """An administrator invites into a unit they administer, or (unit None) into the whole of
    an organisation they administer as a whole; a platform administrator invites an
    administrator (and nothing else) into any organisation, for the whole of it; a therapist
    invites participants into a unit where they are a therapist."""
    roles = set(roles)
    if Role.PLATFORM_ADMIN not in roles and (
        (unit is not None and scope.covers(actor, unit.pk, Role.ADMIN))
        or (unit is None and organisation_id in scope.whole_organisations_where(actor, Role.ADMIN))
    ):
        return True
    if actor.has_role(Role.PLATFORM_ADMIN) and roles == {Role.ADMIN} and unit is None:
        return Organisation.objects.filter(pk=organisation_id).exists()
    return (
        roles == {Role.PARTICIPANT}
        and unit is not None
        and scope.covers(actor, unit.pk, Role.THERAPIST)
    )


def _one_organisation(actor: User) -> int:
    """The one organisation `actor` administers: where a staff invitation goes by default."""
    organisations = sorted(scope.organisations_where(actor, Role.ADMIN))
    if not organisations:
        raise PermissionDenied
    if len(organisations) != 1:
        raise ValidationError(_("Choose the organisation the invitation is for."))
    return organisations[0]


def invitation_create(
    *,
    actor: User,
    email: str,
    roles: Iterable[str],
    display_name: str = "",
    organisation: Any = None,
    unit: Any = None,
    request: HttpRequest | None = None,
    identity_number: str = "",
) -> tuple[Invitation, str]:
    """Create an invitation into a unit, or for staff (unit None) into a whole organisation,
    and email its one-time link. Returns the invitation and the link path (the raw token
    exists nowhere else). A participant's personal identity number, if given, is kept only
    as its keyed hash: the first e-ID login through the link must carry the same number."""
    roles = _invitation_roles(roles)
    number_hash = ""
    if identity_number.strip():
        if roles != [Role.PARTICIPANT]:
            raise ValidationError(_("Only a participant is invited with an identity number."))
        from .identity import identity_hash

        number_hash = identity_hash(identity_number)
    if Role.PARTICIPANT in roles and unit is None:
        # A therapist or an admin invites into the one unit they work in; with several they
        # must choose.
        if not scope.units_where(actor, Role.THERAPIST, Role.ADMIN):
            raise PermissionDenied
        unit = scope.acting_unit(actor, Role.THERAPIST, Role.ADMIN)
    if unit is not None:
        organisation_id = unit.organisation_id
    elif organisation is not None:
        organisation_id = getattr(organisation, "pk", organisation)
    else:
        organisation_id = _one_organisation(actor)
    if not _may_invite(actor, roles, organisation_id, unit):
        raise PermissionDenied
    email = _invitation_email(email)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        _open_invitations_revoke(email)
        invitation = Invitation.objects.create(
            email=email,
            display_name=display_name,
            roles=roles,
            organisation_id=organisation_id,
            unit=unit,
            token_hash=hash_token(token),
            invited_by=actor,
            expires_at=timezone.now() + settings.INVITATION_LIFETIME,
            identity_hash=number_hash,
        )
        audit_log(
            action=AuditEvent.Action.INVITATION_SENT,
            actor=actor,
            request=request,
            target_type="invitation",
            target_id=invitation.public_id,
            detail=",".join(roles),
            unit=invitation.unit,
        )
        path = reverse("accounts:invitation_accept", kwargs={"token": token})
        _invitation_mail_on_commit(
            email=email, link=_absolute_link(path, request), organisation_id=organisation_id
        )
    return invitation, path


def _invitation_roles(roles: Iterable[str]) -> list[str]:
    """The roles asked for, sorted and once each: at least one, all known, and never a
    participant who is also staff."""
    chosen = sorted(set(roles))
    if not chosen or not set(chosen) <= set(Role.values):
        raise ValidationError(_("Choose at least one role."))
    if Role.PARTICIPANT in chosen and set(chosen) & STAFF_ROLES:
        raise ValidationError(_("A participant account cannot also hold a staff role."))
    return chosen


def _invitation_email(email: str) -> str:
    """The address normalised and lower-cased; refused when an account already uses it (an
    invitation creates a new account)."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(_("There is already an account with this email address."))
    return email


def _open_invitations_revoke(email: str) -> None:
    """A new invitation replaces any still-open one for the same address."""
    Invitation.objects.filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())


def _absolute_link(path: str, request: HttpRequest | None) -> str:
    """The full address of `path`: from the request when there is one, else from the
    configured base URL (a command or a task has no request)."""
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _invitation_mail_on_commit(*, email: str, link: str, organisation_id: int | None) -> None:
    """Email the invitation's link once the transaction commits, so no link is sent for an
    invitation that was rolled back. From the inviting organisation's sender name, if set."""
    sender = sender_address([organisation_id] if organisation_id is not None else [])
    body = render_to_string(
        "accounts/email/invitation.txt",
        {"link": link, "site_name": settings.SITE_NAME, "hours": _lifetime_hours()},
    )
    transaction.on_commit(
        lambda: send_mail(
            _("Your invitation to %(site)s") % {"site": settings.SITE_NAME},
            body,
            sender,
            [email],
        )
    )


def _lifetime_hours() -> int:
    return int(settings.INVITATION_LIFETIME.total_seconds() // 3600)


def invitation_for_token(token: str) -> Invitation | None:
    return Invitation.objects.filter(token_hash=hash_token(token)).first()


def invitation_accept(
    *,
    token: str,
    password: str | None,
    request: HttpRequest | None = None,
    identity_hash: str = "",
    identity_detail: str = "",
) -> User:
    """The invitation becomes an account: with a password, or (password None) through an
    e-ID login whose number's keyed hash is bound to the account (accounts.eid checked it
    against the invitation's; `identity_detail` names the provider and level for the log)."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().filter(token_hash=hash_token(token)).first()
        )
        if invitation is None or not invitation.is_usable:
            raise ValidationError(_("This invitation link is no longer valid."))
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(_("This invitation link is no longer valid."))
        user = User.objects.create_user(
            invitation.email,
            password,
            display_name=invitation.display_name,
            identity_hash=identity_hash or None,
        )
        grant_roles(
            user,
            invitation.roles,
            organisation=invitation.organisation_id,
            unit=invitation.unit,
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_user = user
        invitation.save(update_fields=["accepted_at", "accepted_user"])
        from allauth.account.models import EmailAddress

        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
        from .signals import invitation_accepted

        invitation_accepted.send(sender=Invitation, invitation=invitation, user=user)
        audit_log(
            action=AuditEvent.Action.INVITATION_ACCEPTED,
            actor=user,
            subject=user,
            request=request,
            target_type="invitation",
            target_id=invitation.public_id,
        )
        if identity_hash:
            audit_log(
                action=AuditEvent.Action.IDENTITY_BOUND,
                actor=user,
                subject=user,
                request=request,
                detail=identity_detail,
            )
    return user


def grant_roles(
    user: User, roles: Iterable[str], *, organisation: Any = None, unit: Any = None
) -> None:
    """Give `user` exactly these roles in one place, a unit or (unit None) a whole
    organisation, leaving the grants held elsewhere as they are; without the checks and the
    audit of user_set_roles: for an accepted invitation, the seeds and the tests' cast. The
    platform administrator's role is held outside every organisation."""
    roles = set(roles)
    if unit is not None:
        organisation_id = unit.organisation_id
    elif organisation is not None:
        organisation_id = getattr(organisation, "pk", organisation)
    elif roles and roles != {Role.PLATFORM_ADMIN}:
        raise ValueError("A role is granted in a unit or an organisation.")
    else:
        organisation_id = None
    if Role.PARTICIPANT in roles and unit is None:
        raise ValueError("A participant belongs to a unit.")
    here = RoleGrant.objects.filter(user=user, organisation_id=organisation_id, unit=unit)
    here.exclude(role__in=roles).delete()
    existing = set(here.values_list("role", flat=True))
    RoleGrant.objects.bulk_create(
        RoleGrant(user=user, role=r, organisation_id=organisation_id, unit=unit)
        for r in roles - existing
    )
    held = set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
    for role, group_name in ROLE_GROUPS.items():
        group, _created = Group.objects.get_or_create(name=group_name)
        if role in held:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    scope.forget(user)


def administers(actor: User, user: User) -> bool:
    """Whether `actor` manages `user` (accounts.selectors.people_managed_by): an
    administrator of a unit manages the people of that unit, and an administrator of a whole
    organisation everyone in it."""
    from .selectors import people_managed_by

    return people_managed_by(actor).filter(pk=user.pk).exists()


def user_set_employee_id(
    *, actor: User, user: User, employee_id: str, request: HttpRequest | None = None
) -> None:
    """Set the staff identifier the organisation's identity provider asserts (an employee id
    or HSA id), by which staff single sign-on may match this account (docs/identity.md).
    Empty removes it. Someone the actor does not manage is refused like someone who does not
    exist."""
    from .selectors import people_managed_by

    if not administers(actor, user):
        raise PermissionDenied
    value = employee_id.strip()
    if len(value) > 64:
        raise ValidationError(_("An employee id is at most 64 characters."))
    if value and user.has_role(Role.PARTICIPANT):
        raise ValidationError(_("Only staff accounts have an employee id."))
    if value and people_managed_by(actor).filter(employee_id=value).exclude(pk=user.pk).exists():
        raise ValidationError(_("Another account already has this employee id."))
    before = user.employee_id
    if value == before:
        return
    with transaction.atomic():
        user.employee_id = value
        user.save(update_fields=["employee_id"])
        audit_log(
            action=AuditEvent.Action.EMPLOYEE_ID_CHANGED,
            actor=actor,
            subject=user,
            request=request,
            detail=f"{before or '-'} -> {value or '-'}",
        )


def user_set_roles(
    *, actor: User, user: User, roles: Iterable[str], request: HttpRequest | None = None
) -> None:
    """Set the roles `user` holds for the whole of the actor's organisation (a participant's
    role stays in the unit that treats them). Someone outside the actor's organisations is
    refused like someone who does not exist."""
    # Roles for a whole organisation are set by an administrator of the whole organisation.
    organisations = scope.whole_organisations_where(actor, Role.ADMIN)
    theirs = {g.organisation_id for g in user.role_grants.all() if g.organisation_id is not None}
    shared = sorted(organisations & theirs)
    if not shared:
        raise PermissionDenied
    organisation_id = shared[0]
    roles = set(roles)
    if not roles <= set(Role.values) or Role.PLATFORM_ADMIN in roles:
        raise ValidationError(_("Unknown role."))
    if Role.PARTICIPANT in roles and roles & STAFF_ROLES:
        raise ValidationError(_("A participant account cannot also hold a staff role."))
    if user == actor and Role.ADMIN not in roles:
        raise ValidationError(_("You cannot remove your own administrator role."))
    participant_unit = next(
        (
            g.unit
            for g in user.role_grants.select_related("unit")
            if g.role == Role.PARTICIPANT and g.organisation_id == organisation_id
        ),
        None,
    )
    if Role.PARTICIPANT in roles and participant_unit is None:
        raise ValidationError(_("A participant is invited by their therapist into a unit."))
    before = ",".join(sorted(user.roles))
    with transaction.atomic():
        grant_roles(user, roles - {Role.PARTICIPANT}, organisation=organisation_id)
        if participant_unit is not None:
            grant_roles(user, roles & {Role.PARTICIPANT}, unit=participant_unit)
        audit_log(
            action=AuditEvent.Action.ROLES_CHANGED,
            actor=actor,
            subject=user,
            request=request,
            detail=f"{before} -> {','.join(sorted(roles))}",
        )
        if set(before.split(",")) - roles - {""}:
            # A removed role may take away threads the user's open sockets still show: make
            # each socket re-check now instead of at its next frame or push.
            from .realtime import disconnect_user

            transaction.on_commit(lambda: disconnect_user(user.pk))


UNIT_ROLES = frozenset(STAFF_ROLES - {Role.PLATFORM_ADMIN})


def user_set_unit_roles(
    *,
    actor: User,
    user: User,
    unit: Unit,
    roles: Iterable[str],
    request: HttpRequest | None = None,
) -> None:
    """Set the staff roles `user` holds in one unit of the actor's organisation (their roles
    for the whole organisation and in other units stay). An administrator of another
    organisation, or a person outside the actor's organisations, is refused like someone who
    does not exist."""
    if not scope.covers(actor, unit.pk, Role.ADMIN):
        raise PermissionDenied
    if not administers(actor, user):
        raise PermissionDenied
    roles = set(roles)
    if not roles <= UNIT_ROLES:
        raise ValidationError(_("Unknown role."))
    if roles and user.has_role(Role.PARTICIPANT):
        raise ValidationError(_("A participant account cannot also hold a staff role."))
    here = RoleGrant.objects.filter(user=user, unit=unit)
    before = set(here.exclude(role=Role.PARTICIPANT).values_list("role", flat=True))
    if before == roles:
        return
    elsewhere = RoleGrant.objects.filter(user=user, organisation_id=unit.organisation_id).exclude(
        unit=unit, role__in=before
    )
    if user == actor and Role.ADMIN in before - roles and not elsewhere.filter(role=Role.ADMIN):
        raise ValidationError(_("You cannot remove your own administrator role."))
    if not roles and not elsewhere.exists():
        # Without a role here the person would drop out of the organisation's pages.
        raise ValidationError(
            _("A person keeps at least one role in the organisation. Lock the account instead.")
        )
    with transaction.atomic():
        participant = set(here.filter(role=Role.PARTICIPANT).values_list("role", flat=True))
        grant_roles(user, roles | participant, unit=unit)
        audit_log(
            action=AuditEvent.Action.ROLES_CHANGED,
            actor=actor,
            subject=user,
            request=request,
            target_type="unit",
            target_id=unit.public_id,
            detail=(
                f"{unit.organisation.name} / {unit.name}: "
                f"{','.join(sorted(before))} -> {','.join(sorted(roles))}"
            ),
        )
        if before - roles:
            from .realtime import disconnect_user

            transaction.on_commit(lambda: disconnect_user(user.pk))


# --- Organisations and units -------------------------------------------------------------


def organisation_create(
    *, actor: User, name: str, slug: str, regime: str, request: HttpRequest | None = None
) -> Organisation:
    """A new organisation, empty: a platform administrator makes it, then adds its units and
    invites its first administrator."""
    if not actor.has_role(Role.PLATFORM_ADMIN):
        raise PermissionDenied
    name, slug = name.strip(), slug.strip().lower()
    if not name:
        raise ValidationError(_("Write the organisation's name."))
    if regime not in Regime.values:
        raise ValidationError(_("Choose the law the organisation works under."))
    _check_slug(slug)
    with transaction.atomic():
        if Organisation.objects.filter(slug=slug).exists():
            raise ValidationError(
                _("Another organisation already uses the short name %(slug)s.") % {"slug": slug}
            )
        organisation = Organisation.objects.create(name=name, slug=slug, regime=regime)
        audit_log(
            action=AuditEvent.Action.ORGANISATION_CREATED,
            actor=actor,
            request=request,
            target_type="organisation",
            target_id=organisation.public_id,
            detail=f"{name} ({regime})",
        )
    return organisation


def unit_create(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    slug: str,
    request: HttpRequest | None = None,
) -> Unit:
    """A new unit in `organisation`: by a platform administrator or one of the organisation's
    own administrators. The first unit also receives the organisation's requests for help."""
    if not (
        actor.has_role(Role.PLATFORM_ADMIN)
        or organisation.pk in scope.whole_organisations_where(actor, Role.ADMIN)
    ):
        raise PermissionDenied
    name, slug = name.strip(), slug.strip().lower()
    if not name:
        raise ValidationError(_("Write the unit's name."))
    _check_slug(slug)
    with transaction.atomic():
        if Unit.objects.filter(organisation=organisation, slug=slug).exists():
            raise ValidationError(
                _("Another unit of this organisation already uses the short name %(slug)s.")
                % {"slug": slug}
            )
        unit = Unit.objects.create(organisation=organisation, name=name, slug=slug)
        if organisation.help_unit_id is None:
            organisation.help_unit = unit
            organisation.save(update_fields=["help_unit"])
        audit_log(
            action=AuditEvent.Action.UNIT_CREATED,
            actor=actor,
            request=request,
            target_type="unit",
            target_id=unit.public_id,
            detail=f"{organisation.name} / {name}",
        )
    return unit


def _check_slug(slug: str) -> None:
    from django.core.validators import validate_slug

    if not slug or len(slug) > 60:
        raise ValidationError(_("Write a short name of at most 60 characters."))
    try:
        validate_slug(slug)
    except ValidationError:
        raise ValidationError(
            _("The short name may hold only letters a–z, digits, hyphens and underscores.")
        ) from None


def _end_sessions(user: User) -> None:
    """Invalidate every session at once: the auth hash includes the epoch."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    from .realtime import disconnect_user

    transaction.on_commit(lambda: disconnect_user(user.pk))


def user_lock(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    if not administers(actor, user):
        raise PermissionDenied
    if user == actor:
        raise ValidationError(_("You cannot lock your own account."))
    with transaction.atomic():
        user.is_active = False
        user.locked_at = timezone.now()
        user.save(update_fields=["is_active", "locked_at"])
        _end_sessions(user)
        audit_log(
            action=AuditEvent.Action.ACCOUNT_LOCKED, actor=actor, subject=user, request=request
        )


def user_unlock(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    if not administers(actor, user):
        raise PermissionDenied
    with transaction.atomic():
        user.is_active = True
        user.locked_at = None
        user.save(update_fields=["is_active", "locked_at"])
        audit_log(
            action=AuditEvent.Action.ACCOUNT_UNLOCKED, actor=actor, subject=user, request=request
        )


def user_logout_everywhere(*, user: User, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        _end_sessions(user)
        audit_log(
            action=AuditEvent.Action.LOGOUT_EVERYWHERE, actor=user, subject=user, request=request
        )


# --- The person's own security settings ---------------------------------------------------


def user_reauthenticated(*, user: User, request: HttpRequest | None = None) -> None:
    """Record that the person confirmed who they are again (password, and code for staff)."""
    audit_log(action=AuditEvent.Action.REAUTHENTICATED, actor=user, subject=user, request=request)


def user_set_password(*, user: User, password: str, request: HttpRequest | None = None) -> None:
    """Change the person's own password. Their other sessions end with it (the session hash
    no longer matches); the caller keeps the current one with update_session_auth_hash."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_log(
            action=AuditEvent.Action.PASSWORD_CHANGED, actor=user, subject=user, request=request
        )


def user_set_email(*, user: User, email: str, request: HttpRequest | None = None) -> None:
    """Make a confirmed new address the person's sign-in address, also for allauth (one
    verified primary address), in one transaction with its audit event."""
    from allauth.account.models import EmailAddress

    with transaction.atomic():
        user.email = email
        user.save(update_fields=["email"])
        EmailAddress.objects.filter(user=user).delete()
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        audit_log(action=AuditEvent.Action.EMAIL_CHANGED, actor=user, subject=user, request=request)


# --- Second factor -----------------------------------------------------------------------


def totp_device_start(*, user: User) -> TOTPDevice:
    """An unconfirmed authenticator for enrolment; reused while the person reloads the page."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def totp_device_confirm(
    *, user: User, device: TOTPDevice, code: str, request: HttpRequest | None = None
) -> list[str] | None:
    """Confirm enrolment with a code from the app. Returns new recovery codes, or None if the
    code was wrong. Replaces any earlier authenticator."""
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied
    if not device.verify_token(code.strip().replace(" ", "")):
        return None
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = new_recovery_codes(user)
        audit_log(action=AuditEvent.Action.OTP_ENROLLED, actor=user, subject=user, request=request)
    return codes


def new_recovery_codes(user: User) -> list[str]:
    """A fresh set of recovery codes for `user`, replacing any earlier set; the codes are
    returned once, only their hashes are kept. No audit: the callers log why."""
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=hash_token(c.replace("-", ""))) for c in codes
    )
    return codes


def recovery_codes_regenerate(*, user: User, request: HttpRequest | None = None) -> list[str]:
    with transaction.atomic():
        codes = new_recovery_codes(user)
        audit_log(
            action=AuditEvent.Action.RECOVERY_CODES_REGENERATED,
            actor=user,
            subject=user,
            request=request,
        )
    return codes


def otp_failure_key(user: User) -> str:
    """The cache key counting `user`'s wrong second-factor codes in the current window."""
    return f"omtag:otp-failures:{user.pk}"


OTP_FAILURE_WINDOW = 15 * 60


def otp_window_end_key(user: User) -> str:
    """The cache key holding when `user`'s current window of wrong codes ends."""
    return f"omtag:otp-failures-until:{user.pk}"


def second_factor_locked_out(user: User) -> bool:
    from django.core.cache import cache

    return int(cache.get(otp_failure_key(user), 0)) >= settings.OTP_FAILURE_LIMIT


def second_factor_locked_until(user: User) -> datetime | None:
    """When a lockout after too many wrong codes ends (the failure window started at the
    first wrong code), or None when the user is not locked out."""
    from django.core.cache import cache

    if not second_factor_locked_out(user):
        return None
    until = cache.get(otp_window_end_key(user))
    if isinstance(until, datetime):
        return until
    # The window's end was not kept (an older cache entry): the longest it can last.
    return timezone.now() + timedelta(seconds=OTP_FAILURE_WINDOW)


class Verification(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    WAIT = "wait"  # django-otp's growing pause after a wrong code
    LOCKED_OUT = "locked_out"  # too many wrong codes in the window

    def __bool__(self) -> bool:
        return self is Verification.OK


def session_verify(
    *, request: HttpRequest, device: TOTPDevice | RecoveryCodeDevice | AssuranceDevice
) -> None:
    """Mark this session as past the second factor. A session that gains that right gets a
    new key (and a new CSRF token), as at the password step: a key someone learnt while the
    session was password-only is worth nothing afterwards. A session already verified (a
    re-authentication) keeps its key, so the person's open message sockets stay connected."""
    from django.middleware.csrf import rotate_token
    from django_otp import login as otp_login

    from .middleware import is_second_factor_verified

    gains_rights = not is_second_factor_verified(request.user)
    otp_login(request, device)
    if gains_rights:
        request.session.cycle_key()
        rotate_token(request)


def session_verify_external(
    *, request: HttpRequest, user: User, provider: str, method: str, level: str
) -> AssuranceDevice:
    """Mark this session (already logged in as `user`) as past the second factor because an
    identity provider asserted strong authentication: an e-ID at an accepted level of
    assurance, or staff single sign-on with several factors or a smartcard. The caller has
    checked the level against the provider's settings; this records it and verifies the
    session exactly as a right authenticator code does (new session key, same gates)."""
    device, _created = AssuranceDevice.objects.get_or_create(
        user=user,
        provider=provider,
        defaults={"method": method, "name": provider, "confirmed": True},
    )
    device.method = method
    device.level = level[:200]
    device.last_login_at = timezone.now()
    device.save(update_fields=["method", "level", "last_login_at"])
    session_verify(request=request, device=device)
    return device


def second_factor_verify(*, request: HttpRequest, user: User, code: str) -> Verification:
    """Check a code from the authenticator app or a recovery code and, if right, mark this
    session verified. Wrong codes count towards a pause, per user, across devices."""
    from django.core.cache import cache

    if second_factor_locked_out(user):
        return Verification.LOCKED_OUT
    code = "".join(code.split())
    devices: list[TOTPDevice | RecoveryCodeDevice]
    if code.isdigit():
        devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
        used_recovery = False
        if devices and not any(d.verify_is_allowed()[0] for d in devices):
            return Verification.WAIT
    else:
        devices = list(RecoveryCodeDevice.objects.filter(user=user, confirmed=True))
        used_recovery = True
    for device in devices:
        if device.verify_token(code):
            session_verify(request=request, device=device)
            cache.delete_many([otp_failure_key(user), otp_window_end_key(user)])
            audit_log(
                action=(
                    AuditEvent.Action.RECOVERY_CODE_USED
                    if used_recovery
                    else AuditEvent.Action.OTP_VERIFIED
                ),
                actor=user,
                subject=user,
                request=request,
            )
            return Verification.OK
    key = otp_failure_key(user)
    if cache.add(key, 0, OTP_FAILURE_WINDOW):
        # The window starts now: remember when it ends, to tell a locked-out person.
        cache.set(
            otp_window_end_key(user),
            timezone.now() + timedelta(seconds=OTP_FAILURE_WINDOW),
            OTP_FAILURE_WINDOW,
        )
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, OTP_FAILURE_WINDOW)
    audit_log(action=AuditEvent.Action.OTP_FAILED, actor=user, subject=user, request=request)
    return Verification.LOCKED_OUT if second_factor_locked_out(user) else Verification.WRONG


def user_set_notifications(*, user: User, message_email: bool) -> None:
    """Whether the user gets the discreet "new message" email (the only email Omtag sends
    about messages; it never carries their content)."""
    user.message_email = message_email
    user.save(update_fields=["message_email"])
