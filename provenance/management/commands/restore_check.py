"""Verify a restored database before trusting it: ledger chain, originals and manifests,
row counts. Exit 1 with the first broken ledger entry or the records that fail."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from provenance.selectors.restore import MAX_LISTED_PROBLEMS, restore_report


class Command(BaseCommand):
    help = (
        "Check a restored database: the ledger hash chain end to end, each provenance "
        "record's original and C2PA manifest in storage, and row counts per table."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="Connection alias to check (point DATABASE_URL at the restored copy).",
        )
        parser.add_argument(
            "--skip-files",
            action="store_true",
            help="Check the database only; do not read the originals from object storage.",
        )
        parser.add_argument(
            "--expect-head",
            default="",
            metavar="HASH",
            help="The ledger head hash of the source at backup time (manage.py verify_ledger).",
        )

    def handle(self, *args, database, skip_files, expect_head, **options):
        report = restore_report(database=database, check_files=not skip_files)
        for label, rows in sorted(report.counts.items()):
            if rows:
                self.stdout.write(f"{label}: {rows}")
        ledger = report.ledger
        if not ledger.ok:
            raise CommandError(
                f"Restore check failed: ledger broken at entry #{ledger.broken_seq}: "
                f"{ledger.reason} ({ledger.checked} entries before it verified)."
            )
        if expect_head and expect_head != ledger.head_hash:
            raise CommandError(
                f"Restore check failed: ledger head is {ledger.head_hash} after "
                f"{ledger.checked} entries, expected {expect_head} (restored from an older point?)."
            )
        if report.problems:
            listed = "\n".join(report.problems[:MAX_LISTED_PROBLEMS])
            raise CommandError(
                f"Restore check failed: {len(report.problems)} of {report.records_checked} "
                f"provenance records are not backed by their stored original:\n{listed}"
            )
        files = (
            "originals not read (--skip-files)"
            if skip_files
            else f"{report.records_checked} originals with manifests"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restore OK: ledger {ledger.checked} entries, head {ledger.head_hash}; {files}."
            )
        )
