"""Participants' login with Swedish e-ID through an identity broker speaking OpenID Connect
(docs/identity.md).

allauth's OpenID Connect provider runs the protocol (discovery, state, the code exchange, the
ID token's signature, issuer and audience); this module decides what a proven identity may do.
It keeps no SocialAccount: the personal identity number is turned into its keyed hash at once,
the login is finished here like a password login, and allauth's flow is ended with a redirect.

What crosses the round trip to the provider stays in the session (SESSION_FLOW): a nonce of our
own (allauth sends none), the provider, an invitation's token and whether it is a
re-authentication (accounts.social.oidc_start and oidc_check, shared with staff sign-on).
Nothing of ours rides in the state parameter."""

from __future__ import annotations

import hmac
from typing import Any

import requests
from allauth.core.exceptions import ImmediateHttpResponse
from django.conf import settings
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditEvent
from audit.services import audit_log
from organisations.models import IdentityProvider, Organisation, ParticipantLogin

from . import services
from .identity import identity_hash
from .middleware import REAUTH_AT
from .models import Invitation, Role, RoleGrant, User, hash_token
from .social import LOGIN_COMPLETERS, Onward, RoundTripMismatch, oidc_check, oidc_start

SESSION_FLOW = "omtag_eid_flow"
METHOD = "eid"

# The Swedish OpenID Connect profile's claim for the personal identity number, and the scope
# that asks for it (https://www.oidc.se/specifications); the default when a provider's row
# names no claim.
PIN_CLAIM = "https://id.oidc.se/claim/personalIdentityNumber"
PIN_SCOPE = "https://id.oidc.se/scope/naturalPersonNumber"
# Scopes that ask a broker for a claim, where the claim has its own (Signicat's "nin").
CLAIM_SCOPES = {PIN_CLAIM: PIN_SCOPE, "nin": "nin"}
# A re-authentication's login must be this recent at the provider (its clock, ours).
REAUTH_SKEW_SECONDS = 60
# The page on the way to the provider.
ONWARD = Onward(
    heading=gettext_lazy("Log in with e-ID"),
    label=gettext_lazy("Continue to the e-ID service"),
    link_id="eid-continue",
)


class Refused(Exception):
    """An e-ID login that must not go on; `message` is shown to the person."""

    def __init__(self, message: str, reason: str, user: User | None = None) -> None:
        super().__init__(reason)
        self.message = message
        self.reason = reason
        self.user = user


def allows_eid(organisation: Organisation) -> bool:
    return organisation.participant_login != ParticipantLogin.PASSWORD


def login_providers(organisation: Organisation | None = None) -> list[IdentityProvider]:
    """The enabled e-ID providers whose organisation lets its participants use e-ID."""
    rows = IdentityProvider.objects.filter(
        enabled=True, purpose=IdentityProvider.Purpose.EID
    ).exclude(organisation__participant_login=ParticipantLogin.PASSWORD)
    if organisation is not None:
        rows = rows.filter(organisation=organisation)
    return list(rows.select_related("organisation"))


def _participant_organisations(user: User) -> set[int]:
    return set(
        RoleGrant.objects.filter(user=user, role=Role.PARTICIPANT, unit__isnull=False).values_list(
            "unit__organisation_id", flat=True
        )
    )


def providers_for_user(user: User) -> list[IdentityProvider]:
    """The e-ID providers of the organisations `user` is a participant in."""
    organisations = _participant_organisations(user)
    return [row for row in login_providers() if row.organisation_id in organisations]


def password_refused(user: User) -> bool:
    """True for a participant whose organisation lets its participants log in by e-ID only."""
    return Organisation.objects.filter(
        pk__in=_participant_organisations(user), participant_login=ParticipantLogin.EID_ONLY
    ).exists()


def invitation_choices(invitation: Invitation) -> tuple[list[IdentityProvider], bool]:
    """How an invitation may be accepted: the e-ID providers offered (participants of an
    organisation that uses e-ID) and whether choosing a password is allowed."""
    organisation = invitation.organisation
    if invitation.roles != [Role.PARTICIPANT] or organisation is None:
        return [], True
    providers = login_providers(organisation) if allows_eid(organisation) else []
    eid_only = organisation.participant_login == ParticipantLogin.EID_ONLY
    return providers, not (eid_only and providers)


