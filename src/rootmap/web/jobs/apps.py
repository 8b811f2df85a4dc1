from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "rootmap.web.jobs"
    label = "jobs"
    verbose_name = "Background jobs and reminders"

    def ready(self) -> None:
        # Registers the tasks with the queue's Celery app in every process: web and worker.
        from rootmap.web.jobs import tasks  # noqa: F401
