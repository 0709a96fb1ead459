from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = "Generation"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from core import health
        from generation.models import ProtectedName  # models are loaded only now
        from generation.selectors.protected_names import protected_names_changed
        from generation.selectors.workers import workers_health

        health.register("workers", workers_health)
        # Cache invalidation only (no business logic): any change to a protected name,
        # however it is made, makes the prompt policy read the list again.
        for signal in (post_save, post_delete):
            signal.connect(
                protected_names_changed, sender=ProtectedName, dispatch_uid=f"names-{signal}"
            )
