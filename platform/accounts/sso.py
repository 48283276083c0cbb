"""Staff single sign-on through the organisation's own identity provider, by SAML 2.0 or
OpenID Connect (docs/identity.md, "Staff single sign-on").

The provider proves who someone is; Omtag decides what they may do. A login is matched to an
EXISTING account by the provider's configured attribute (a verified email address or an
employee id), and only an account that holds a staff role in the provider's organisation
gets in. Nothing is created, no role is granted, and allauth never stores a SocialAccount: the
login is finished here and allauth's flow ends with ImmediateHttpResponse. The login counts
as the second factor only when the provider asserted one of the values the organisation
named (an AuthnContextClassRef, an acr or amr value); otherwise the authenticator app is
still asked for."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import requests
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.providers.saml.provider import SAMLProvider as AllauthSAMLProvider
from django.conf import settings
from django.contrib.auth import login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditEvent
from audit.services import audit_log
from organisations.models import IdentityProvider

from . import services
from .models import STAFF_ROLES, Role, RoleGrant, User
from .navigation import role_homes
from .social import (
    FAILURE_HANDLERS,
    LOGIN_COMPLETERS,
    Onward,
    RoundTripMismatch,
    oidc_check,
    oidc_start,
    onward,
)

STAFF_PURPOSES = (IdentityProvider.Purpose.STAFF_OIDC, IdentityProvider.Purpose.STAFF_SAML)

# What crosses an OpenID Connect round trip, kept in the session: the provider and a nonce of
# our own (allauth sends none), so an ID token minted for another login is refused
# (accounts.social.oidc_start and oidc_check, shared with e-ID).
SESSION_FLOW = "omtag_sso_flow"
OIDC_SCOPE = ["openid", "profile", "email"]
# The page on the way to the provider, for OpenID Connect and SAML alike.
ONWARD = Onward(
    heading=gettext_lazy("Log in with your organisation's account"),
    label=gettext_lazy("Continue to your organisation's login"),
    link_id="sso-continue",
)
# The audit log's reason for an ID token that does not answer the login started here.
MISMATCH_REASONS = {
    "nonce": "nonce does not match the login started here",
    "issuer": "ID token from another issuer",
}

# The NameID format that carries an email address (SAML 2.0 core, 8.3.2).
NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"

# Where a SAML identity provider usually puts the email address: eduPerson/inetOrgPerson's
# mail attribute, by OID, and the claim name Microsoft's and others' providers use.
SAML_EMAIL_ATTRIBUTES = (
    "urn:oid:0.9.2342.19200300.100.1.3",
    "mail",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
)


class Refusal(Exception):
    """Why a login through an identity provider did not let the person in: `reason` for the
    audit log (a short code and what the provider said, never an assertion or token), and
    the message the person reads."""

    def __init__(self, reason: str, message: str, *, subject: User | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.subject = subject


@dataclasses.dataclass(frozen=True)
class Asserted:
    """What a provider asserted about the person at this login, as far as Omtag uses it."""

    value: str  # the email address or employee id to match on ("" when none was sent)
    verified: bool  # whether the provider vouches for `value` (OIDC: email_verified)
    levels: tuple[str, ...]  # AuthnContextClassRef values, or acr then amr values


# --- What the provider said -------------------------------------------------------------


def _first(values: object) -> str:
    if isinstance(values, list | tuple):
        values = values[0] if values else ""
    return str(values or "").strip()


def asserted_by_saml(extra_data: dict[str, Any], row: IdentityProvider) -> Asserted:
    """From the signed assertion (SAMLProvider.extract_extra_data below). An attribute in an
    assertion the organisation's provider signed is vouched for by that provider."""
    attributes: dict[str, list[str]] = extra_data.get("attributes") or {}
    value = ""
    if row.match_claim:
        value = _first(attributes.get(row.match_claim))
    elif row.match_attribute == IdentityProvider.Match.EMAIL:
        for name in SAML_EMAIL_ATTRIBUTES:
            value = _first(attributes.get(name))
            if value:
                break
    if (
        not value
        and row.match_attribute == IdentityProvider.Match.EMAIL
        and extra_data.get("name_id_format") == NAMEID_EMAIL
    ):
        value = _first(extra_data.get("name_id"))
    levels = tuple(str(level) for level in extra_data.get("authn_contexts") or ())
    return Asserted(value=value, verified=bool(value), levels=levels)


