"""Use cases that write accounts. Each is atomic and records an AccountEvent."""

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from core.errors import ApplicationError
from core.images import avatar_to_png
from marketplace.models import AccountEvent, User
from marketplace.selectors.accounts import email_taken

EMAIL_TAKEN = "A user is already registered with this email address."  # allauth's wording


@transaction.atomic
def user_create(
    *, email: str, password: str, display_name: str = "", email_verified: bool = False
) -> User:
    """A new account. Signups leave the address to allauth, which sends the verification
    mail; `email_verified=True` is for accounts whose address is known good (the demo)."""
    email = User.objects.normalize_email(email).strip().lower()
    if email_taken(email=email):
        raise ApplicationError(EMAIL_TAKEN, field="email")
    user = User(email=email, display_name=display_name.strip())
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), field="password1") from None
    user.set_password(password)
    # Uniqueness is `email_taken` above and the constraint below, not a third query.
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Two signups with one email raced past the check; the constraint decided.
        raise ApplicationError(EMAIL_TAKEN, field="email") from None
    if email_verified:
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    AccountEvent.objects.create(user=user, actor=user, kind=AccountEvent.Kind.SIGNED_UP)
    return user


@transaction.atomic(durable=True)
def user_update_profile(*, user: User, display_name: str, bio: str) -> User:
    user.display_name = display_name.strip()
    user.bio = bio.strip()
    user.full_clean(exclude=["password"], validate_constraints=False)
    user.save(update_fields=["display_name", "bio"])
    AccountEvent.objects.create(user=user, actor=user, kind=AccountEvent.Kind.PROFILE_UPDATED)
    return user


@transaction.atomic
def creator_onboard(
    *, user: User, display_name: str, bio: str, avatar: Image.Image | None = None
) -> User:
    """Turn a buyer into a creator with a public name, a bio and optionally an avatar."""
    if not display_name.strip():
        raise ApplicationError(
            "Creators need a display name buyers will see.", field="display_name"
        )
    user.display_name = display_name.strip()
    user.bio = bio.strip()
    fields = ["display_name", "bio"]
    if avatar is not None:
        old_avatar = user.avatar.name if user.avatar else ""
        user.avatar.save(f"{user.pk}.png", avatar_to_png(avatar), save=False)
        fields.append("avatar")
        if old_avatar:
            storage = user.avatar.storage
            transaction.on_commit(lambda: storage.delete(old_avatar))
    became_creator = not user.is_creator
    if became_creator:
        user.is_creator = True
        user.creator_since = timezone.now()
        fields += ["is_creator", "creator_since"]
    user.full_clean(exclude=["password", "avatar"], validate_constraints=False)
    user.save(update_fields=fields)
    kind = AccountEvent.Kind.BECAME_CREATOR if became_creator else AccountEvent.Kind.PROFILE_UPDATED
    AccountEvent.objects.create(user=user, actor=user, kind=kind)
    return user


@transaction.atomic
def moderator_set(*, user: User, is_moderator: bool, actor: User) -> User:
    """Grant or revoke the moderator role; moderators are staff by invariant."""
    if not actor.is_superuser:
        raise ApplicationError("Only administrators can change moderator roles.")
    if user.is_moderator == is_moderator:
        return user
    user.is_moderator = is_moderator
    user.is_staff = is_moderator or user.is_superuser
    user.save(update_fields=["is_moderator", "is_staff"])
    kind = (
        AccountEvent.Kind.MODERATOR_GRANTED if is_moderator else AccountEvent.Kind.MODERATOR_REVOKED
    )
    AccountEvent.objects.create(user=user, actor=actor, kind=kind)
    return user
