from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "worker"
    verbose_name = "Task worker"

    def ready(self) -> None:
        from django_tasks_db.compat import task_enqueued

        from .wake import wake_on_enqueue

        task_enqueued.connect(wake_on_enqueue, dispatch_uid="worker.wake_on_enqueue")
