from django.apps import AppConfig


class PartnerConfig(AppConfig):
    name = "partner"
    default_auto_field = "django.db.models.BigAutoField"
