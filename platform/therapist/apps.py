from django.apps import AppConfig


class TherapistConfig(AppConfig):
    name = "therapist"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accounts.models import Role
        from accounts.navigation import (
            FOLLOW_UP,
            ORGANISATION,
            PEOPLE,
            register_nav_badge,
            register_nav_item,
        )

        from .selectors import open_risk_count

        register_nav_item(Role.ADMIN, "administration:participants", _("Treatments"), group=PEOPLE)
        register_nav_item(Role.ADMIN, "administration:access_log", _("Access log"), group=FOLLOW_UP)
        register_nav_item(
            Role.ADMIN, "administration:risk_words", _("Risk words"), group=ORGANISATION
        )
        register_nav_badge("therapist:home", open_risk_count, _("open risk signals"))
