from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = "Disputes and moderation"

    def ready(self) -> None:
        from disputes import panels, subscriptions  # models are loaded only now

        subscriptions.connect()
        panels.connect()
