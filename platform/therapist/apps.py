from django.apps import AppConfig


class TherapistConfig(AppConfig):
    name = "therapist"
    default_auto_field = "django.db.models.BigAutoField"
