"""Wake the tasks for owed automatic refunds and creator transfers (what beat runs)."""

from django.core.management.base import BaseCommand

from payments.services.payouts import transfers_requeue_owed
from payments.services.refunds import refunds_requeue_owed


class Command(BaseCommand):
    help = "Safe to run any time: re-queues owed refunds and transfers older than the grace."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=120, help="grace, in seconds")

    def handle(self, *args, older_than: int, **options):
        refunds = refunds_requeue_owed(older_than_seconds=older_than)
        transfers = transfers_requeue_owed(older_than_seconds=older_than)
        self.stdout.write(f"re-queued {refunds} refund(s) and {transfers} order transfer(s)")
