from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # signals: login, logout and OTP events go to the audit log; eid and sso register
        # their login completers (participants' e-ID, staff single sign-on) with
        # accounts.social.
        from . import eid, signals, sso  # noqa: F401
