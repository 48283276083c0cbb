from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # signals: login, logout and OTP events go to the audit log; sso: staff single
        # sign-on registers its login completers with accounts.social.
        from . import signals, sso  # noqa: F401
