from django.core.management.base import BaseCommand

from payments.services.reconcile import orders_reconcile


class Command(BaseCommand):
    help = "List orders whose Stripe state and local state disagree (exit status 1 if any)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, days: int, **options):
        mismatches = orders_reconcile(days=days)
        for m in mismatches:
            self.stdout.write(
                f"{m.order_id}  local={m.local_status}  stripe={m.provider_status}  {m.note}"
            )
        self.stdout.write(f"{len(mismatches)} mismatched orders in the last {days} days")
        if mismatches:
            raise SystemExit(1)
