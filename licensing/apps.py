import importlib

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def ensure_licence_tiers(sender, using="default", apps=global_apps, **kwargs):
    """Reference data, like django.contrib.sites' default site: the tiers and their v1 terms
    come from migration 0004, the derivatives term (v2) from 0011, the rights wording (v3)
    from 0012; after a flush (test databases) post_migrate puts them back. Does nothing once
    any tier exists."""
    try:
        tier_model = apps.get_model("licensing", "Tier")
        terms_model = apps.get_model("licensing", "TermsVersion")
    except LookupError:  # migrated to a state before licences existed
        return
    if tier_model.objects.using(using).exists():
        return
    seed = importlib.import_module("licensing.migrations.0004_seed_tiers")
    seed.seed(apps, None, using=using)
    if not any(field.name == "derivatives" for field in terms_model._meta.get_fields()):
        return  # migrated to a state before the derivatives term
    for name in ("0011_terms_v2_derivatives", "0012_terms_v3_rights_wording"):
        importlib.import_module(f"licensing.migrations.{name}").publish(apps, None, using=using)


class LicensingConfig(AppConfig):
    name = "licensing"
    verbose_name = "Licensing"

    def ready(self) -> None:
        from licensing import panels, subscriptions  # models are loaded only now

        post_migrate.connect(ensure_licence_tiers, sender=self, dispatch_uid="licence_tiers")
        subscriptions.connect()
        panels.connect()
