"""A user's data: export everything as a zip (JSON + their files); delete the account.

Deletion pseudonymises instead of deleting rows: pieces, provenance records, ledger entries
(append-only, hash-chained), licence grants, commissions and prepaid-credit entries must
survive, because licensees keep the rights they bought, the ledger cannot lose an entry and
money records are kept. What identifies the person goes: email, name, bio, avatar, brief
reference images, password, favourites, follows, collections, notifications; the account
is deactivated. It is refused while the user holds prepaid credit or a commission is
mid-payment or mid-work.
The rows of the apps above marketplace (licences, orders, credit, commissions, disputes) are
exported and erased by those apps, through the hooks in marketplace/hooks.py.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.files.storage import storages
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import ApplicationError
from core.models import Notification
from generation.models import GenerationJob, JobStatus, Piece, PromptReview
from generation.services.erasure import job_sources_erase
from generation.services.jobs import job_cancel
from marketplace.hooks import (
    AccountData,
    account_erase,
    account_erase_check,
    account_export_files,
    account_export_sections,
    export_rows,
)
from marketplace.models import (
    AccountEvent,
    Collection,
    CollectionItem,
    Favourite,
    Follow,
    Listing,
    ListingStatus,
    User,
)
from marketplace.services.listings import listing_unpublish
from provenance.models import ProvenanceRecord

DELETED_CREATOR = "Deleted creator"
DELETED_USER = "Deleted user"
DELETED_DOMAIN = "invalid"


def is_deleted(user: User) -> bool:
    return user.email.endswith(f"@{DELETED_DOMAIN}") and not user.is_active


def account_export_data(*, user: User) -> dict[str, Any]:
    """Everything we hold about `user`, as plain JSON-able data."""
    pieces = Piece.objects.filter(owner=user).order_by("created_at")
    data = {
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
        "account_events": export_rows(user.events.all(), "kind", "data", "created_at"),
        "email_addresses": export_rows(user.emailaddress_set.all(), "email", "primary", "verified"),
        "second_factors": export_rows(user.authenticator_set.all(), "type", "created_at"),
        "jobs": export_rows(
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
            "edit_kind",
            "parent_piece_id",
            "strength",
            "upscale_factor",
            "source_sha256",
            "status",
            "created_at",
            "finished_at",
        ),
        "pieces": export_rows(
            pieces, "id", "job_id", "parent_id", "seed", "width", "height", "sha256", "created_at"
        ),
        "prompt_reviews": export_rows(
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
        "provenance_records": export_rows(
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
        "listings": export_rows(
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
        "favourites": export_rows(Favourite.objects.filter(user=user), "listing_id", "created_at"),
        "follows": export_rows(
            Follow.objects.filter(follower=user), "creator_id", "style_id", "created_at"
        ),
        "collections": export_rows(
            Collection.objects.filter(owner=user),
            "id",
            "title",
            "description",
            "is_public",
            "created_at",
        ),
        "collection_items": export_rows(
            CollectionItem.objects.filter(collection__owner=user).order_by(
                "collection", "position"
            ),
            "collection_id",
            "listing_id",
            "position",
            "added_at",
        ),
        "notifications": export_rows(
            Notification.objects.filter(user=user), "subject", "body", "url", "created_at"
        ),
    }
    for sections in account_export_sections.call(AccountData(user)):
        data.update(sections)
    return data


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
            "listings, collections, licences, orders, commissions, prepaid credit, disputes, "
            "webhook endpoints and notifications; files/ holds your avatar, the original of every "
            "piece you generated, the masks you painted for edits, the pictures you uploaded "
            "to start images from and the reference images you sent with your briefs.\n",
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
        for job in GenerationJob.objects.filter(owner=user).exclude(mask=""):
            _add_file(archive, storages["default"], job.mask.name, f"files/masks/{job.pk}.png")
        for job in GenerationJob.objects.filter(owner=user).exclude(source_upload=""):
            name = job.source_upload.name
            _add_file(
                archive, storages["default"], name, f"files/uploads/{name.rsplit('/', 1)[-1]}"
            )
        for files in account_export_files.call(AccountData(user)):
            for alias, name, arcname in files:
                _add_file(archive, storages[alias], name, arcname)
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
    account_erase_check.call(AccountData(user))
    account_erase.call(AccountData(user))
    for job in GenerationJob.objects.filter(
        owner=user, status__in=(JobStatus.QUEUED, JobStatus.RUNNING), cancel_requested=False
    ):
        job_cancel(job=job, actor=user)
    job_sources_erase(user=user)
    for listing in Listing.objects.filter(creator=user, status=ListingStatus.PUBLISHED):
        listing_unpublish(listing=listing, actor=user, reason="Creator deleted the account")
    Favourite.objects.filter(user=user).delete()
    Follow.objects.filter(Q(follower=user) | Q(creator=user)).delete()
    Collection.objects.filter(owner=user).delete()
    Notification.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()  # allauth's copies of the address
    Authenticator.objects.filter(user=user).delete()  # TOTP secrets, keys, recovery codes
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