def provider_for(slug: str) -> IdentityProvider | None:
    return (
        IdentityProvider.objects.filter(
            slug=slug, enabled=True, purpose=IdentityProvider.Purpose.EID
        )
        .select_related("organisation")
        .first()
    )


def error_page(request: HttpRequest, message: str, *, status: int = 403) -> HttpResponse:
    """The page an e-ID login that did not go through ends on: what happened, and the way back
    to the password login. The same template as allauth's own error page."""
    return render(
        request,
        "socialaccount/authentication_error.html",
        {"message": message},
        status=status,
    )


def _scope(row: IdentityProvider) -> list[str]:
    claim = row.identity_claim or PIN_CLAIM
    return ["openid", "profile", *([CLAIM_SCOPES[claim]] if claim in CLAIM_SCOPES else [])]


def eid_start(
    request: HttpRequest,
    row: IdentityProvider,
    *,
    invitation_token: str = "",
    reauth_next: str = "",
) -> HttpResponse:
    """Send the person to the provider. An invitation's token (to bind on return) or a
    re-authentication (for the logged-in person, then on to `reauth_next`) waits in the
    session."""
    auth_params: dict[str, str] = {}
    if row.accepted_levels:
        auth_params["acr_values"] = " ".join(str(level) for level in row.accepted_levels)
    if reauth_next:
        # The provider must ask again, whatever session it has of its own.
        auth_params.update({"prompt": "login", "max_age": "0"})
    flow = {
        "invitation": invitation_token,
        "reauth": bool(reauth_next),
        "next": reauth_next,
        "started": timezone.now().timestamp(),
    }
    try:
        return oidc_start(
            request,
            row,
            session_key=SESSION_FLOW,
            scope=_scope(row),
            page=ONWARD,
            flow=flow,
            auth_params=auth_params,
        )
    except requests.RequestException:
        return unreachable_page(request)


def unreachable_page(request: HttpRequest) -> HttpResponse:
    return error_page(
        request,
        _(
            "The e-ID service cannot be reached right now. Try again in a while, or log in "
            "with your password if you have one."
        ),
        status=503,
    )


# --- After the provider --------------------------------------------------------------------


def _detail(row: IdentityProvider, acr: str, reason: str = "") -> str:
    parts = [f"provider={row.slug}", f"method={METHOD}", f"acr={acr}"]
    if reason:
        parts.append(f"reason={reason}")
    return ";".join(parts)[:500]


