from django.apps import AppConfig


class PartnerConfig(AppConfig):
    name = "partner"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from accounts.models import Role
        from accounts.navigation import PEOPLE, register_nav_item

        register_nav_item(Role.ADMIN, "partner:admin_cases", _("Partner cases"), group=PEOPLE)

        from audit.protected import register_protected

        from .models import PartnerCase

        # Reads of a case under protected identity, for log review's filter.
        register_protected(
            "partner_case",
            lambda: PartnerCase.objects.filter(protected_identity=True).values_list(
                "public_id", flat=True
            ),
        )
        # The retention run clears closed cases without importing this app.
        from modules.clearing import register_record_part

        from .personal_data import RECORD_PART

        register_record_part(RECORD_PART)
