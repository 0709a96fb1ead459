from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from core import metrics
        from payments import subscriptions  # models are loaded only now
        from payments.metrics import PaymentsCollector

        subscriptions.connect()
        metrics.register_scrape_collector("payments", PaymentsCollector())
