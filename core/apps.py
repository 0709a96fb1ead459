from django.apps import AppConfig

from core import metrics


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        metrics.register_scrape_collector("celery_queues", metrics.CeleryQueueCollector())
