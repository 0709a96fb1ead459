import io
import time

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from marketplace.models import User

PASSWORD = "a-Long-test-passphrase-42"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # base32, as allauth stores it


def totp_code(secret: str = TOTP_SECRET, *, at: float | None = None) -> str:
    """The 6-digit code an authenticator app would show now (RFC 6238, allauth's HOTP)."""
    counter = int((time.time() if at is None else at) // 30)
    return format_hotp_value(hotp_value(secret, counter))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def persist_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """A verified primary address, as every account that may buy or sell has;
        `verified=False` makes a fresh signup that has not clicked its link yet."""
        if create:
            EmailAddress.objects.create(
                user=obj, email=obj.email, primary=True, verified=extracted is not False
            )

    @factory.post_generation
    def totp(obj, create, extracted, **kwargs):
        """Moderators must have a second factor; `totp=False` makes one who has not yet."""
        if create and (extracted or (obj.is_moderator and extracted is None)):
            TOTP.activate(obj, TOTP_SECRET)

    class Params:
        creator = factory.Trait(is_creator=True, creator_since=factory.LazyFunction(timezone.now))
        moderator = factory.Trait(is_moderator=True, is_staff=True)


def image_upload(
    *, name: str = "avatar.png", size: tuple[int, int] = (64, 48), fmt: str = "PNG"
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 90)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")
