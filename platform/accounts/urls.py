from django.urls import path

from . import eid_views, org_settings_views, sso_views, views

app_name = "accounts"

urlpatterns = [
    path("2fa/", views.second_factor, name="second_factor"),
    path("2fa/setup/", views.second_factor_setup, name="second_factor_setup"),
    path("security/", views.security, name="security"),
    path("security/confirm/", views.reauthenticate, name="reauthenticate"),
    path("security/password/", views.password_change, name="password_change"),
    path("security/email/", views.email_change, name="email_change"),
    path(
        "security/email/confirm/<str:token>/",
        views.email_change_confirm,
        name="email_change_confirm",
    ),
    path("security/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("security/notifications/", views.notifications, name="notifications"),
    path("security/access-log.csv", views.my_access_log, name="my_access_log"),
    path("security/logout-everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path(
        "invitation/<str:token>/eid/<slug:slug>/",
        eid_views.eid_invitation,
        name="eid_invitation",
    ),
    path("eid/<slug:slug>/login/", eid_views.eid_login, name="eid_login"),
    path("sso/<slug:slug>/login/", sso_views.sso_login, name="sso_login"),
    path(
        "security/confirm/eid/<slug:slug>/",
        eid_views.eid_reauthenticate,
        name="eid_reauthenticate",
    ),
    path("admin/", views.admin_home, name="admin_home"),
    path("admin/users/<uuid:public_id>/", views.admin_user, name="admin_user"),
    path("admin/organisation/", org_settings_views.organisation_list, name="organisations"),
    path(
        "admin/organisation/<uuid:public_id>/",
        org_settings_views.organisation_settings,
        name="organisation_settings",
    ),
    path(
        "admin/organisation/<uuid:public_id>/identity-providers/",
        org_settings_views.identity_providers,
        name="identity_providers",
    ),
    path(
        "admin/organisation/<uuid:public_id>/identity-providers/<uuid:provider_id>/",
        org_settings_views.identity_providers,
        name="identity_provider",
    ),
]
