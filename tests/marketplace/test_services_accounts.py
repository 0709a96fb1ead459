import pytest
from PIL import Image

from core.errors import ApplicationError
from marketplace.models import AccountEvent, User
from marketplace.services.accounts import (
    creator_onboard,
    moderator_set,
    user_create,
    user_update_profile,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_create_normalises_email_and_records_signup(password):
    user = user_create(email="  Ada@Example.COM ", password=password, display_name=" Ada ")

    assert user.email == "ada@example.com"
    assert user.display_name == "Ada"
    assert user.check_password(password)
    assert user.roles == ["buyer"]
    assert list(user.events.values_list("kind", flat=True)) == [AccountEvent.Kind.SIGNED_UP]


def test_user_create_refuses_duplicate_email_case_insensitively(password):
    user_create(email="ada@example.com", password=password)

    with pytest.raises(ApplicationError) as error:
        user_create(email="ADA@example.com", password=password)

    assert error.value.field == "email"
    assert User.objects.count() == 1


@pytest.mark.parametrize("weak", ["short1", "password123", "12345678901"])
def test_user_create_refuses_weak_passwords(weak):
    with pytest.raises(ApplicationError) as error:
        user_create(email="ada@example.com", password=weak)

    assert error.value.field == "password1"
    assert not User.objects.exists()


def test_update_profile_saves_and_records_event():
    user = UserFactory()

    user_update_profile(user=user, display_name=" New name ", bio=" Hello ")

    user.refresh_from_db()
    assert (user.display_name, user.bio) == ("New name", "Hello")
    assert user.events.filter(kind=AccountEvent.Kind.PROFILE_UPDATED).count() == 1


def test_creator_onboard_grants_role_once_and_reencodes_avatar():
    user = UserFactory()
    avatar = Image.new("RGB", (900, 300), (10, 200, 30))

    creator_onboard(user=user, display_name="Studio", bio="I paint", avatar=avatar)
    first_since = user.creator_since
    creator_onboard(user=user, display_name="Studio 2", bio="")

    user.refresh_from_db()
    assert user.is_creator and user.creator_since == first_since
    assert user.roles == ["buyer", "creator"]
    with user.avatar.open("rb") as handle:
        stored = Image.open(handle)
        assert (stored.format, stored.size) == ("PNG", (512, 512))
    kinds = list(user.events.order_by("id").values_list("kind", flat=True))
    assert kinds == [AccountEvent.Kind.BECAME_CREATOR, AccountEvent.Kind.PROFILE_UPDATED]


def test_creator_onboard_requires_display_name():
    user = UserFactory()

    with pytest.raises(ApplicationError):
        creator_onboard(user=user, display_name="  ", bio="")

    user.refresh_from_db()
    assert not user.is_creator


def test_moderator_role_is_staff_and_only_admins_grant_it():
    admin = UserFactory(is_superuser=True, is_staff=True)
    user = UserFactory()
    other = UserFactory()

    with pytest.raises(ApplicationError):
        moderator_set(user=user, is_moderator=True, actor=other)
    moderator_set(user=user, is_moderator=True, actor=admin)

    user.refresh_from_db()
    assert user.is_moderator and user.is_staff
    assert user.events.get().actor == admin
    moderator_set(user=user, is_moderator=False, actor=admin)
    user.refresh_from_db()
    assert not user.is_moderator and not user.is_staff
