import pytest

from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def buyer(db):
    return UserFactory()


@pytest.fixture
def creator(db):
    return UserFactory(creator=True)


@pytest.fixture
def moderator(db):
    return UserFactory(moderator=True)
