from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """The running of the service (metrics, readiness, logs): an app only so that its signal
    receivers are connected at start-up."""

    name = "config"
    label = "config"
    verbose_name = "Operations"

    def ready(self) -> None:
        from . import metrics

        metrics.connect_signals()
