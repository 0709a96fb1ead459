"""Compute keypoints and ISCC codes for pieces stamped before they existed."""

from django.core.management.base import BaseCommand

from provenance.services.fingerprints import fingerprints_backfill


class Command(BaseCommand):
    help = "Add keypoint fingerprints and ISCC codes to pieces stamped without them."

    def handle(self, *args, **options):
        filled, unreadable = fingerprints_backfill()
        self.stdout.write(self.style.SUCCESS(f"Fingerprinted {filled} pieces."))
        for piece_id in unreadable:
            self.stderr.write(f"Original unreadable, left as it was: piece {piece_id}")
