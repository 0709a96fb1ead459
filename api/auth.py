"""Who is calling: a personal access token (Bearer) or the site's own session cookie.

Both count against the per-person request rate; a token also against its own. A session
carries every scope (it is the person at the keyboard); a token only those it was given.
"""

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from api.services.rate_limits import api_rate_take
from api.services.tokens import token_authenticate
from core.errors import ApplicationError


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        api_token = token_authenticate(raw=token)
        if api_token is None:
            return None
        api_rate_take(user_id=api_token.user_id, token_id=api_token.pk)
        request.user = api_token.user
        request.api_token = api_token
        return api_token


class SiteSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        if user is None:
            return None
        api_rate_take(user_id=user.pk)
        request.api_token = None
        return user


def require_scope(request: HttpRequest, scope: str) -> None:
    """Refuse a token that was not given `scope` (403, code insufficient_scope)."""
    token = getattr(request, "api_token", None)
    if token is not None and not token.allows(scope):
        raise ApplicationError(f"This token lacks the {scope!r} scope.", code="insufficient_scope")


AUTH = [TokenAuth(), SiteSessionAuth()]
