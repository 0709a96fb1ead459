"""A user's data: export everything as a zip (JSON + their files); delete the account.

Deletion pseudonymises instead of deleting rows: pieces, provenance records, ledger entries
(append-only, hash-chained), licence grants, commissions and prepaid-credit entries must
survive, because licensees keep the rights they bought, the ledger cannot lose an entry and
money records are kept. What identifies the person goes: email, name, bio, avatar, brief
reference images, password, favourites, notifications; the account is deactivated. It is
refused while the user holds prepaid credit or a commission is mid-payment or mid-work
(see privacy_commerce).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.core.files.storage import storages
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import ApplicationError
from core.models import Notification
from disputes.models import Dispute, DisputeMessage
from generation.models import GenerationJob, JobStatus, Piece, PromptReview
from generation.services.jobs import job_cancel
from licensing.models import LicenceGrant
from marketplace.models import AccountEvent, Favourite, Listing, ListingStatus, User
from marketplace.services.listings import listing_unpublish
from marketplace.services.privacy_commerce import (
    account_delete_check,
    account_delete_commissions_close,
    account_delete_references,
    buyer_references,
    commissions_export_data,
    credit_export_data,
    reference_arcname,
)
from provenance.models import ProvenanceRecord

DELETED_CREATOR = "Deleted creator"
DELETED_USER = "Deleted user"
DELETED_DOMAIN = "invalid"


def is_deleted(user: User) -> bool:
    return user.email.endswith(f"@{DELETED_DOMAIN}") and not user.is_active


def _rows(queryset, *fields) -> list[dict[str, Any]]:
    return list(queryset.values(*fields))


def account_export_data(*, user: User) -> dict[str, Any]:
    """Everything we hold about `user`, as plain JSON-able data."""
    pieces = Piece.objects.filter(owner=user).order_by("created_at")
    return {
        "exported_at": timezone.now(),
        "account": {
            "id": user.pk,
            "email": user.email,
            "display_name": user.display_name,
            "bio": user.bio,
            "roles": user.roles,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "creator_since": user.creator_since,
            "avatar": user.avatar.name or None,
        },
        "account_events": _rows(user.events.all(), "kind", "data", "created_at"),
        "jobs": _rows(
            GenerationJob.objects.filter(owner=user).order_by("created_at"),
            "id",
            "engine",
            "prompt",
            "negative_prompt",
            "seed",
            "width",
            "height",
            "steps",
            "count",
            "status",
            "created_at",
            "finished_at",
        ),
        "pieces": _rows(pieces, "id", "job_id", "seed", "width", "height", "sha256", "created_at"),
        "prompt_reviews": _rows(
            PromptReview.objects.filter(user=user).order_by("created_at"),
            "id",
            "source",
            "prompt",
            "negative_prompt",
            "category",
            "rule_id",
            "status",
            "appeal_statement",
            "decision_note",
            "created_at",
            "appealed_at",
            "decided_at",
        ),
        "provenance_records": _rows(
            ProvenanceRecord.objects.filter(creator=user),
            "piece_id",
            "creator_name",
            "prompt",
            "prompt_public",
            "seed",
            "engine_name",
            "engine_version",
            "sha256",
            "watermark_id",
            "c2pa_manifest_id",
            "created_at",
        ),
        "listings": _rows(
            Listing.objects.filter(creator=user),
            "id",
            "title",
            "description",
            "category",
            "status",
            "price_amount",
            "currency",
            "created_at",
            "published_at",
        ),
        "favourites": _rows(Favourite.objects.filter(user=user), "listing_id", "created_at"),
        "licences_held": _rows(
            LicenceGrant.objects.filter(licensee=user),
            "id",
            "listing_id",
            "tier__code",
            "terms_version",
            "terms_sha256",
            "price_amount",
            "currency",
            "status",
            "issued_at",
            "revoked_at",
        ),
        "licences_sold": _rows(
            LicenceGrant.objects.filter(listing__creator=user),
            "id",
            "listing_id",
            "tier__code",
            "price_amount",
            "currency",
            "status",
            "issued_at",
        ),
        "orders": _orders(user),
        "commissions": commissions_export_data(user=user),
        "credit_accounts": credit_export_data(user=user),
        "disputes": _rows(
            Dispute.objects.filter(Q(claimant=user) | Q(respondent=user)),
            "id",
            "kind",
            "status",
            "outcome",
            "listing_id",
            "grant_id",
            "claimant_id",
            "respondent_id",
            "statement",
            "decision",
            "created_at",
            "decided_at",
        ),
        "dispute_messages": _rows(
            DisputeMessage.objects.filter(author=user, internal=False),
            "dispute_id",
            "body",
            "created_at",
        ),
        "notifications": _rows(
            Notification.objects.filter(user=user), "subject", "body", "url", "created_at"
        ),
    }


def _orders(user: User) -> list[dict[str, Any]]:
    from payments.models import Order

    orders = []
    for order in Order.objects.filter(buyer=user).prefetch_related("lines"):
        orders.append(
            {
                "id": order.pk,
                "status": order.status,
                "currency": order.currency,
                "total_amount": order.total_amount,
                "refunded_amount": order.refunded_amount,
                "created_at": order.created_at,
                "paid_at": order.paid_at,
                "lines": [
                    {"description": line.description, "amount": line.amount}
                    for line in order.lines.all()
                ],
            }
        )
    return orders


def account_export(*, user: User) -> bytes:
    """A zip: data.json plus the avatar and the original of every piece the user made."""
    data = account_export_data(user=user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        )
        archive.writestr(
            "README.txt",
            "Your Promptfolio data. data.json holds your account, jobs, pieces, provenance, "
            "listings, licences, orders, commissions, prepaid credit, disputes and "
            "notifications; files/ holds your avatar, the original of every piece you "
            "generated and the reference images you sent with your briefs.\n",
        )
        if user.avatar:
            _add_file(archive, storages["previews"], user.avatar.name, "files/avatar.png")
        for piece in Piece.objects.filter(owner=user).order_by("created_at"):
            if piece.original:
                _add_file(
                    archive,
                    storages["default"],
                    piece.original.name,
                    f"files/pieces/{piece.pk}.png",
                )
        for reference in buyer_references(user=user):
            _add_file(
                archive, storages["default"], reference.image.name, reference_arcname(reference)
            )
    return buffer.getvalue()


def _add_file(archive: zipfile.ZipFile, storage, name: str, arcname: str) -> None:
    try:
        with storage.open(name, "rb") as handle:
            archive.writestr(arcname, handle.read())
    except (FileNotFoundError, OSError):
        archive.writestr(f"{arcname}.missing.txt", "This file is no longer in storage.\n")


@transaction.atomic
def account_delete(*, user: User, password: str) -> User:
    """Pseudonymise and deactivate the account after checking the password."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise ApplicationError("This account is already closed.")
    if not user.check_password(password):
        raise ApplicationError("That is not your password.", field="password")
    account_delete_check(user=user)
    account_delete_commissions_close(user=user)
    account_delete_references(user=user)
    for job in GenerationJob.objects.filter(
        owner=user, status__in=(JobStatus.QUEUED, JobStatus.RUNNING), cancel_requested=False
    ):
        job_cancel(job=job, acting_user=user)
    for listing in Listing.objects.filter(creator=user, status=ListingStatus.PUBLISHED):
        listing_unpublish(listing=listing, acting_user=user, reason="Creator deleted the account")
    Favourite.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()
    pseudonym = DELETED_CREATOR if user.is_creator else DELETED_USER
    ProvenanceRecord.objects.filter(creator=user).update(creator_name=pseudonym)
    if user.avatar:
        user.avatar.delete(save=False)
    user.email = f"deleted-{user.pk}@{DELETED_DOMAIN}"
    user.display_name = pseudonym
    user.bio = ""
    user.avatar = ""
    user.is_active = False
    user.is_moderator = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.save(
        update_fields=[
            "email",
            "display_name",
            "bio",
            "avatar",
            "is_active",
            "is_moderator",
            "is_staff",
            "is_superuser",
            "password",
        ]
    )
    AccountEvent.objects.create(user=user, kind="account_deleted", actor=user, data={})
    return user
