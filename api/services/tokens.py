"""Personal access tokens: issue (the secret is shown once), authenticate, revoke."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from api.models import SCOPE_CHOICES, ApiToken
from core.errors import ApplicationError

User = get_user_model()

TOKEN_TAG = "pf"
# last_used_at is a hint for the owner, not an audit trail: write it at most this often.
LAST_USED_RESOLUTION = timedelta(minutes=1)
KNOWN_SCOPES = {code for code, _ in SCOPE_CHOICES}


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str  # shown to the owner once, never stored


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _split(raw: str) -> tuple[str, str] | None:
    """`pf_<prefix>_<secret>` → (prefix, secret); None for anything else."""
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_TAG or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


@transaction.atomic
def token_create(*, user: User, name: str, scopes: list[str]) -> IssuedToken:
    name = name.strip()
    if not name:
        raise ApplicationError("Give the token a name you will recognise.", field="name")
    unknown = set(scopes) - KNOWN_SCOPES
    if unknown or not scopes:
        raise ApplicationError("Choose at least one scope: read or generate.", field="scopes")
    active = ApiToken.objects.select_for_update().filter(user=user, revoked_at=None)
    if len(active) >= settings.API_MAX_TOKENS_PER_USER:
        raise ApplicationError(
            f"You have {settings.API_MAX_TOKENS_PER_USER} active tokens; revoke one first.",
            field="name",
        )
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        secret_sha256=_sha256(secret),
        scopes=sorted(set(scopes)),
    )
    return IssuedToken(token=token, plaintext=f"{TOKEN_TAG}_{prefix}_{secret}")


def token_authenticate(*, raw: str, now=None) -> ApiToken | None:
    """The active token `raw` names (its user loaded), or None. Compared in constant time;
    touches `last_used_at` at most once a minute."""
    parts = _split(raw)
    if parts is None:
        return None
    prefix, secret = parts
    token = (
        ApiToken.objects.select_related("user")
        .filter(prefix=prefix, revoked_at=None, user__is_active=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_sha256, _sha256(secret)):
        return None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke at once: the next request with it is refused. Revoking twice is harmless."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != actor.pk:
        raise ApplicationError("No such token.", code="not_found")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
