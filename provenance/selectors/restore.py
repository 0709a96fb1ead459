"""What a restored database must prove before it replaces production (manage.py
restore_check, docs/operations.md "Restore drill"): the ledger chain holds end to end, every
provenance record's original is in object storage with its C2PA manifest, and the row counts
the operator compares with the source."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.apps import apps

from provenance import c2pa_manifest
from provenance import ledger as chain
from provenance.models import ProvenanceRecord
from provenance.selectors.records import ledger_verify

MAX_LISTED_PROBLEMS = 20


@dataclass(frozen=True)
class RestoreReport:
    ledger: chain.ChainReport
    counts: dict[str, int]  # app_label.Model → rows
    records_checked: int = 0
    problems: list[str] = field(default_factory=list)  # one line per record that fails

    @property
    def ok(self) -> bool:
        return self.ledger.ok and not self.problems


def table_counts(*, database: str) -> dict[str, int]:
    """Rows per model, every installed app (so a table restored empty shows up as 0)."""
    return {
        model._meta.label: model._default_manager.using(database).count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def record_problem(record: ProvenanceRecord) -> str | None:
    """Why this record's stored original does not back it up, or None when it does."""
    name = record.piece.original.name
    try:
        with record.piece.original.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError):
        return f"piece {record.piece_id}: original {name} is missing from storage"
    if hashlib.sha256(data).hexdigest() != record.sha256:
        return f"piece {record.piece_id}: original {name} does not match its recorded sha256"
    if c2pa_manifest.manifest_store(data) is None:
        return f"piece {record.piece_id}: original {name} carries no C2PA manifest"
    return None


def restore_report(*, database: str = "default", check_files: bool = True) -> RestoreReport:
    """Check the database behind connection `database`; `check_files` also reads every
    record's original from storage (the slow part: one GET per piece)."""
    report = ledger_verify(database=database)
    counts = table_counts(database=database)
    if not check_files:
        return RestoreReport(ledger=report, counts=counts)
    records = ProvenanceRecord.objects.using(database).select_related("piece").order_by("pk")
    checked, problems = 0, []
    for record in records.iterator(chunk_size=500):
        checked += 1
        problem = record_problem(record)
        if problem:
            problems.append(problem)
    return RestoreReport(ledger=report, counts=counts, records_checked=checked, problems=problems)
