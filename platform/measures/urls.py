from django.urls import path

from . import views

app_name = "measures"

urlpatterns = [
    path("admin/", views.admin_instruments, name="admin_instruments"),
    path("admin/new/", views.admin_instrument, name="admin_instrument_new"),
    path("admin/instruments/<slug:key>/", views.admin_instrument, name="admin_instrument"),
    path("thanks/", views.thanks, name="thanks"),
    path("<slug:occasion>/<slug:key>/", views.fill, name="fill"),
]
