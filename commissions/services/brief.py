"""Brief commission: brief → quote or decline → payment into escrow → delivery → accept
(licence + creator transfer) or a bounded number of revisions; silence past the review
deadline accepts (`briefs_auto_accept`, run by beat and `manage.py commissions_sweep`)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from commissions.hooks import held_commissions_q
from commissions.models import (
    REVIEW_DAYS,
    Commission,
    CommissionKind,
    CommissionReference,
    CommissionStatus,
)
from commissions.services.payment import commission_order_create, commission_release_and_grant
from commissions.services.status import (
    commission_lock,
    commission_set_status,
    require_status,
)
from core.errors import ApplicationError, PermissionDeniedError
from core.images import CleanImage, image_without_metadata, open_untrusted_image
from core.uploads import upload_sha256
from generation.models import JobStatus, Piece, PromptSource
from generation.services.prompt_reviews import prompt_screen
from licensing.services.grants import LicenceNotIssuable
from marketplace.models import MAX_PRICE_MINOR, MIN_PRICE_MINOR
from payments.models import Order
from payments.services.checkout import checkout_rate_limit_take, checkout_session_open

User = get_user_model()

logger = logging.getLogger(__name__)

MAX_REFERENCES = 4
MAX_REFERENCE_BYTES = 8 * 1024 * 1024
MAX_REFERENCE_PIXELS = 4096 * 4096
MAX_DELIVERED = 8


def _check_amount(amount: int | None, field: str) -> int:
    if amount is None or not MIN_PRICE_MINOR <= amount <= MAX_PRICE_MINOR:
        raise ApplicationError(
            f"Enter an amount between {MIN_PRICE_MINOR / 100:.2f} and "
            f"{MAX_PRICE_MINOR / 100:,.2f}.",
            field=field,
        )
    return amount


def _reference_png(upload) -> tuple[CleanImage, str]:
    """The reference re-encoded without metadata, and the SHA-256 of the bytes received."""
    try:
        image = open_untrusted_image(
            upload, max_bytes=MAX_REFERENCE_BYTES, max_pixels=MAX_REFERENCE_PIXELS
        )
    except ValidationError as error:
        raise ApplicationError(
            f"Reference {getattr(upload, 'name', '')!r}: {error.messages[0]}", field="references"
        ) from None
    return image_without_metadata(image), upload_sha256(upload)


def commission_brief_create(
    *,
    buyer: User,
    creator: User,
    brief: str,
    deadline,
    budget_amount: int,
    references: list | tuple = (),
    tier_code: str = "standard",
) -> Commission:
    """A brief to a creator. The prompt policy screens the brief's text first (a refusal
    keeps only its review row)."""
    prompt_screen(user=buyer, prompt=brief, source=PromptSource.BRIEF, field="brief")
    return _commission_brief_create(
        buyer=buyer,
        creator=creator,
        brief=brief,
        deadline=deadline,
        budget_amount=budget_amount,
        references=references,
        tier_code=tier_code,
    )


@transaction.atomic
def _commission_brief_create(
    *,
    buyer: User,
    creator: User,
    brief: str,
    deadline,
    budget_amount: int,
    references: list | tuple,
    tier_code: str,
) -> Commission:
    if not creator.is_creator:
        raise ApplicationError("This person does not take commissions.", code="not_creator")
    if creator.pk == buyer.pk:
        raise ApplicationError("You cannot send a brief to yourself.", code="own_brief")
    if not brief.strip():
        raise ApplicationError("Describe what you would like made.", field="brief")
    if deadline is None or deadline <= timezone.now():
        raise ApplicationError("The deadline must be in the future.", field="deadline")
    _check_amount(budget_amount, "budget_amount")
    if len(references) > MAX_REFERENCES:
        raise ApplicationError(
            f"Attach at most {MAX_REFERENCES} reference images.", field="references"
        )
    files = [_reference_png(upload) for upload in references]  # all checked before writing
    commission = Commission(
        kind=CommissionKind.BRIEF,
        buyer=buyer,
        creator=creator,
        status=CommissionStatus.REQUESTED,
        brief=brief.strip(),
        deadline=deadline,
        budget_amount=budget_amount,
        tier_code=tier_code,
    )
    commission.full_clean(exclude=["order_line", "job"])
    commission.save(force_insert=True)
    for clean, original_sha256 in files:
        CommissionReference.objects.create(
            commission=commission,
            image=clean.content(name="reference.png"),
            width=clean.width,
            height=clean.height,
            original_sha256=original_sha256,
        )
    commission.status = ""
    return commission_set_status(
        commission=commission, status=CommissionStatus.REQUESTED, source="user", actor=buyer
    )


def _as_creator(commission: Commission, user: User) -> Commission:
    if commission.creator_id != user.pk:
        raise PermissionDeniedError("Only the creator can do this.")
    return commission_lock(commission)


def _as_buyer(commission: Commission, user: User) -> Commission:
    if commission.buyer_id != user.pk:
        raise PermissionDeniedError("Only the buyer can do this.")
    return commission_lock(commission)


@transaction.atomic(durable=True)
def commission_brief_quote(
    *, commission: Commission, actor: User, quote_amount: int, note: str = ""
) -> Commission:
    commission = _as_creator(commission, actor)
    require_status(commission, CommissionStatus.REQUESTED, action="quote")
    commission.quote_amount = _check_amount(quote_amount, "quote_amount")
    commission.quote_note = note.strip()[:2000]
    return commission_set_status(
        commission=commission,
        status=CommissionStatus.QUOTED,
        source="user",
        actor=actor,
        message=f"Quote {quote_amount / 100:.2f} {commission.currency}",
        fields=("quote_amount", "quote_note"),
    )


@transaction.atomic(durable=True)
def commission_brief_decline(
    *, commission: Commission, actor: User, reason: str = ""
) -> Commission:
    commission = _as_creator(commission, actor)
    require_status(
        commission, CommissionStatus.REQUESTED, CommissionStatus.QUOTED, action="decline"
    )
    return commission_set_status(
        commission=commission,
        status=CommissionStatus.DECLINED,
        source="user",
        actor=actor,
        message=reason.strip(),
    )


@transaction.atomic
def commission_brief_order(*, commission: Commission, buyer: User) -> Order:
    """The buyer accepts the quote: a pending order whose creator share stays in escrow."""
    commission = _as_buyer(commission, buyer)
    require_status(commission, CommissionStatus.QUOTED, action="pay for")
    if commission.deadline and commission.deadline <= timezone.now():
        raise ApplicationError("The brief's deadline has passed; send a new brief.")
    order = commission_order_create(
        commission=commission,
        amount=commission.quote_amount,
        description=f"Brief commission from {commission.creator.public_name}",
    )
    commission_set_status(
        commission=commission,
        status=CommissionStatus.AWAITING_PAYMENT,
        source="user",
        actor=buyer,
        fields=("order_line",),
    )
    return order


def commission_brief_checkout(
    *, commission: Commission, buyer: User, success_url: str, cancel_url: str
) -> Order:
    checkout_rate_limit_take(buyer=buyer)
    order = commission_brief_order(commission=commission, buyer=buyer)
    return checkout_session_open(
        order=order, buyer=buyer, success_url=success_url, cancel_url=cancel_url
    )


@transaction.atomic(durable=True)
def commission_brief_deliver(
    *, commission: Commission, actor: User, pieces: list[Piece], note: str = ""
) -> Commission:
    """The creator hands over a selection of their generated pieces for review."""
    commission = _as_creator(commission, actor)
    require_status(
        commission,
        CommissionStatus.IN_PROGRESS,
        CommissionStatus.REVISION_REQUESTED,
        action="deliver",
    )
    if not 1 <= len(pieces) <= MAX_DELIVERED:
        raise ApplicationError(f"Deliver between 1 and {MAX_DELIVERED} pieces.", field="pieces")
    for piece in pieces:
        if piece.owner_id != actor.pk or piece.job.status != JobStatus.SUCCEEDED:
            raise ApplicationError("Deliver only pieces you generated.", field="pieces")
    commission.delivered_pieces.set(pieces)
    commission.delivery_note = note.strip()[:2000]
    commission.review_deadline = timezone.now() + timedelta(
        days=getattr(settings, "COMMISSION_REVIEW_DAYS", REVIEW_DAYS)
    )
    return commission_set_status(
        commission=commission,
        status=CommissionStatus.DELIVERED,
        source="user",
        actor=actor,
        message=f"{len(pieces)} piece(s)",
        fields=("delivery_note", "review_deadline"),
    )


def _accept(commission: Commission, *, actor: User | None, source: str) -> Commission:
    pieces = list(commission.delivered_pieces.order_by("created_at"))
    try:
        with transaction.atomic():
            commission_release_and_grant(commission, pieces, actor=actor)
    except LicenceNotIssuable as error:
        raise ApplicationError(f"The licence could not be granted: {error.message}") from None
    return commission_set_status(
        commission=commission,
        status=CommissionStatus.COMPLETED,
        source=source,
        actor=actor,
        message="Delivery accepted; licence granted, creator paid.",
    )


@transaction.atomic(durable=True)
def commission_brief_accept(*, commission: Commission, actor: User) -> Commission:
    commission = _as_buyer(commission, actor)
    require_status(commission, CommissionStatus.DELIVERED, action="accept")
    return _accept(commission, actor=actor, source="user")


@transaction.atomic(durable=True)
def commission_brief_request_revision(
    *, commission: Commission, actor: User, note: str
) -> Commission:
    commission = _as_buyer(commission, actor)
    require_status(commission, CommissionStatus.DELIVERED, action="ask for a revision of")
    if commission.revisions_used >= commission.max_revisions:
        raise ApplicationError(
            f"All {commission.max_revisions} revisions were used; accept the delivery or "
            "open a dispute.",
            code="no_revisions_left",
        )
    if not note.strip():
        raise ApplicationError("Tell the creator what to change.", field="note")
    commission.revisions_used += 1
    commission.review_deadline = None
    return commission_set_status(
        commission=commission,
        status=CommissionStatus.REVISION_REQUESTED,
        source="user",
        actor=actor,
        message=note.strip(),
        fields=("revisions_used", "review_deadline"),
    )


def _disputed(commission: Commission) -> bool:
    return Commission.objects.filter(held_commissions_q(), pk=commission.pk).exists()


def briefs_auto_accept(*, now=None) -> int:
    """Deliveries not acted on before their review deadline are accepted, unless the buyer
    has an active dispute about the commission (accepted later if the case ends without a
    refund and the deadline has passed)."""
    now = now or timezone.now()
    ids = list(
        Commission.objects.filter(status=CommissionStatus.DELIVERED, review_deadline__lt=now)
        .exclude(held_commissions_q())
        .values_list("pk", flat=True)[:200]
    )
    accepted = 0
    for commission_id in ids:
        try:
            with transaction.atomic():
                commission = Commission.objects.select_for_update().get(pk=commission_id)
                # Re-checked under the lock: a dispute filed meanwhile locks this row too.
                if commission.status != CommissionStatus.DELIVERED or _disputed(commission):
                    continue
                _accept(commission, actor=None, source="sweeper")
                accepted += 1
        except ApplicationError:
            logger.exception(
                "Auto-accept of commission %s failed; retried next sweep", commission_id
            )
    return accepted
