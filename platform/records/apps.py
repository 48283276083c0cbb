from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accounts.models import Role
        from accounts.navigation import FOLLOW_UP, register_nav_item

        register_nav_item(
            Role.ADMIN, "records:erasure_list", _("Erasure requests"), group=FOLLOW_UP
        )
