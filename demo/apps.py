from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `bin/run`: above every floor, because it drives each floor's services."""

    name = "demo"
    verbose_name = "Demo data"
