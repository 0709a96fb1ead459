from django.apps import AppConfig


class CommissionsConfig(AppConfig):
    name = "commissions"
    label = "commissions"
    verbose_name = "Commissions"

    def ready(self) -> None:
        from commissions import notification_kinds, subscriptions  # models are loaded only now

        subscriptions.connect()
        notification_kinds.register()
