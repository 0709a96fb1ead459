"""Rotate the C2PA signing leaf (optionally the root too), keeping old pieces verifiable."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from provenance import rotation, signing


class Command(BaseCommand):
    help = (
        "Issue a new signing certificate and key in PROVENANCE_SIGNING_DIR, moving the old "
        "ones to retired/<sha256>/; --new-root also replaces the root, which stays trusted "
        "through trust/. Safe while workers sign: each picks the new files up at its next "
        "stamp (docs/adr/011-durable-signatures.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, help="Override settings.PROVENANCE_SIGNING_DIR.")
        parser.add_argument("--organisation", default="Promptfolio")
        parser.add_argument(
            "--new-root", action="store_true", help="Also create a new root CA (old one trusted)."
        )

    def handle(self, *args, **options):
        try:
            done = rotation.rotate_signing_identity(
                options["dir"] or signing.signing_dir(),
                new_root=options["new_root"],
                organisation=options["organisation"],
            )
        except (signing.SigningIdentityMissing, rotation.RotationRefused) as exc:
            raise CommandError(str(exc)) from exc
        leaf = signing.load_signing_identity(done.directory).leaf
        self.stdout.write(
            f"Rotated the signing identity in {done.directory}"
            f"{' under a new root' if done.new_root else ''}\n"
            f"  retired: {done.retired} (sha256 {done.old_fingerprint})\n"
            f"  new signer sha256: {done.new_fingerprint}, valid until "
            f"{leaf.not_valid_after_utc:%Y-%m-%d}\n"
            f"  root sha256: {done.root_fingerprint}\n"
            "Back up the folder (trust/ and retired/ included); keep the root key offline."
        )
