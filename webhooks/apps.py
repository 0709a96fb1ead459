from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Outbound webhooks"

    def ready(self) -> None:
        from webhooks import panels, subscriptions  # models are loaded only now

        subscriptions.connect()
        panels.connect()
