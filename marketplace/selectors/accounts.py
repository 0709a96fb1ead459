from marketplace.models import User


def email_taken(*, email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()
