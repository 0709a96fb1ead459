"""Re-run a piece's recorded engine, prompt and seed and compare the pixels' sha256."""

import uuid

from django.core.management.base import BaseCommand, CommandError

from generation.services.reproduce import provenance_reproduce
from provenance.selectors.records import provenance_record_get


class Command(BaseCommand):
    help = "Regenerate PIECE from its provenance record; exit 1 unless the sha256 matches."

    def add_arguments(self, parser):
        parser.add_argument("piece", help="Piece UUID")

    def handle(self, *args, **options):
        try:
            piece_id = uuid.UUID(options["piece"])
        except ValueError as exc:
            raise CommandError(f"{options['piece']!r} is not a piece id.") from exc
        record = provenance_record_get(piece_id=piece_id)
        if record is None:
            raise CommandError(f"No provenance record for piece {piece_id}.")
        result = provenance_reproduce(record=record)
        self.stdout.write(
            f"engine {result.engine} {result.engine_version} (recorded "
            f"{record.engine_name} {record.engine_version})\n"
            f"  recorded output sha256: {record.output_sha256}\n"
            f"  reproduced sha256:      {result.output_sha256}\n"
            f"  marked pixels match:    {result.marked_match}\n"
            f"  mean abs pixel diff:    {result.mean_abs_diff:.4f}\n"
            f"  took {result.seconds:.2f}s"
        )
        if not result.match:
            raise CommandError("Mismatch: the recorded output was not reproduced.")
        self.stdout.write(self.style.SUCCESS("Match: identical pixels."))
