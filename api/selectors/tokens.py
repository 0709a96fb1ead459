"""Reads for the token list on the profile page."""

from django.db.models import QuerySet

from api.models import ApiToken


def tokens_for_user(*, user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


def token_for_user(*, user, token_id) -> ApiToken | None:
    return ApiToken.objects.filter(user=user, pk=token_id).first()
