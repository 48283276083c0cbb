from django.urls import path

from . import views

app_name = "intake"

urlpatterns = [
    # Public: reachable without an account (see accounts.middleware.UNVERIFIED_ALLOWED).
    path("", views.ask, name="ask"),
    path("sent/", views.ask_sent, name="ask_sent"),
    # Staff.
    path("referrals/", views.referrals, name="referrals"),
    path("referrals/new/", views.referral_new, name="referral_new"),
    path("referrals/<uuid:public_id>/", views.referral, name="referral"),
    path("referrals/<uuid:public_id>/contact/", views.referral_contact, name="referral_contact"),
    path(
        "referrals/<uuid:public_id>/screening/",
        views.referral_screening,
        name="referral_screening",
    ),
    path("referrals/<uuid:public_id>/enrol/", views.referral_enrol, name="referral_enrol"),
    path(
        "referrals/<uuid:public_id>/refer-elsewhere/",
        views.referral_elsewhere,
        name="referral_elsewhere",
    ),
    path("referrals/<uuid:public_id>/close/", views.referral_close, name="referral_close"),
    path("referrals/<uuid:public_id>/reopen/", views.referral_reopen, name="referral_reopen"),
    # Public: one organisation's form. Last, so "sent" and "referrals" keep their pages.
    path("<slug:organisation>/", views.ask, name="ask_organisation"),
]
