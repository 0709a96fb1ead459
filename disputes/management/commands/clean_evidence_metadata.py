"""Re-encode image evidence stored before uploads were cleaned (GPS, camera serials, XMP)."""

from django.core.management.base import BaseCommand

from disputes.services.evidence import evidence_needing_cleaning, evidence_strip_stored_metadata


class Command(BaseCommand):
    help = "Safe to run any time: re-encodes image evidence that still carries its metadata."

    def handle(self, *args, **options):
        pending = evidence_needing_cleaning()
        cleaned = sum(evidence_strip_stored_metadata(evidence_id=pk) for pk in pending)
        self.stdout.write(f"cleaned {cleaned} of {len(pending)} image evidence file(s)")
