from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accounts.models import Role
        from accounts.navigation import ORGANISATION, register_nav_item

        from . import receivers  # noqa: F401  (the help box cache's invalidation)

        register_nav_item(
            Role.ADMIN, "content:programmes", _("Programmes offered"), group=ORGANISATION
        )
