from allauth.account.models import EmailAddress

from marketplace.models import User


def email_taken(*, email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()


def email_verified(*, user: User) -> bool:
    """Has this person confirmed an email address? Needed to buy, sell or cash out."""
    return EmailAddress.objects.filter(user=user, verified=True).exists()
