from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # signals: login, logout and OTP events go to the audit log; eid: registers the
        # e-ID login's completer with accounts.social.
        from . import eid, signals  # noqa: F401
