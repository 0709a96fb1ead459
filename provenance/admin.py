"""Admin: provenance and the ledger are read-only (written only by services)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from provenance.models import LedgerEntry, LedgerHead, PhashIndex, ProvenanceRecord


@admin.register(ProvenanceRecord)
class ProvenanceRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "piece",
        "creator_name",
        "engine_name",
        "engine_version",
        "edit_kind",
        "created_at",
    )
    list_filter = ("engine_name", "prompt_public", "edit_kind")
    search_fields = ("piece__id", "sha256", "iscc_code", "creator__email", "c2pa_manifest_id")
    raw_id_fields = ("piece", "job", "creator", "parent")
    date_hierarchy = "created_at"


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "kind", "piece", "actor", "created_at", "hash")
    list_filter = ("kind",)
    search_fields = ("piece__id", "hash", "prev_hash")
    raw_id_fields = ("piece", "actor")
    ordering = ("-seq",)


@admin.register(LedgerHead)
class LedgerHeadAdmin(ReadOnlyAdmin):
    list_display = ("seq", "hash")


@admin.register(PhashIndex)
class PhashIndexAdmin(ReadOnlyAdmin):
    list_display = ("piece", "owner", "phash")
    raw_id_fields = ("piece", "owner")
