from django.apps import AppConfig


class CommissionsConfig(AppConfig):
    name = "commissions"
    label = "commissions"
    verbose_name = "Commissions"
