"""Accounts and listings. A user is always a buyer; creator and moderator are roles switched
on explicitly. Listings offer pieces for sale; every status change is a ListingEvent row."""

import uuid

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.postgres.search import SearchVectorField
from django.core.files.storage import storages
from django.db import models
from django.db.models.functions import Lower

from core.models import StatusHistory


def previews_storage():
    """Avatars are public, so they live with the public previews."""
    return storages["previews"]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True, is_moderator=True)
        return self._create(email, password, **fields)


class User(AbstractUser):
    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=60, blank=True)
    bio = models.TextField(max_length=2000, blank=True)
    avatar = models.ImageField(upload_to="avatars/", storage=previews_storage, blank=True)
    is_creator = models.BooleanField(default=False)
    creator_since = models.DateTimeField(null=True, blank=True)
    is_moderator = models.BooleanField(
        default=False, help_text="Moderators review disputes and reports; they must be staff."
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(is_moderator=False) | models.Q(is_staff=True),
                name="user_moderator_is_staff",
            ),
            models.CheckConstraint(
                condition=models.Q(is_creator=False) | models.Q(creator_since__isnull=False),
                name="user_creator_has_since",
            ),
        ]

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        return self.display_name or self.email.split("@", 1)[0]

    @property
    def roles(self) -> list[str]:
        roles = ["buyer"]
        if self.is_creator:
            roles.append("creator")
        if self.is_moderator:
            roles.append("moderator")
        return roles


class AccountEvent(models.Model):
    """Append-only history of what happened to an account (signup, role changes, edits)."""

    class Kind(models.TextChoices):
        SIGNED_UP = "signed_up", "Signed up"
        PROFILE_UPDATED = "profile_updated", "Profile updated"
        BECAME_CREATOR = "became_creator", "Became a creator"
        MODERATOR_GRANTED = "moderator_granted", "Moderator role granted"
        MODERATOR_REVOKED = "moderator_revoked", "Moderator role revoked"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


# --- Listings -------------------------------------------------------------------------------

MAX_PIECES_PER_LISTING = 12
MAX_TAGS_PER_LISTING = 10
MIN_PRICE_MINOR = 50  # card processors refuse smaller charges
MAX_PRICE_MINOR = 10_000_000


class ListingStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    SUSPENDED = "suspended", "Suspended"
    SOLD_EXCLUSIVE = "sold_exclusive", "Sold (exclusive)"


class ListingCategory(models.TextChoices):
    ILLUSTRATION = "illustration", "Illustration"
    LANDSCAPE = "landscape", "Landscape"
    PORTRAIT = "portrait", "Portrait"
    ABSTRACT = "abstract", "Abstract"
    CONCEPT_ART = "concept_art", "Concept art"
    PATTERN = "pattern", "Pattern & texture"
    PHOTOREAL = "photoreal", "Photorealistic"
    OTHER = "other", "Other"


class Orientation(models.TextChoices):
    LANDSCAPE = "landscape", "Landscape"
    PORTRAIT = "portrait", "Portrait"
    SQUARE = "square", "Square"


class Currency(models.TextChoices):
    USD = "USD", "US dollar"
    EUR = "EUR", "Euro"
    GBP = "GBP", "Pound sterling"


