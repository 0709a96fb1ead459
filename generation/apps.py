from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = "Generation"

    def ready(self) -> None:
        from core import health
        from generation.selectors.workers import workers_health  # models are loaded only now

        health.register("workers", workers_health)
