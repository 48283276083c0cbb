from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accounts.models import Role
        from accounts.navigation import register_nav_item
        from modules.home import register_home_panel

        from . import receivers  # noqa: F401
        from .home import next_meeting_panel

        register_nav_item(Role.PARTICIPANT, "meetings:mine", _("Meetings"))
        register_nav_item(Role.THERAPIST, "meetings:hours", _("My hours"))
        register_home_panel(next_meeting_panel)
