from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = "Disputes and moderation"

    def ready(self) -> None:
        from disputes import notification_kinds, panels, subscriptions  # models loaded only now

        subscriptions.connect()
        panels.connect()
        notification_kinds.register()
