from django.urls import URLPattern, path

from . import views

app_name = "records"

urlpatterns: list[URLPattern] = [
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/download/", views.my_data_download, name="my_data_download"),
    path("erasure/", views.erasure_list, name="erasure_list"),
    path("erasure/<uuid:public_id>/", views.erasure_request, name="erasure_request"),
]
