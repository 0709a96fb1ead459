"""Create the C2PA signing identity (root CA + P-256 leaf) once; never overwrite it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from provenance import signing


class Command(BaseCommand):
    help = "Create the provenance signing identity in PROVENANCE_SIGNING_DIR (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, help="Override settings.PROVENANCE_SIGNING_DIR.")
        parser.add_argument("--organisation", default="Promptfolio")

    def handle(self, *args, **options):
        try:
            directory, created = signing.init_signing_identity(
                options["dir"], organisation=options["organisation"]
            )
        except signing.SigningIdentityMissing as exc:
            raise CommandError(str(exc)) from exc
        identity = signing.load_signing_identity(directory)
        leaf = identity.leaf
        verb = "Created" if created else "Kept existing"
        self.stdout.write(
            f"{verb} signing identity in {directory}\n"
            f"  signer: {leaf.subject.rfc4514_string()}\n"
            f"  valid until: {leaf.not_valid_after_utc:%Y-%m-%d}\n"
            f"  sha256 fingerprint: {identity.fingerprint}"
        )
