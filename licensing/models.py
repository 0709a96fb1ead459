"""Licences: tiers, versioned terms, per-listing offers, exclusive holds, grants, certificates.

A grant stores the exact terms version it was sold under (and that version's sha256), so
editing a tier's terms later (a new TermsVersion) never changes what a buyer bought. Terms
versions are immutable: the model refuses updates and deletes, like the ledger.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse

from core.models import StatusHistory
from marketplace.models import MAX_PRICE_MINOR, MIN_PRICE_MINOR, Currency


class ImmutableError(Exception):
    """Raised when code tries to change or delete a published terms version."""


class Tier(models.Model):
    """A kind of licence (personal, standard, extended, exclusive). What each tier allows is
    in its terms versions; the tier row is only its identity and display order."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=60)
    rank = models.PositiveSmallIntegerField(help_text="Display order, cheapest rights first.")
    exclusive = models.BooleanField(
        default=False, help_text="A buy-out: one grant ever, the listing is withdrawn."
    )
    is_active = models.BooleanField(default=True, help_text="Creators can offer it.")

    class Meta:
        ordering = ["rank", "code"]
        constraints = [
            models.UniqueConstraint(fields=["rank"], name="licence_tier_rank_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class TermsQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableError("Terms versions are immutable; publish a new version instead.")

    def delete(self):
        raise ImmutableError("Terms versions are immutable; they cannot be deleted.")


class TermsVersion(models.Model):
    """One published version of a tier's terms. Never updated: editing = version + 1."""

    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="terms_versions")
    version = models.PositiveIntegerField()
    summary = models.TextField(max_length=1000, help_text="Plain-language rights.")
    body = models.TextField(help_text="The full licence text.")
    sha256 = models.CharField(max_length=64, help_text="sha256 of the UTF-8 body.")
    commercial = models.BooleanField()
    max_copies = models.PositiveIntegerField(
        null=True, blank=True, help_text="Copies/impressions allowed; empty = unlimited."
    )
    merchandise = models.BooleanField(help_text="Products for resale (prints, mugs, shirts).")
    derivatives = models.BooleanField(
        default=False,
        help_text="The licensee may make edited versions (variations, inpaints, upscales).",
    )
    derivative_resale = models.BooleanField(
        default=False, help_text="…and sell or license those edited versions to others."
    )
    indemnity_amount = models.PositiveIntegerField(help_text="Minor units; 0 = none.")
    indemnity_currency = models.CharField(max_length=3, default=Currency.USD)
    transfers_copyright = models.BooleanField(
        default=False, help_text="Exclusive buy-out: the ownership record moves to the buyer."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TermsQuerySet.as_manager()

    class Meta:
        ordering = ["tier__rank", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "version"], name="terms_tier_version_unique"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="terms_version_gte_1"),
            models.CheckConstraint(
                condition=~models.Q(body="") & ~models.Q(sha256=""), name="terms_body_and_hash"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tier_id and self.tier.name} terms v{self.version}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError("Terms versions are immutable; publish a new version instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("Terms versions are immutable; they cannot be deleted.")


class ListingOffer(models.Model):
    """A tier a creator offers on a listing, at a price in minor units.

    A listing without any offer rows offers the standard tier at its own `price_amount`
    (see licensing.selectors.grants.listing_offers); the first `licence_offers_set` call
    replaces that implicit offer with explicit rows.
    """

    listing = models.ForeignKey(
        "marketplace.Listing", on_delete=models.CASCADE, related_name="licence_offers"
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="offers")
    price_amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tier__rank"]
        constraints = [
            models.UniqueConstraint(fields=["listing", "tier"], name="listing_offer_unique"),
            models.CheckConstraint(
                condition=models.Q(price_amount__gte=MIN_PRICE_MINOR)
                & models.Q(price_amount__lte=MAX_PRICE_MINOR),
                name="listing_offer_price_range",
            ),
            models.CheckConstraint(
                condition=models.Q(currency__in=Currency.values),
                name="listing_offer_currency_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.listing_id}: {self.tier_id and self.tier.code} {self.price_amount}"


class ExclusiveHold(models.Model):
    """A buyer's reservation of a listing's exclusive while they pay. One row per listing
    (unique), so at most one live hold; an expired one is replaced by the next buyer."""

    listing = models.OneToOneField(
        "marketplace.Listing", on_delete=models.CASCADE, related_name="exclusive_hold"
    )
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    order_ref = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Hold on {self.listing_id} for {self.order_ref} until {self.expires_at:%H:%M}"


class GrantStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    REVOKED = "revoked", "Revoked"
    REFUNDED = "refunded", "Refunded"


class LicenceGrant(models.Model):
    """A licence a buyer holds: a listing's pieces at one tier, under one terms version."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    listing = models.ForeignKey(
        "marketplace.Listing",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="licence_grants",
        help_text="Empty for a commission: the pieces were made for the licensee.",
    )
    style_version = models.ForeignKey(
        "generation.StyleVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="licence_grants",
        help_text="Set for a commissioned work: the creator style it was made in.",
    )
    piece = models.ForeignKey(
        "generation.Piece",
        on_delete=models.PROTECT,
        related_name="licence_grants",
        help_text="The listing's cover piece (shown on the certificate).",
    )
    pieces = models.ManyToManyField(
        "generation.Piece", related_name="covering_grants", help_text="Every piece covered."
    )
    licensee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="licence_grants"
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="grants")
    exclusive = models.BooleanField(default=False, help_text="Copied from the tier.")
    terms = models.ForeignKey(TermsVersion, on_delete=models.PROTECT, related_name="grants")
    terms_version = models.PositiveIntegerField()
    terms_sha256 = models.CharField(max_length=64)
    price_amount = models.PositiveIntegerField(help_text="Paid, minor units.")
    currency = models.CharField(max_length=3)
    order_line = models.OneToOneField(
        "payments.OrderLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="licence_grant",
    )
    order_ref = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=10, choices=GrantStatus.choices, default=GrantStatus.ACTIVE
    )
    issued_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        indexes = [
            models.Index(fields=["licensee", "-issued_at"], name="grant_licensee_idx"),
            models.Index(fields=["listing", "status"], name="grant_listing_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=GrantStatus.values), name="grant_status_valid"
            ),
            # The last line of defence for exclusives: two active ones cannot both commit.
            models.UniqueConstraint(
                fields=["listing"],
                condition=models.Q(exclusive=True, status="active"),
                name="grant_one_active_exclusive_per_listing",
            ),
            models.CheckConstraint(
                condition=models.Q(listing__isnull=False) | models.Q(order_line__isnull=False),
                name="grant_listing_or_commission_line",
            ),
            models.CheckConstraint(
                condition=models.Q(status="active", revoked_at__isnull=True)
                | (~models.Q(status="active") & models.Q(revoked_at__isnull=False)),
                name="grant_revoked_at_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tier_id and self.tier.name} licence {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status == GrantStatus.ACTIVE

    @property
    def work_title(self) -> str:
        """What the certificate names as the work: the listing, or the commission."""
        if self.listing_id is not None:
            return self.listing.title
        if self.order_line_id is not None:
            return self.order_line.description
        return "Commissioned work"

    def get_certificate_pdf_url(self) -> str:
        return reverse("licensing:certificate_pdf", kwargs={"grant_id": self.pk})


class GrantEvent(StatusHistory):
    """Append-only history of a grant: issue and every status change."""

    history_of = "grant"

    grant = models.ForeignKey(LicenceGrant, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    reason = models.TextField(max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)


class Certificate(models.Model):
    """The public identity of a grant: its id is printed on the PDF and verifiable online."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    grant = models.OneToOneField(LicenceGrant, on_delete=models.PROTECT, related_name="certificate")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Certificate {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("licensing:certificate_verify", kwargs={"certificate_id": self.pk})
