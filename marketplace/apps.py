from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = "Marketplace"

    def ready(self) -> None:
        from marketplace import notification_kinds, panels  # models are loaded only now

        notification_kinds.register()
        panels.connect()