def asserted_by_oidc(extra_data: dict[str, Any], row: IdentityProvider) -> Asserted:
    """From the ID token (signed by the provider) and the userinfo answer. The assurance (acr,
    amr) is read from the ID token alone: that is where OpenID Connect Core puts it."""
    id_token: dict[str, Any] = extra_data.get("id_token") or {}
    userinfo: dict[str, Any] = extra_data.get("userinfo") or {}
    if userinfo and id_token and userinfo.get("sub") != id_token.get("sub"):
        # OpenID Connect Core 5.3.2: userinfo about someone else is not to be used.
        userinfo = {}
    claims: dict[str, Any] = {**id_token, **userinfo}
    if row.match_attribute == IdentityProvider.Match.EMAIL:
        value = _first(claims.get(row.match_claim or "email"))
        verified = str(claims.get("email_verified", "")).lower() in ("true", "1")
    else:
        value = _first(claims.get(row.match_claim or "employee_id"))
        verified = bool(value)
    acr = id_token.get("acr")
    amr = id_token.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    levels = tuple(str(v) for v in ([acr] if acr else []) + list(amr))
    return Asserted(value=value, verified=verified, levels=levels)


# --- Whose account --------------------------------------------------------------------------


def _not_here() -> str:
    return _(
        "Your organisation's login worked, but it does not match a staff account in Omtag "
        "for this organisation. Ask your administrator, or log in with your email address "
        "and password."
    )


def staff_account_for(row: IdentityProvider, asserted: Asserted) -> User:
    """The existing account this login belongs to, or Refusal. Only an active account that
    holds a staff role in the provider's organisation, and no participant."""
    if not asserted.value or not asserted.verified:
        raise Refusal(
            "no verified identifier",
            _(
                "Your organisation's login did not say who you are in a way Omtag can use. "
                "Ask your administrator, or log in with your email address and password."
            ),
        )
    if row.match_attribute == IdentityProvider.Match.EMAIL:
        candidates = list(User.objects.filter(email__iexact=asserted.value)[:2])
    else:
        candidates = list(User.objects.filter(employee_id=asserted.value)[:20])
    if len(candidates) > 1:
        # One employee id on several accounts: only the one in this organisation may match.
        candidates = [u for u in candidates if _is_staff_of(u, row)]
    if not candidates:
        raise Refusal("unknown person", _not_here())
    if len(candidates) > 1:
        raise Refusal("several accounts match", _not_here())
    user = candidates[0]
    if not user.is_active or user.locked_at is not None:
        raise Refusal(
            "account locked",
            _("This account is locked. Contact your administrator."),
            subject=user,
        )
    if user.has_role(Role.PARTICIPANT):
        raise Refusal("participant account", _not_here(), subject=user)
    if not _is_staff_of(user, row):
        raise Refusal("no staff role in the organisation", _not_here(), subject=user)
    return user


def _is_staff_of(user: User, row: IdentityProvider) -> bool:
    return RoleGrant.objects.filter(
        Q(organisation_id=row.organisation_id) | Q(unit__organisation_id=row.organisation_id),
        user=user,
        role__in=STAFF_ROLES - {Role.PLATFORM_ADMIN},
    ).exists()


def second_factor_level(row: IdentityProvider, asserted: Asserted) -> str:
    """The asserted value that counts as the second factor for this provider, or ""."""
    accepted = {str(level) for level in row.second_factor_levels or []}
    return next((level for level in asserted.levels if level in accepted), "")


# --- Starting an OpenID Connect login ------------------------------------------------------


def provider_for(slug: str) -> IdentityProvider | None:
    """An enabled staff provider by its slug."""
    return (
        IdentityProvider.objects.filter(slug=slug, enabled=True, purpose__in=STAFF_PURPOSES)
        .select_related("organisation")
        .first()
    )


