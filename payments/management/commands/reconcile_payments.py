from django.core.management.base import BaseCommand

from payments.services.reconcile import orders_flagged, orders_reconcile, webhook_events_failed


class Command(BaseCommand):
    help = (
        "List orders whose Stripe state and local state disagree, orders flagged because an "
        "event did not match them, and failed events (exit status 1 if any)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, days: int, **options):
        mismatches = orders_reconcile(days=days)
        for m in mismatches:
            self.stdout.write(
                f"{m.order_id}  local={m.local_status}  stripe={m.provider_status}  {m.note}"
            )
        self.stdout.write(f"{len(mismatches)} mismatched orders in the last {days} days")
        flagged = list(orders_flagged())
        for order in flagged:
            reason = order.flag_reason.splitlines()[-1]
            self.stdout.write(f"{order.pk}  flagged  local={order.status}  {reason}")
        self.stdout.write(f"{len(flagged)} flagged orders awaiting review")
        failed = list(webhook_events_failed())
        for event in failed:
            self.stdout.write(
                f"{event.event_id}  {event.type}  failed after {event.attempts} attempt(s)  "
                f"{event.error}"
            )
        self.stdout.write(f"{len(failed)} failed events (retry them from the admin)")
        if mismatches or flagged or failed:
            raise SystemExit(1)
