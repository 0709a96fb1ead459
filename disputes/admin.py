"""Read-only admin views of the trust-and-safety records. Every change goes through the
moderation console's services, which write the history rows, statements of reasons and
ledger entries; the admin is for operators looking things up."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from disputes.models import (
    ArtistClaim,
    ArtistClaimEvent,
    Complaint,
    ComplaintEvent,
    Dispute,
    DisputeEvent,
    Notice,
    NoticeEvent,
    StatementOfReasons,
    TakedownEvent,
    TakedownNotice,
    VerifiedArtist,
)


def _history(event_model, fields=("from_status", "to_status", "actor", "note", "created_at")):
    """A read-only inline of a record's history rows, oldest first."""
    return type(
        f"{event_model.__name__}Inline",
        (admin.TabularInline,),
        {
            "model": event_model,
            "extra": 0,
            "can_delete": False,
            "fields": fields,
            "readonly_fields": fields,
            "ordering": ("created_at",),
            "has_add_permission": lambda self, request, obj=None: False,
            "has_change_permission": lambda self, request, obj=None: False,
        },
    )


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "status", "outcome", "claimant", "respondent", "created_at")
    list_filter = ("status", "kind", "outcome")
    search_fields = ("id", "claimant__email", "respondent__email", "statement")
    list_select_related = ("claimant", "respondent")
    inlines = [_history(DisputeEvent, ("action", "from_status", "to_status", "actor", "note"))]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ("id", "category", "target_kind", "status", "reporter_email", "created_at")
    list_filter = ("status", "category", "target_kind", "manifestly_unfounded")
    search_fields = ("id", "reporter_email", "statement")
    inlines = [_history(NoticeEvent)]


@admin.register(StatementOfReasons)
class StatementOfReasonsAdmin(ReadOnlyAdmin):
    list_display = ("kind", "restricted", "user", "ground", "automated_decision", "created_at")
    list_filter = ("kind", "ground", "automated_detection", "automated_decision")
    search_fields = ("id", "email", "restricted", "facts")
    list_select_related = ("user",)


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ("id", "status", "complainant_email", "decided_by", "created_at")
    list_filter = ("status", "decided_by_original_decider")
    search_fields = ("id", "complainant_email", "reason")
    inlines = [_history(ComplaintEvent)]


@admin.register(TakedownNotice)
class TakedownNoticeAdmin(ReadOnlyAdmin):
    list_display = ("id", "listing", "status", "claimant", "respondent", "restore_due_at")
    list_filter = ("status",)
    search_fields = ("id", "contact_email", "contact_name", "work_description")
    list_select_related = ("listing", "claimant", "respondent")
    inlines = [_history(TakedownEvent, ("action", "from_status", "to_status", "actor", "note"))]


@admin.register(ArtistClaim)
class ArtistClaimAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "status", "artist_name", "claimant", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("id", "artist_name", "claimant__email", "statement")
    list_select_related = ("claimant",)
    inlines = [_history(ArtistClaimEvent)]


@admin.register(VerifiedArtist)
class VerifiedArtistAdmin(ReadOnlyAdmin):
    list_display = ("user", "verified_by", "verified_at", "method")
    search_fields = ("user__email", "user__display_name")
    list_select_related = ("user", "verified_by")
