"""Accounts. A user is always a buyer; creator and moderator are roles switched on explicitly."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.files.storage import storages
from django.db import models
from django.db.models.functions import Lower


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
