from django.urls import URLPattern, path

from . import views

app_name = "logreview"

urlpatterns: list[URLPattern] = [
    path("", views.reviews, name="reviews"),
    path("questioned/", views.questioned, name="questioned"),
    path("<uuid:public_id>/", views.review, name="review"),
    path("<uuid:public_id>/export.csv", views.review_export, name="review_export"),
]
