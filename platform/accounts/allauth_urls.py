"""The part of allauth Omtag uses: login, logout, password reset, the locked-account page,
and logging in through an identity provider (SAML 2.0 and OpenID Connect: staff single
sign-on, e-ID). Sign-up, email management, password change and allauth's "connected
accounts" are not mounted (invitations and our own re-authenticated security pages do
those; a provider is never linked to an account by the person)."""

from allauth.account import views
from allauth.socialaccount.providers.saml import views as saml_views
from django.urls import include, path, re_path

from .eid_views import oidc_callback
from .sso_views import saml_login, single_logout_refused

urlpatterns = [
    # Where an OpenID Connect provider sends the person back (e-ID, staff single sign-on).
    # allauth's own login URL beside it is not mounted: our pages start each flow
    # (accounts.eid_views, accounts.sso_views), with a nonce and what must survive the round
    # trip in the session.
    re_path(
        r"^oidc/(?P<provider_id>[^/]+)/login/callback/$",
        oidc_callback,
        name="openid_connect_callback",
    ),
    path("login/", views.login, name="account_login"),
    path("logout/", views.logout, name="account_logout"),
    path("inactive/", views.account_inactive, name="account_inactive"),
    path("password/reset/", views.password_reset, name="account_reset_password"),
    path("password/reset/done/", views.password_reset_done, name="account_reset_password_done"),
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        views.password_reset_from_key,
        name="account_reset_password_from_key",
    ),
    path(
        "password/reset/key/done/",
        views.password_reset_from_key_done,
        name="account_reset_password_from_key_done",
    ),
    # Staff single sign-on by SAML 2.0 (accounts.sso): allauth's views; the login by POST only
    # and on to the provider through a page of ours.
    re_path(
        r"^saml/(?P<organization_slug>[^/]+)/",
        include(
            [
                path("login/", saml_login, name="saml_login"),
                path("acs/", saml_views.acs, name="saml_acs"),
                path("acs/finish/", saml_views.finish_acs, name="saml_finish_acs"),
                path("metadata/", saml_views.metadata, name="saml_metadata"),
                # Logout requested by the identity provider is not offered: a LogoutRequest
                # need not be signed, so a link could end a staff member's session with a
                # GET (Omtag logs out only by POST, as with Wagtail's logout).
                path("sls/", single_logout_refused, name="saml_sls"),
            ]
        ),
    ),
]
