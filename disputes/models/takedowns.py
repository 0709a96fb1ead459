"""Copyright takedown notices with counter-notices (17 U.S.C. §512(c)(3) and (g)), and
source-artist claims against styles or pieces.

A notice disables its listing at once (status `disabled`); the creator may counter-notify
(`countered`, with the date the listing comes back); the claimant may report a court action
(`court_action`, it stays down for a moderator), withdraw (`withdrawn`), or the waiting period
ends (`restored`); a moderator may keep it down (`upheld`) or restore it. Every step is a
TakedownEvent; an artist claim's steps are ArtistClaimEvents.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse

from core.models import StatusHistory

__all__ = [
    "ACTIVE_TAKEDOWN_STATUSES",
    "ArtistClaim",
    "ArtistClaimEvent",
    "ArtistClaimKind",
    "ArtistClaimStatus",
    "TakedownEvent",
    "TakedownNotice",
    "TakedownStatus",
    "VerifiedArtist",
]


class TakedownStatus(models.TextChoices):
    DISABLED = "disabled", "Listing disabled, awaiting any counter-notice"
    COUNTERED = "countered", "Counter-notice received, restoration scheduled"
    COURT_ACTION = "court_action", "Court action reported, pending a moderator"
    RESTORED = "restored", "Listing restored"
    WITHDRAWN = "withdrawn", "Withdrawn by the claimant"
    UPHELD = "upheld", "Kept down by a moderator"


ACTIVE_TAKEDOWN_STATUSES = (
    TakedownStatus.DISABLED,
    TakedownStatus.COUNTERED,
    TakedownStatus.COURT_ACTION,
)


class TakedownNotice(models.Model):
    """A rights holder's notice against a listing, and the creator's counter-notice."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    listing = models.ForeignKey(
        "marketplace.Listing", on_delete=models.PROTECT, related_name="takedown_notices"
    )
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="takedowns_filed"
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="takedowns_received"
    )
    status = models.CharField(
        max_length=20, choices=TakedownStatus.choices, default=TakedownStatus.DISABLED
    )
    # §512(c)(3)(A): the notice's statutory elements, all required.
    work_description = models.TextField(max_length=5000)
    infringing_material = models.TextField(max_length=5000)
    contact_name = models.CharField(max_length=200)
    contact_address = models.TextField(max_length=1000)
    contact_phone = models.CharField(max_length=40)
    contact_email = models.EmailField()
    good_faith_statement = models.BooleanField(default=False)
    accuracy_statement = models.BooleanField(default=False)
    authority_statement = models.BooleanField(
        default=False, help_text="Under penalty of perjury: authorised to act for the owner."
    )
    signature = models.CharField(max_length=200, help_text="The full name, typed.")
    # §512(g)(3): the counter-notice, all required once `countered_at` is set.
    counter_material = models.TextField(max_length=5000, blank=True)
    counter_good_faith_statement = models.BooleanField(default=False)
    counter_jurisdiction_consent = models.BooleanField(default=False)
    counter_name = models.CharField(max_length=200, blank=True)
    counter_address = models.TextField(max_length=1000, blank=True)
    counter_signature = models.CharField(max_length=200, blank=True)
    countered_at = models.DateTimeField(null=True, blank=True)
    restore_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    court_case_reference = models.CharField(max_length=200, blank=True)
    court_action_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=TakedownStatus.values),
                name="takedown_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    good_faith_statement=True, accuracy_statement=True, authority_statement=True
                )
                & ~models.Q(signature="")
                & ~models.Q(work_description="")
                & ~models.Q(infringing_material=""),
                name="takedown_statutory_statements",
            ),
            models.CheckConstraint(
                condition=models.Q(countered_at__isnull=True)
                | (
                    models.Q(
                        counter_good_faith_statement=True,
                        counter_jurisdiction_consent=True,
                        restore_due_at__isnull=False,
                    )
                    & ~models.Q(counter_signature="")
                    & ~models.Q(counter_name="")
                    & ~models.Q(counter_address="")
                    & ~models.Q(counter_material="")
                ),
                name="takedown_counter_statutory_statements",
            ),
            models.CheckConstraint(
                condition=~models.Q(claimant=models.F("respondent")),
                name="takedown_not_against_self",
            ),
            models.UniqueConstraint(
                fields=["claimant", "listing"],
                condition=models.Q(status__in=[s.value for s in ACTIVE_TAKEDOWN_STATUSES]),
                name="takedown_one_active_per_claimant_listing",
            ),
        ]

    def __str__(self) -> str:
        return f"Takedown notice {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("disputes:takedown_detail", kwargs={"takedown_id": self.pk})

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_TAKEDOWN_STATUSES


class TakedownEvent(StatusHistory):
    """Append-only history of a notice: who did what, when."""

    history_of = "notice"

    notice = models.ForeignKey(TakedownNotice, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    note = models.TextField(max_length=5000, blank=True)
    data = models.JSONField(default=dict, blank=True)


class VerifiedArtist(models.Model):
    """A moderator checked once that this account is the artist it says it is."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="verified_artist",
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField()
    method = models.CharField(max_length=300, help_text="How the identity was checked.")

    def __str__(self) -> str:
        return f"Verified artist {self.user_id}"


class ArtistClaimKind(models.TextChoices):
    STYLE_IMITATION = "style_imitation", "This style imitates me by name"
    PIECE_COPY = "piece_copy", "This piece copies my work"


class ArtistClaimStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACTED_ON = "acted_on", "Remedy applied"
    REJECTED = "rejected", "Rejected"


class ArtistClaim(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=ArtistClaimKind.choices)
    status = models.CharField(
        max_length=20, choices=ArtistClaimStatus.choices, default=ArtistClaimStatus.OPEN
    )
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="artist_claims"
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="artist_claims_against"
    )
    style = models.ForeignKey(
        "generation.Style",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="artist_claims",
    )
    piece = models.ForeignKey(
        "generation.Piece",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="artist_claims",
    )
    artist_name = models.CharField(max_length=120)
    statement = models.TextField(max_length=5000)
    evidence_links = models.JSONField(default=list, blank=True)
    banner_text = models.CharField(
        max_length=300, blank=True, help_text="Shown publicly on the style page when set."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ArtistClaimKind.values), name="artist_claim_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ArtistClaimStatus.values),
                name="artist_claim_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="style_imitation", style__isnull=False, piece=None)
                | models.Q(kind="piece_copy", piece__isnull=False, style=None),
                name="artist_claim_target_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"Artist claim {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("disputes:artist_claim_detail", kwargs={"claim_id": self.pk})


class ArtistClaimEvent(StatusHistory):
    history_of = "claim"

    claim = models.ForeignKey(ArtistClaim, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    note = models.TextField(max_length=5000, blank=True)
    data = models.JSONField(default=dict, blank=True)
