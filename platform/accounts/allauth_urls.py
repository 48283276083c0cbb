"""The part of allauth Omtag uses: login, logout, password reset, the locked-account page.
Sign-up, email management and password change are not mounted (invitations and our own
re-authenticated security pages do those)."""

from allauth.account import views
from django.urls import path, re_path

from .eid_views import oidc_callback

urlpatterns = [
    # Where an OpenID Connect provider sends the person back (e-ID, staff single sign-on).
    # allauth's own login URL beside it is not mounted: our pages start each flow
    # (accounts.eid_views), with a nonce and what must survive the round trip in the session.
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
]
