from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # signals: login, logout and OTP events go to the audit log.
        from . import signals  # noqa: F401

        # e-ID: registers its login completer with accounts.social.
        from . import eid  # noqa: F401
