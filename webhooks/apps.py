from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Outbound webhooks"

    def ready(self) -> None:
        from core import metrics
        from webhooks import panels, subscriptions  # models are loaded only now
        from webhooks.metrics import WebhookDeliveriesCollector

        subscriptions.connect()
        panels.connect()
        metrics.register_scrape_collector("webhook_deliveries", WebhookDeliveriesCollector())