def start_oidc_login(request: HttpRequest, row: IdentityProvider, *, next_url: str) -> HttpResponse:
    """Send the person to the organisation's OpenID Connect provider, with a nonce of ours
    kept in the session (the provider must put it in the ID token)."""
    try:
        return oidc_start(
            request,
            row,
            session_key=SESSION_FLOW,
            scope=OIDC_SCOPE,
            page=ONWARD,
            next_url=_safe_target(request, next_url),
        )
    except requests.RequestException as error:
        message = _(
            "Your organisation's login cannot be reached right now. Try again in a while, or "
            "log in with your email address and password."
        )
        reason = f"provider unreachable: {type(error).__name__}"
        return refuse(request, row, Refusal(reason, message), status=503)


def saml_onward(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The way on to a SAML identity provider after the login page's POST (social.onward)."""
    return onward(request, response, ONWARD)


def _check_oidc_round_trip(request: HttpRequest, sociallogin: Any, row: IdentityProvider) -> None:
    """The ID token answers the login this browser started, from the configured issuer."""
    try:
        oidc_check(request, sociallogin, row, session_key=SESSION_FLOW)
    except RoundTripMismatch as mismatch:
        message = _(
            "That login was not started from this browser, or it took too long. Start again "
            "from the login page."
        )
        raise Refusal(MISMATCH_REASONS[mismatch.reason], message) from None


# --- Finishing the login --------------------------------------------------------------------


def complete_staff_login(request: HttpRequest, sociallogin: Any, row: IdentityProvider) -> None:
    """LOGIN_COMPLETERS' entry for staff providers: always ends allauth's flow with
    ImmediateHttpResponse, so allauth never stores a SocialAccount or its extra data."""
    extra_data = sociallogin.account.extra_data or {}
    if row.purpose == IdentityProvider.Purpose.STAFF_SAML:
        asserted = asserted_by_saml(extra_data, row)
    else:
        asserted = asserted_by_oidc(extra_data, row)
    try:
        if row.purpose == IdentityProvider.Purpose.STAFF_OIDC:
            _check_oidc_round_trip(request, sociallogin, row)
        user = staff_account_for(row, asserted)
    except Refusal as refusal:
        raise ImmediateHttpResponse(refuse(request, row, refusal, levels=asserted.levels)) from None
    raise ImmediateHttpResponse(
        log_in(request, user, row, asserted, next_url=sociallogin.state.get("next") or "")
    )


def log_in(
    request: HttpRequest, user: User, row: IdentityProvider, asserted: Asserted, *, next_url: str
) -> HttpResponse:
    """Log `user` in as a password login does (new session key, the session clock and the
    login event through the user_logged_in signal), record how, and go on: to where the
    person was going, or their role home, when the provider asserted a second factor; to
    the authenticator otherwise."""
    level = second_factor_level(row, asserted)
    with transaction.atomic():
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        audit_log(
            action=AuditEvent.Action.EXTERNAL_LOGIN,
            actor=user,
            subject=user,
            request=request,
            detail=_detail(row, asserted.levels, second_factor=level),
        )
        if level:
            services.session_verify_external(
                request=request, user=user, provider=row.slug, method="sso", level=level
            )
    target = _safe_target(request, next_url) or _role_home(user)
    if level:
        return HttpResponseRedirect(target)
    query = urlencode({"next": target})
    return HttpResponseRedirect(f"{reverse('accounts:second_factor')}?{query}")


def _safe_target(request: HttpRequest, next_url: str) -> str:
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return ""


def _role_home(user: User) -> str:
    homes = role_homes(user)
    return str(homes[0]["url"]) if homes else reverse("home")


def _detail(row: IdentityProvider, levels: tuple[str, ...], **extra: str) -> str:
    parts = [f"provider={row.slug}", "method=sso", f"asserted={' '.join(levels) or '-'}"]
    parts += [f"{key.replace('_', ' ')}={value or '-'}" for key, value in extra.items()]
    return "; ".join(parts)[:500]


def refuse(
    request: HttpRequest,
    row: IdentityProvider,
    refusal: Refusal,
    *,
    levels: tuple[str, ...] = (),
    status: int = 403,
) -> HttpResponse:
    """Audit a refused login and answer with the page that says why."""
    audit_log(
        action=AuditEvent.Action.EXTERNAL_LOGIN_FAILED,
        subject=refusal.subject,
        request=request,
        actor_label=f"sso:{row.slug}",
        detail=_detail(row, levels, reason=refusal.reason),
    )
    return error_page(request, refusal.message, status=status)


def error_page(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    """The same page as every failed login through an identity provider (e-ID's too)."""
    return render(
        request, "socialaccount/authentication_error.html", {"message": message}, status=status
    )


# --- allauth's errors for staff providers ---------------------------------------------------


def staff_login_failed(
    request: HttpRequest,
    row: IdentityProvider,
    *,
    error: object = None,
    exception: BaseException | None = None,
    extra_context: dict[str, Any] | None = None,
) -> None:
    """FAILURE_HANDLERS' entry for staff providers: an answer allauth (or python3-saml) would
    not accept (wrong audience, expired, unsigned, a signature by another key, a provider
    that did not answer). Audited with what was wrong, and a page that says what to do."""
    context = extra_context or {}
    said = str(context.get("saml_last_error_reason") or exception or error or "")
    if "expired" in said.lower() or "no longer valid" in said.lower():
        message = _(
            "The answer from your organisation's login had expired. Try again, or log in "
            "with your email address and password."
        )
    else:
        message = _(
            "Omtag could not accept the answer from your organisation's login, so you are "
            "not logged in. Try again, or log in with your email address and password."
        )
    reason = f"rejected: {type(exception).__name__ + ': ' if exception else ''}{said}"
    raise ImmediateHttpResponse(refuse(request, row, Refusal(reason[:300], message), status=400))


# --- allauth's SAML provider, keeping what the completer and the replay check need ----------


class SAMLProvider(AllauthSAMLProvider):
    """allauth's SAML provider (SOCIALACCOUNT_PROVIDERS["saml"]["provider_class"]), which
    also hands on the AuthnContextClassRef and the NameID, and refuses an assertion it has
    seen before (python3-saml checks signature, audience and time, but keeps no memory)."""

    def extract_extra_data(self, data: Any) -> dict[str, Any]:
        return {
            "attributes": data.get_attributes(),
            "name_id": data.get_nameid(),
            "name_id_format": data.get_nameid_format(),
            "authn_contexts": list(data.get_last_authn_contexts()),
        }

    def extract_uid(self, data: Any) -> str:
        # Never stored (no SocialAccount is kept); allauth only needs a string.
        return str(data.get_nameid() or data.get_last_assertion_id() or "saml")[:191]

    def sociallogin_from_response(self, request: HttpRequest, response: Any) -> Any:
        self._refuse_replay(request, response)
        return super().sociallogin_from_response(request, response)

    def unstash_redirect_state(self, request: HttpRequest, state_id: str) -> Any:
        try:
            return super().unstash_redirect_state(request, state_id)
        except PermissionDenied:
            # An answer to a login this browser did not start (or started too long ago).
            row = self._row()
            message = _(
                "That login was not started from this browser, or it took too long. Start "
                "again from the login page."
            )
            raise ImmediateHttpResponse(
                refuse(request, row, Refusal("unknown or old login state", message), status=400)
            ) from None

    def _refuse_replay(self, request: HttpRequest, response: Any) -> None:
        assertion_id = response.get_last_assertion_id()
        if not assertion_id:
            return
        until = response.get_last_assertion_not_on_or_after()
        now = datetime.now(UTC).timestamp()
        seconds = int(until - now) + 300 if until else 3600
        key = f"omtag:sso:saml-assertion:{self.app.client_id}:{assertion_id}"
        if not cache.add(key, 1, timeout=max(seconds, 300)):
            message = _(
                "That answer from your organisation's login has already been used. Start "
                "again from the login page."
            )
            raise ImmediateHttpResponse(
                refuse(request, self._row(), Refusal("assertion replayed", message), status=400)
            )

    def _row(self) -> IdentityProvider:
        return IdentityProvider.objects.get(slug=self.app.client_id)


for _purpose in STAFF_PURPOSES:
    LOGIN_COMPLETERS[_purpose] = complete_staff_login
    FAILURE_HANDLERS[_purpose] = staff_login_failed
