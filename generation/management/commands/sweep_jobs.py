from django.core.management.base import BaseCommand

from generation.services.worker import jobs_sweep


class Command(BaseCommand):
    help = (
        "Re-queue jobs whose worker lease expired, fail those out of attempts, re-wake lost ones."
    )

    def handle(self, *args, **options):
        result = jobs_sweep()
        self.stdout.write(
            f"requeued={result.requeued} failed={result.failed} "
            f"cancelled={result.cancelled} rewoken={result.rewoken}"
        )
