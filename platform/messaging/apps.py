from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accounts.models import Role
        from accounts.navigation import register_nav_badge, register_nav_item
        from modules.home import register_home_panel

        from . import receivers  # noqa: F401
        from .home import unread_panel
        from .selectors import waiting_thread_count

        register_nav_item(Role.PARTICIPANT, "messaging:inbox", _("Messages"))
        register_nav_item(Role.THERAPIST, "messaging:inbox", _("Messages"))
        register_home_panel(unread_panel)
        # Conversations waiting for the therapist's answer (selectors.waiting_messages).
        register_nav_badge(
            "messaging:inbox", waiting_thread_count, _("waiting for an answer"), kind="info"
        )
