from django.apps import AppConfig


class ModulesConfig(AppConfig):
    name = "modules"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import audit_actions

        audit_actions.register()
        from . import receivers  # noqa: F401
