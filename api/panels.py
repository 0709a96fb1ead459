"""The API's panel on the profile page: tokens, limits, the docs link."""

from api.forms import TokenForm
from api.selectors.tokens import tokens_for_user
from api.services.rate_limits import rate_limits
from core import panels


def profile_tokens(request, user) -> dict | None:
    if not request.user.is_authenticated or request.user.pk != user.pk:
        return None
    return {"tokens": tokens_for_user(user=user), "form": TokenForm(), "limits": rate_limits()}


def connect() -> None:
    panels.register("profile", template="api/panels/tokens.html", context=profile_tokens)