def _claims(sociallogin: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    data = sociallogin.account.extra_data or {}
    id_token = data.get("id_token") or {}
    userinfo = data.get("userinfo") or {}
    if userinfo and id_token and userinfo.get("sub") != id_token.get("sub"):
        # OpenID Connect Core 5.3.2: userinfo about someone else is not to be used.
        userinfo = {}
    return id_token, userinfo


def _number_hash(row: IdentityProvider, id_token: dict[str, Any], userinfo: dict[str, Any]) -> str:
    claim = row.identity_claim or PIN_CLAIM
    raw = userinfo.get(claim, id_token.get(claim))
    if not raw:
        raise Refused(
            _("The e-ID service did not tell us your personal identity number."), "no_number"
        )
    try:
        return identity_hash(str(raw))
    except ValidationError:
        raise Refused(
            _("The e-ID service sent a personal identity number we cannot use."), "bad_number"
        ) from None


def _is_participant_of(user: User, organisation: Organisation) -> bool:
    return RoleGrant.objects.filter(
        user=user, role=Role.PARTICIPANT, unit__organisation=organisation
    ).exists()


def _account(row: IdentityProvider, number_hash: str) -> User:
    user = User.objects.filter(identity_hash=number_hash).first()
    if user is None or not _is_participant_of(user, row.organisation):
        raise Refused(
            _("No account is linked to this e-ID. Ask your therapist for an invitation."),
            "no_account",
            user,
        )
    if not user.is_active or user.locked_at is not None:
        raise Refused(_("This account is locked. Contact your treatment provider."), "locked", user)
    return user


def _invited_account(
    request: HttpRequest, row: IdentityProvider, token: str, number_hash: str, acr: str
) -> User:
    """Accept the invitation behind `token` with this e-ID: a number on the invitation must be
    the one the provider proved; the account is created and the identity bound, or nothing."""
    invitation = Invitation.objects.filter(token_hash=hash_token(token)).first()
    if (
        invitation is None
        or not invitation.is_usable
        or invitation.organisation_id != row.organisation_id
        or invitation.roles != [Role.PARTICIPANT]
    ):
        raise Refused(_("This invitation link is no longer valid."), "invitation_invalid")
    if invitation.identity_hash and not hmac.compare_digest(invitation.identity_hash, number_hash):
        raise Refused(
            _(
                "This e-ID does not belong to the person the invitation is for. Nothing has "
                "been linked. Ask your therapist to check the invitation."
            ),
            "number_mismatch",
        )
    if User.objects.filter(identity_hash=number_hash).exists():
        raise Refused(
            _("This e-ID is already linked to another account. Log in with e-ID instead."),
            "already_bound",
        )
    try:
        return services.invitation_accept(
            token=token,
            password=None,
            request=request,
            identity_hash=number_hash,
            identity_detail=_detail(row, acr),
        )
    except ValidationError:
        raise Refused(_("This invitation link is no longer valid."), "invitation_invalid") from None


def _reauthenticated(
    request: HttpRequest, flow: dict[str, Any], number_hash: str, id_token: dict[str, Any]
) -> HttpResponse:
    user = request.user
    if not isinstance(user, User) or not user.identity_hash:
        raise Refused(_("Log in again to continue."), "reauth_no_session")
    if not hmac.compare_digest(user.identity_hash, number_hash):
        raise Refused(_("That was someone else's e-ID."), "reauth_other_person", user)
    auth_time = id_token.get("auth_time")
    if not isinstance(auth_time, int | float) or auth_time < flow["started"] - REAUTH_SKEW_SECONDS:
        raise Refused(
            _("The e-ID service did not ask you to identify yourself again."), "reauth_stale", user
        )
    request.session[REAUTH_AT] = timezone.now().isoformat()
    services.user_reauthenticated(user=user, request=request)
    return redirect(flow.get("next") or reverse("accounts:security"))


def _log_in(request: HttpRequest, user: User, row: IdentityProvider, acr: str) -> HttpResponse:
    """As a password login does (new session key, the session clock, LOGIN in the access
    log), then past the second factor when the provider's level of assurance counts as it."""
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    audit_log(
        action=AuditEvent.Action.EXTERNAL_LOGIN,
        actor=user,
        subject=user,
        request=request,
        detail=_detail(row, acr),
    )
    if acr and acr in [str(level) for level in row.accepted_levels]:
        services.session_verify_external(
            request=request, user=user, provider=row.slug, method=METHOD, level=acr
        )
        return redirect("home")
    return redirect("accounts:second_factor")


def complete(request: HttpRequest, sociallogin: Any, row: IdentityProvider) -> None:
    """allauth's pre_social_login for an e-ID provider: always ends the flow with a response."""
    raise ImmediateHttpResponse(_complete(request, sociallogin, row))


def _complete(request: HttpRequest, sociallogin: Any, row: IdentityProvider) -> HttpResponse:
    id_token, userinfo = _claims(sociallogin)
    acr = str(id_token.get("acr") or "")[:200]
    user: User | None = None
    try:
        try:
            flow = oidc_check(request, sociallogin, row, session_key=SESSION_FLOW)[0]
        except RoundTripMismatch as mismatch:
            raise Refused(
                _("The login could not be confirmed. Start again."), mismatch.reason
            ) from None
        number_hash = _number_hash(row, id_token, userinfo)
        if flow.get("reauth"):
            return _reauthenticated(request, flow, number_hash, id_token)
        if not allows_eid(row.organisation):
            raise Refused(
                _("Your treatment provider does not use e-ID. Log in with your password."),
                "eid_not_allowed",
            )
        with transaction.atomic():
            if flow.get("invitation"):
                user = _invited_account(request, row, flow["invitation"], number_hash, acr)
            else:
                user = _account(row, number_hash)
            return _log_in(request, user, row, acr)
    except Refused as refusal:
        audit_log(
            action=AuditEvent.Action.EXTERNAL_LOGIN_FAILED,
            subject=refusal.user or user,
            request=request,
            actor_label=row.slug,
            detail=_detail(row, acr, refusal.reason),
        )
        return error_page(request, refusal.message)


LOGIN_COMPLETERS[IdentityProvider.Purpose.EID] = complete
