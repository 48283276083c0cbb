"""allauth's socialaccount, fitted to Omtag: the apps come from the organisations' identity
providers (organisations.IdentityProvider), not from allauth's own SocialApp table or
settings, and what happens after a provider has proven who someone is is decided here, per
purpose, by the module that owns it (accounts.eid for participants' e-ID, accounts.sso for
staff single sign-on). A provider never creates an account or grants a role by itself.

Both OpenID Connect purposes share one round trip (oidc_start, oidc_check): a nonce of our
own kept in the session (allauth sends none) and, at the return, the ID token's nonce and
issuer checked against it; and one way on to the provider (onward), which SAML uses too."""

from __future__ import annotations

import dataclasses
import hmac
import secrets
from collections.abc import Callable
from typing import Any

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.providers.base import AuthProcess
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise

from organisations.models import IdentityProvider

# allauth's provider for each purpose.
ALLAUTH_PROVIDER = {
    IdentityProvider.Purpose.EID: "openid_connect",
    IdentityProvider.Purpose.STAFF_OIDC: "openid_connect",
    IdentityProvider.Purpose.STAFF_SAML: "saml",
}

# Called from pre_social_login with (request, sociallogin, identity_provider); registered by
# the module that owns the purpose. It either lets the login go on (returns), or ends it with
# allauth's ImmediateHttpResponse carrying a page that says why.
LOGIN_COMPLETERS: dict[str, Callable[[HttpRequest, Any, IdentityProvider], None]] = {}

# Called from on_authentication_error (a provider's answer allauth did not accept: a bad
# signature, an expired assertion, a provider that did not answer) with (request,
# identity_provider, error=, exception=, extra_context=); registered like the completers. It
# may end the flow with ImmediateHttpResponse (its own page); otherwise allauth's page shows.
FAILURE_HANDLERS: dict[str, Callable[..., None]] = {}


def app_settings(row: IdentityProvider) -> dict[str, Any]:
    """The SocialApp.settings allauth's provider reads, from an identity provider's row."""
    if row.purpose == IdentityProvider.Purpose.STAFF_SAML:
        return {
            "idp": {
                "entity_id": row.saml_entity_id,
                "sso_url": row.saml_sso_url,
                "x509cert": row.saml_certificate,
            },
            "advanced": {
                "strict": True,
                # The assertion itself must carry the provider's signature: a signed
                # response around an unsigned assertion is not enough.
                "want_assertion_signed": True,
                # Matching may use the NameID alone.
                "want_attribute_statement": False,
                # Only answers to a login started here (SP-initiated), never unsolicited ones.
                "reject_idp_initiated_sso": True,
                "reject_deprecated_algorithm": True,
            },
        }
    return {"server_url": row.issuer}


def social_app(row: IdentityProvider) -> Any:
    """An unsaved allauth SocialApp for one identity provider (allauth accepts apps that live
    outside its table, as it does for apps in settings)."""
    from allauth.socialaccount.models import SocialApp

    saml = row.purpose == IdentityProvider.Purpose.STAFF_SAML
    return SocialApp(
        provider=ALLAUTH_PROVIDER[IdentityProvider.Purpose(row.purpose)],
        provider_id=row.slug,
        name=row.name,
        # allauth's SAML provider finds its app by client_id (the slug in its URLs).
        client_id=row.slug if saml else row.client_id,
        secret="" if saml else row.client_secret,
        settings=app_settings(row),
    )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(
        self, request: HttpRequest | None, provider: str | None = None, client_id: str | None = None
    ) -> list[Any]:
        rows = IdentityProvider.objects.filter(enabled=True)
        if provider:
            purposes = [p for p, name in ALLAUTH_PROVIDER.items() if name == provider]
            rows = rows.filter(Q(slug=provider) | Q(purpose__in=purposes))
        apps = [social_app(row) for row in rows]
        if client_id:
            apps = [app for app in apps if app.client_id == client_id]
        return apps

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        # Accounts come from invitations; an identity provider only proves who someone is.
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        row = IdentityProvider.objects.filter(
            slug=sociallogin.account.provider, enabled=True
        ).first()
        completer = LOGIN_COMPLETERS.get(row.purpose) if row is not None else None
        if row is None or completer is None:
            from allauth.core.exceptions import ImmediateHttpResponse
            from django.http import HttpResponseForbidden

            raise ImmediateHttpResponse(HttpResponseForbidden())
        completer(request, sociallogin, row)

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        """Every failed round trip (state unknown or used, the provider's error or a cancel, a
        code it no longer accepts, an ID token for another client or from another issuer, the
        provider down; for SAML an assertion python3-saml did not accept) ends on our page,
        which says so and leads back to the password login; allauth's cancel page is not
        mounted. A purpose with a handler of its own (FAILURE_HANDLERS) says it its way."""
        from allauth.core.exceptions import ImmediateHttpResponse

        from audit.models import AuditEvent
        from audit.services import audit_log

        slug = str(getattr(getattr(provider, "app", None), "provider_id", "") or "")
        row = IdentityProvider.objects.filter(slug=slug).first() if slug else None
        handler = FAILURE_HANDLERS.get(row.purpose) if row is not None else None
        if row is not None and handler is not None:
            handler(request, row, error=error, exception=exception, extra_context=extra_context)
        audit_log(
            action=AuditEvent.Action.EXTERNAL_LOGIN_FAILED,
            request=request,
            actor_label=slug[:254],
            detail=f"provider={slug};reason={error or 'unknown'}"[:500],
        )
        raise ImmediateHttpResponse(
            render(request, "socialaccount/authentication_error.html", {}, status=401)
        )


