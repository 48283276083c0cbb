from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accounts.models import Role
        from accounts.navigation import PEOPLE, register_nav_badge, register_nav_item

        from .selectors import waiting_count

        register_nav_item(Role.THERAPIST, "intake:referrals", _("Referrals"))
        register_nav_item(Role.ADMIN, "intake:referrals", _("Referrals"), group=PEOPLE)
        register_nav_badge("intake:referrals", waiting_count, _("referrals waiting"), kind="info")
