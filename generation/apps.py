from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = "Generation"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from core import health, metrics
        from generation import notification_kinds
        from generation.metrics import GenerationCollector
        from generation.models import ProtectedName  # models are loaded only now
        from generation.selectors.protected_names import protected_names_changed
        from generation.selectors.workers import workers_health
        from generation.services.engines import engine_queues

        health.register("workers", workers_health)
        notification_kinds.register()
        metrics.register_scrape_collector("generation", GenerationCollector())
        metrics.register_celery_queues(engine_queues)
        # Cache invalidation only (no business logic): any change to a protected name,
        # however it is made, makes the prompt policy read the list again.
        for signal in (post_save, post_delete):
            signal.connect(
                protected_names_changed, sender=ProtectedName, dispatch_uid=f"names-{signal}"
            )
