from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = "Disputes and moderation"

    def ready(self) -> None:
        from disputes import subscriptions  # models are loaded only now

        subscriptions.connect()
