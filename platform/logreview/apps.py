from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogReviewConfig(AppConfig):
    name = "logreview"
    verbose_name = _("Log review")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.models import Role
        from accounts.navigation import FOLLOW_UP, register_nav_badge, register_nav_item

        from .selectors import open_questions_count

        register_nav_item(Role.LOG_REVIEWER, "logreview:reviews", _("Log review"))
        register_nav_item(
            Role.ADMIN, "logreview:questioned", _("Questioned reads"), group=FOLLOW_UP
        )
        register_nav_badge(
            "logreview:questioned",
            open_questions_count,
            _("questioned reads not yet followed up"),
            kind="info",
        )