class Tag(models.Model):
    """A normalised tag (lower-case slug). Listings join through an indexed M2M table, so a
    tag filter is an index lookup on SQLite and PostgreSQL alike."""

    name = models.SlugField(max_length=30, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Listing(models.Model):
    """A creator's offer of one or more pieces. Status changes are ListingEvent rows."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    creator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="listings")
    title = models.CharField(max_length=120)
    description = models.TextField(max_length=5000, blank=True)
    tags = models.ManyToManyField(Tag, related_name="listings", blank=True)
    category = models.CharField(max_length=20, choices=ListingCategory.choices)
    status = models.CharField(
        max_length=20, choices=ListingStatus.choices, default=ListingStatus.DRAFT
    )
    # The standard tier's price when the listing has no offer rows, in minor units (cents).
    price_amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    pieces = models.ManyToManyField(
        "generation.Piece", through="ListingPiece", related_name="listings"
    )
    # Denormalised from the first piece so grids and filters need no joins.
    cover = models.ForeignKey(
        "generation.Piece", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    orientation = models.CharField(max_length=10, choices=Orientation.choices)
    engine = models.CharField(max_length=40)
    # Title, description, tags and public prompts: searched with icontains on SQLite; on
    # PostgreSQL through `search_vector` (its tsvector, GIN-indexed in migration 0002; NULL on
    # SQLite). See marketplace/search.py.
    search_document = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, blank=True, editable=False)
    # float32[384] MiniLM embedding of title + tags + prompt, written by a Celery task.
    embedding = models.BinaryField(null=True, blank=True, editable=False)
    view_count = models.PositiveIntegerField(default=0)
    favourite_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="Most recent publication; kept when unpublished."
    )

    class Meta:
        ordering = ["-published_at", "-created_at"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="listing_newest_idx"),
            models.Index(fields=["status", "price_amount"], name="listing_price_idx"),
            models.Index(
                fields=["status", "-favourite_count", "-view_count"], name="listing_popular_idx"
            ),
            models.Index(
                fields=["status", "category", "-published_at"], name="listing_category_idx"
            ),
            models.Index(fields=["creator", "status"], name="listing_creator_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ListingStatus.values), name="listing_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(category__in=ListingCategory.values),
                name="listing_category_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(price_amount__gte=MIN_PRICE_MINOR)
                & models.Q(price_amount__lte=MAX_PRICE_MINOR),
                name="listing_price_range",
            ),
            models.CheckConstraint(
                condition=models.Q(currency__in=Currency.values), name="listing_currency_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ListingStatus.PUBLISHED)
                | models.Q(published_at__isnull=False, cover__isnull=False),
                name="listing_published_has_date_and_cover",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status in (ListingStatus.PUBLISHED, ListingStatus.SOLD_EXCLUSIVE)

    @property
    def pieces_locked(self) -> bool:
        """Once buyers could see a listing, its pieces no longer change."""
        return self.published_at is not None


class ListingPiece(models.Model):
    """A piece in a listing. A piece belongs to at most one listing, ever (unique), so a
    licence sold through a listing always points at one offer of that image."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="listing_pieces")
    piece = models.ForeignKey(
        "generation.Piece", on_delete=models.PROTECT, related_name="listing_piece"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["listing", "position"]
        constraints = [
            models.UniqueConstraint(fields=["piece"], name="listing_piece_once"),
            models.UniqueConstraint(
                fields=["listing", "position"], name="listing_piece_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.listing_id} #{self.position}: {self.piece_id}"


class ListingEvent(StatusHistory):
    """Append-only publication history: creation and every status change."""

    history_of = "listing"

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="events")
    reason = models.TextField(max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)


class Favourite(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="favourites")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="favourites")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "listing"], name="favourite_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.listing_id}"


# --- Follows --------------------------------------------------------------------------------


class Follow(models.Model):
    """A user following a creator or a style (exactly one): their new listings reach the
    follower's home feed and notifications. Follows never count towards "popular"."""

    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follows")
    creator = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="followers"
    )
    style = models.ForeignKey(
        "generation.Style",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="followers",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(creator__isnull=False, style__isnull=True)
                | models.Q(creator__isnull=True, style__isnull=False),
                name="follow_one_target",
            ),
            models.CheckConstraint(
                condition=~models.Q(follower=models.F("creator")), name="follow_not_self"
            ),
            models.UniqueConstraint(
                fields=["follower", "creator"],
                condition=models.Q(creator__isnull=False),
                name="follow_creator_once",
            ),
            models.UniqueConstraint(
                fields=["follower", "style"],
                condition=models.Q(style__isnull=False),
                name="follow_style_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} → {self.creator_id or self.style_id}"


# --- Collections ----------------------------------------------------------------------------


class Collection(models.Model):
    """A person's curated list of listings: private by default, shareable by URL once
    public. It holds listings only, never what its owner bought."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="collections")
    title = models.CharField(max_length=120)
    description = models.TextField(max_length=1000, blank=True)
    is_public = models.BooleanField(
        default=False, help_text="Public collections can be opened by anyone with the link."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-created_at"]
        indexes = [models.Index(fields=["owner", "-updated_at"], name="collection_owner_idx")]

    def __str__(self) -> str:
        return self.title


class CollectionItem(models.Model):
    """A listing in a collection at a dense position 0..n-1 (marketplace.services.collections
    keeps it dense under a lock on the collection row)."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["collection", "position"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "listing"], name="collection_item_once"),
            models.UniqueConstraint(
                fields=["collection", "position"], name="collection_item_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.collection_id} #{self.position}: {self.listing_id}"
