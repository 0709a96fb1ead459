"""Recompute the ledger's hash chain and report the first broken link (exit 1 if any)."""

from django.core.management.base import BaseCommand, CommandError

from provenance.selectors.records import ledger_verify


class Command(BaseCommand):
    help = "Recompute every ledger entry's hash and link; report the first broken one."

    def handle(self, *args, **options):
        report = ledger_verify()
        if not report.ok:
            raise CommandError(
                f"Ledger broken at entry #{report.broken_seq}: {report.reason} "
                f"({report.checked} entries before it verified)."
            )
        self.stdout.write(
            self.style.SUCCESS(f"Ledger OK: {report.checked} entries, head {report.head_hash}")
        )
