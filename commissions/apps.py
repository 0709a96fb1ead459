from django.apps import AppConfig


class CommissionsConfig(AppConfig):
    name = "commissions"
    label = "commissions"
    verbose_name = "Commissions"

    def ready(self) -> None:
        from commissions import subscriptions  # models are loaded only now

        subscriptions.connect()
