"""Request gates: session lifetime, the mandatory second factor, no caching, and the
Content-Security-Policy header."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY, SELF
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .models import User

LOGIN_AT = "omtag_login_at"
SEEN_AT = "omtag_seen_at"
# When the person last confirmed who they are (accounts.views.reauth_required).
REAUTH_AT = "omtag_reauth_at"

# URL names a logged-in person may reach before the second factor is verified: the
# second-factor pages themselves, leaving, and pages that are public anyway.
UNVERIFIED_ALLOWED = frozenset(
    {
        "account_login",
        "account_logout",
        "account_inactive",
        "account_reset_password",
        "account_reset_password_done",
        "account_reset_password_from_key",
        "account_reset_password_from_key_done",
        "accounts:second_factor",
        "accounts:second_factor_setup",
        "accounts:invitation_accept",
        # e-ID: the ways to log in with it, and the provider's way back (accounts.eid).
        "accounts:eid_login",
        "accounts:eid_invitation",
        "openid_connect_callback",
        "set_language",
        "healthz",
        # Staff single sign-on (accounts.sso): its starts, SAML's ACS and metadata.
        "accounts:sso_login",
        "saml_login",
        "saml_acs",
        "saml_finish_acs",
        "saml_metadata",
        "saml_sls",
        # Operations (config/health.py, config/metrics.py): no person, a token or an address.
        "readyz",
        "metrics",
        # The public "ask for help" form and its receipt.
        "intake:ask",
        "intake:ask_organisation",
        "intake:ask_sent",
    }
)


def is_second_factor_verified(user: object) -> bool:
    """True when this request's session has passed the second factor (OTPMiddleware sets
    `otp_device`; a user object replaced by a fresh login() has none, so is unverified)."""
    return bool(
        getattr(user, "is_authenticated", False) and getattr(user, "otp_device", None) is not None
    )


def _route_name(request: HttpRequest) -> str | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return match.view_name


class SessionLifetimeMiddleware:
    """Ends a session idle longer than SESSION_IDLE_TIMEOUT or older than
    SESSION_ABSOLUTE_TIMEOUT."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now()
            ended, stale = session_clock(request.session, now)
            if ended:
                logout(request)
                messages.info(request, _("You were logged out because the session ended."))
                return HttpResponseRedirect(
                    f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}"
                )
            if stale:
                request.session[SEEN_AT] = now.isoformat()
        return self.get_response(request)


def session_clock(session: Mapping[str, Any], now: datetime) -> tuple[bool, bool]:
    """The session lifetime rule, for pages and sockets alike: (ended, stale). Ended: older
    than SESSION_ABSOLUTE_TIMEOUT or idle longer than SESSION_IDLE_TIMEOUT. Stale: the
    last-seen time should be written again. Writing on every request would make every page a
    session write; a minute's precision is plenty for a 30-minute idle limit."""
    login_at = _parse(session.get(LOGIN_AT))
    seen_at = _parse(session.get(SEEN_AT))
    ended = (
        login_at is None
        or now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT
        or (seen_at is not None and now - seen_at > settings.SESSION_IDLE_TIMEOUT)
    )
    stale = seen_at is None or (now - seen_at).total_seconds() > 60
    return ended, stale


def _parse(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def start_session_clock(request: HttpRequest) -> None:
    now = timezone.now().isoformat()
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now


class SecondFactorRequiredMiddleware:
    """Every page behind login, for every role (Wagtail's admin included), needs a session
    whose second factor is verified. Runs after LoginRequiredMiddleware and OTPMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not is_second_factor_verified(user)
            and not request.path_info.startswith(settings.STATIC_URL)
            and _route_name(request) not in UNVERIFIED_ALLOWED
        ):
            assert isinstance(user, User)
            target = (
                "accounts:second_factor"
                if has_second_factor(user)
                else "accounts:second_factor_setup"
            )
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse(target)}?{query}")
        return self.get_response(request)


def has_second_factor(user: User) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


class NoStoreMiddleware:
    """Nothing Django renders may be kept by a browser or proxy cache: a shared computer must
    not show a participant's pages to the next person via the back button."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        return response


class LanguageMiddleware(LocaleMiddleware):
    """Swedish unless the person chose otherwise with the language switch: the browser's
    Accept-Language is not consulted, so a shared or borrowed computer set to English does
    not change what a Swedish participant sees."""

    def process_request(self, request: HttpRequest) -> None:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language


class FramePolicyCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, plus: a response that allows same-origin framing
    (X-Frame-Options: SAMEORIGIN, set by the view: Wagtail's preview views) gets
    `frame-ancestors 'self'` instead of our policy's 'none'.

    A browser obeys CSP's frame-ancestors over X-Frame-Options, so without this Wagtail's
    preview side panel, which frames the preview endpoint, showed only the browser's
    "blocked" page. The policy is rewritten in the finished header, not set through
    django-csp's per-response replace: Wagtail renders a preview by running a dummy request
    through the whole middleware chain, so the header already exists (with 'none') before
    the preview view marks its response SAMEORIGIN. Must stay below XFrameOptionsMiddleware
    in MIDDLEWARE, so that a SAMEORIGIN seen here comes from the view, never from a default.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response = super().process_response(request, response)
        if response.get("X-Frame-Options", "").upper() == "SAMEORIGIN":
            for header in (HEADER, HEADER_REPORT_ONLY):
                if header in response:
                    response[header] = frame_ancestors_self(response[header])
        return response


def frame_ancestors_self(policy: str) -> str:
    """The policy with its frame-ancestors directive (if any) replaced by 'self'."""
    directives = [d.strip() for d in policy.split(";") if d.strip()]
    kept = [d for d in directives if d.split()[0].lower() != "frame-ancestors"]
    return "; ".join([*kept, f"frame-ancestors {SELF}"])