# --- The OpenID Connect round trip, and the way on to a provider ------------------------------


@dataclasses.dataclass(frozen=True)
class Onward:
    """What the page on the way to a provider says: its heading, its link, the link's id."""

    heading: str | Promise  # lazy translations: the language is the request's
    label: str | Promise
    link_id: str


def onward(request: HttpRequest, response: HttpResponse, page: Onward) -> HttpResponse:
    """The way on to the provider after a login button's POST. Our CSP lets forms post only to
    ourselves (form-action 'self'), which the browser applies to the redirect after the post
    too: so a page of ours that moves on by itself (with a link, should it not). Anything but
    a redirect (allauth's own error page) is answered as it is."""
    if response.status_code != 302:
        return response
    context = {"url": response["Location"], "page": page}
    return render(request, "account/provider_redirect.html", context)


def oidc_start(
    request: HttpRequest,
    row: IdentityProvider,
    *,
    session_key: str,
    scope: list[str],
    page: Onward,
    flow: dict[str, Any] | None = None,
    auth_params: dict[str, str] | None = None,
    next_url: str | None = None,
) -> HttpResponse:
    """Send the person to an OpenID Connect provider with a nonce of ours, kept in the session
    under `session_key` beside `flow` (what the purpose needs again at the return) and the
    provider's slug. allauth's provider runs the protocol (discovery, state, PKCE where set).
    A provider that cannot be reached raises requests.RequestException, with the session's
    flow taken back; each purpose says it its own way."""
    import requests

    nonce = secrets.token_urlsafe(32)
    request.session[session_key] = {**(flow or {}), "provider": row.slug, "nonce": nonce}
    try:
        provider = get_social_adapter().get_provider(request, row.slug)
        response = provider.redirect(
            request,
            AuthProcess.LOGIN,
            next_url=next_url or None,
            auth_params={**(auth_params or {}), "nonce": nonce},
            scope=scope,
        )
    except requests.RequestException:
        request.session.pop(session_key, None)
        raise
    return onward(request, response, page)


class RoundTripMismatch(Exception):
    """An ID token that does not answer the login this browser started; `reason` is "nonce"
    (not our nonce, or no login started here) or "issuer" (another issuer than the row's)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def oidc_check(
    request: HttpRequest, sociallogin: Any, row: IdentityProvider, *, session_key: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """At the return: take the flow oidc_start kept (it is used once) and check that the ID
    token carries its nonce and comes from the configured issuer; allauth checks the token
    against the issuer its discovery document names, which must be the configured issuer's
    own (OpenID Connect Discovery 4.3). Returns (the flow, the ID token's claims), or raises
    RoundTripMismatch."""
    flow = request.session.pop(session_key, None) or {}
    id_token: dict[str, Any] = (sociallogin.account.extra_data or {}).get("id_token") or {}
    nonce = str(id_token.get("nonce") or "")
    if (
        flow.get("provider") != row.slug
        or not nonce
        or not hmac.compare_digest(nonce, str(flow.get("nonce") or ""))
    ):
        raise RoundTripMismatch("nonce")
    if str(id_token.get("iss") or "").rstrip("/") != row.issuer.rstrip("/"):
        raise RoundTripMismatch("issuer")
    return flow, id_token
