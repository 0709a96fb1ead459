"""Settle instant commissions whose job ended and auto-accept overdue brief deliveries."""

from django.core.management.base import BaseCommand

from commissions.services.brief import briefs_auto_accept
from commissions.services.payment import commissions_settle_finished_jobs


class Command(BaseCommand):
    help = "Safe to run any time: settles finished commission jobs, auto-accepts deliveries."

    def handle(self, *args, **options):
        settled = commissions_settle_finished_jobs()
        accepted = briefs_auto_accept()
        self.stdout.write(f"settled {settled} commission job(s), auto-accepted {accepted}")
