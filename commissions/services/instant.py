"""Instant commission: a buyer's prompt rendered in a creator's style, paid up front."""

from django.contrib.auth import get_user_model
from django.db import transaction

from commissions.models import Commission, CommissionKind, CommissionStatus
from commissions.services.payment import commission_order_create
from commissions.services.status import commission_set_status
from core.errors import ApplicationError, PermissionDeniedError
from generation.engines.base import MAX_NEGATIVE_PROMPT_CHARS, MAX_PROMPT_CHARS
from generation.models import MAX_IMAGES_PER_JOB, PromptSource, Style
from generation.services.prompt_reviews import prompt_screen
from generation.services.styles import style_version_for_commission
from payments.models import Order
from payments.services.checkout import checkout_rate_limit_take, checkout_session_open

User = get_user_model()


def commission_instant_create(
    *, buyer: User, style: Style, prompt: str, negative_prompt: str = "", count: int = 1
) -> tuple[Commission, Order]:
    """Refuse what can be refused before payment; write the commission and its order. The
    prompt policy screens the buyer's text first (a refusal keeps only its review row)."""
    if not getattr(buyer, "is_authenticated", False):
        raise PermissionDeniedError("Log in to commission a style.")
    prompt_screen(
        user=buyer,
        prompt=prompt,
        negative_prompt=negative_prompt,
        source=PromptSource.STYLE_COMMISSION,
        style=style,  # names protected only in this style are refused before payment
    )
    return _commission_instant_create(
        buyer=buyer, style=style, prompt=prompt, negative_prompt=negative_prompt, count=count
    )


@transaction.atomic
def _commission_instant_create(
    *, buyer: User, style: Style, prompt: str, negative_prompt: str, count: int
) -> tuple[Commission, Order]:
    style = Style.objects.select_for_update().get(pk=style.pk)
    version = style_version_for_commission(style=style, buyer=buyer)
    prompt, negative_prompt = prompt.strip(), negative_prompt.strip()
    if not prompt:
        raise ApplicationError("Describe what you want in this style.", field="prompt")
    if len(prompt) > MAX_PROMPT_CHARS or len(negative_prompt) > MAX_NEGATIVE_PROMPT_CHARS:
        raise ApplicationError("The prompt is too long.", field="prompt")
    composed, _ = version.compose(prompt=prompt, negative_prompt=negative_prompt)
    if len(composed) > MAX_PROMPT_CHARS:
        raise ApplicationError("The prompt is too long for this style.", field="prompt")
    if not 1 <= count <= MAX_IMAGES_PER_JOB:
        raise ApplicationError(f"Choose between 1 and {MAX_IMAGES_PER_JOB} images.", field="count")
    commission = Commission(
        kind=CommissionKind.INSTANT,
        buyer=buyer,
        creator=style.creator,
        status=CommissionStatus.AWAITING_PAYMENT,
        style_version=version,
        prompt=prompt,
        negative_prompt=negative_prompt,
        count=count,
        currency=style.currency,
        tier_code=style.tier_code,
    )
    commission.full_clean(exclude=["order_line", "job"])
    commission.save(force_insert=True)
    order = commission_order_create(
        commission=commission,
        amount=style.price_amount * count,
        description=f"{count} × {style.title} (commission, {style.tier_code} licence)",
    )
    commission.save(update_fields=["order_line"])
    commission.status = ""  # the first history row starts from nothing, like a brief's
    commission_set_status(
        commission=commission,
        status=CommissionStatus.AWAITING_PAYMENT,
        source="user",
        actor=buyer,
        message=f"style v{version.number}, {count} image(s)",
    )
    return commission, order


def commission_instant_checkout(
    *,
    buyer: User,
    style: Style,
    prompt: str,
    negative_prompt: str = "",
    count: int = 1,
    success_url: str,
    cancel_url: str,
) -> tuple[Commission, Order]:
    checkout_rate_limit_take(buyer=buyer)  # before the commission and its order are written
    commission, order = commission_instant_create(
        buyer=buyer, style=style, prompt=prompt, negative_prompt=negative_prompt, count=count
    )
    order = checkout_session_open(
        order=order, buyer=buyer, success_url=success_url, cancel_url=cancel_url
    )
    return commission, order
