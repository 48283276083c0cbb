from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accounts.models import Role
        from accounts.navigation import FOLLOW_UP, register_nav_item

        register_nav_item(Role.ORG_LEAD, "reports:report", _("Report"))
        register_nav_item(Role.ADMIN, "reports:report", _("Report"), group=FOLLOW_UP)
