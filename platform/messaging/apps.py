from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accounts.models import Role
        from accounts.navigation import register_nav_item
        from modules.home import register_home_panel

        from . import receivers  # noqa: F401
        from .home import unread_panel

        register_nav_item(Role.PARTICIPANT, "messaging:inbox", _("Messages"))
        register_nav_item(Role.THERAPIST, "messaging:inbox", _("Messages"))
        register_home_panel(unread_panel)
