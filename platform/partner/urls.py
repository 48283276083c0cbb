from django.urls import path

from . import views

app_name = "partner"

urlpatterns = [
    path("", views.home, name="home"),
    path("participants/<uuid:public_id>/", views.enrollment, name="enrollment"),
    path("participants/<uuid:public_id>/consents/", views.consent_record, name="consent_record"),
    path(
        "participants/<uuid:public_id>/consents/<uuid:consent_id>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("participants/<uuid:public_id>/open-case/", views.case_open, name="case_open"),
    path("cases/<uuid:public_id>/", views.case, name="case"),
    path("cases/<uuid:public_id>/contact/", views.case_contact, name="case_contact"),
    path("cases/<uuid:public_id>/status/", views.case_status, name="case_status"),
    path(
        "cases/<uuid:public_id>/conversations/new/",
        views.conversation_new,
        name="conversation_new",
    ),
    path("cases/<uuid:public_id>/assessments/new/", views.assessment_new, name="assessment_new"),
    path(
        "cases/<uuid:public_id>/assessments/<uuid:assessment_id>/",
        views.assessment,
        name="assessment",
    ),
    path(
        "cases/<uuid:public_id>/assessments/<uuid:assessment_id>/share/",
        views.assessment_share,
        name="assessment_share",
    ),
    path("cases/<uuid:public_id>/safety-plan/", views.safety_plan, name="safety_plan"),
    path(
        "cases/<uuid:public_id>/safety-plan/print/",
        views.safety_plan_print,
        name="safety_plan_print",
    ),
    path("administration/", views.admin_cases, name="admin_cases"),
    path("administration/<uuid:public_id>/assign/", views.admin_assign, name="admin_assign"),
]
