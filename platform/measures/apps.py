from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "measures"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accounts.models import Role
        from accounts.navigation import ORGANISATION, register_nav_item
        from modules.home import register_home_panel

        from .home import due_panel

        register_nav_item(
            Role.ADMIN, "measures:admin_instruments", _("Questionnaires"), group=ORGANISATION
        )
        register_home_panel(due_panel)
