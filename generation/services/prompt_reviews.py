"""Prompt moderation use cases: screen a text, record a rejection, appeal it, decide it.

`prompt_screen` is the one door every path that starts generation from user text goes
through (commissions, retries, style recipes and samples, commissions in a style, briefs).
Call it *before* opening the caller's own transaction: the rejection is written in its own
atomic block and then raised, so the review row survives while nothing else is written.
"""

from __future__ import annotations

import hashlib
import json

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError
from core.services.notifications import notification_send
from generation.hooks import PromptRefusalUpheld, prompt_refusal_upheld
from generation.models import (
    DECIDABLE_STATUSES,
    MAX_REVIEW_TEXT,
    PromptAllowance,
    PromptReview,
    PromptReviewEvent,
    PromptReviewStatus,
    PromptSource,
    Style,
)
from generation.notification_kinds import PROMPT_REVIEWS
from generation.services.prompt_policy import Verdict, prompt_policy_check

User = get_user_model()

MIN_APPEAL = 10
MAX_APPEAL = 2000
UPHOLD, OVERTURN = "uphold", "overturn"


class PromptRejectedError(ApplicationError):
    """The policy refused the text; `review` is the recorded PromptReview. `help_url` and
    `help_label` give views the appeal link to show next to the message."""

    def __init__(self, *, review: PromptReview, field: str = "prompt"):
        state = {
            PromptReviewStatus.APPEALED: "Your appeal is waiting for a moderator.",
            PromptReviewStatus.UPHELD: "A moderator reviewed it and upheld the rejection.",
        }.get(review.status, "Nothing was created. If you think this is a mistake, appeal it.")
        super().__init__(
            f"This text was refused: it falls under our policy on "
            f"“{review.get_category_display()}” (matched “{review.matched_text}”). {state}",
            field=field,
            code="prompt_rejected",
        )
        self.review = review
        self.help_url = review.get_absolute_url()
        self.help_label = "Appeal this decision" if review.can_appeal else "See the review"


def prompt_sha256(*, prompt: str, negative_prompt: str = "") -> str:
    """What an allowance is keyed by: the exact text (surrounding whitespace aside)."""
    canonical = json.dumps([prompt.strip(), negative_prompt.strip()], ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _record(review: PromptReview, *, from_status: str, actor: User | None, note: str) -> None:
    PromptReviewEvent.objects.create(
        review=review,
        from_status=from_status,
        to_status=review.status,
        actor=actor,
        note=note[:2000],
    )


@transaction.atomic
def prompt_review_record(
    *, user: User, prompt: str, negative_prompt: str, source: str, verdict: Verdict
) -> PromptReview:
    """One review per user and exact text: a repeat of a refused text counts an attempt on
    the existing review instead of flooding the queue."""
    digest = prompt_sha256(prompt=prompt, negative_prompt=negative_prompt)
    existing = PromptReview.objects.select_for_update().filter(user=user, prompt_sha256=digest)
    review = existing.first()
    if review is None:
        review = PromptReview(
            user=user,
            source=source if source in PromptSource.values else PromptSource.COMMISSION,
            prompt=prompt.strip()[:MAX_REVIEW_TEXT],
            negative_prompt=negative_prompt.strip()[:MAX_REVIEW_TEXT],
            prompt_sha256=digest,
            category=verdict.category,
            rule_id=verdict.rule_id[:80],
            matched_text=verdict.matched[:200],
        )
        review.full_clean()
        try:
            with transaction.atomic():
                review.save(force_insert=True)
        except IntegrityError:  # the same text refused twice at once: count it on the first
            review = existing.get()
        else:
            _record(
                review,
                from_status="",
                actor=None,
                note=f"Refused by the prompt policy: rule {verdict.rule_id} "
                f"({verdict.explanation}), matched “{verdict.matched}”.",
            )
            return review
    PromptReview.objects.filter(pk=review.pk).update(attempts=F("attempts") + 1)
    review.refresh_from_db()
    return review


def prompt_screen(
    *,
    user: User,
    prompt: str,
    negative_prompt: str = "",
    source: str = PromptSource.COMMISSION,
    field: str = "prompt",
    style: Style | None = None,
) -> None:
    """Raise PromptRejectedError (after recording the review) when the policy refuses the
    text and no moderator has allowed this exact text for this user; else return. `style`:
    the style the text runs in (names protected only there apply)."""
    verdict = prompt_policy_check(prompt=prompt, negative_prompt=negative_prompt, style=style)
    if verdict is None:
        return
    digest = prompt_sha256(prompt=prompt, negative_prompt=negative_prompt)
    if PromptAllowance.objects.filter(user=user, prompt_sha256=digest).exists():
        return
    review = prompt_review_record(
        user=user,
        prompt=prompt,
        negative_prompt=negative_prompt,
        source=source,
        verdict=verdict,
    )
    raise PromptRejectedError(review=review, field=field)


def _lock(review: PromptReview) -> PromptReview:
    return PromptReview.objects.select_for_update().get(pk=review.pk)


@transaction.atomic(durable=True)
def prompt_review_appeal(*, review: PromptReview, actor: User, statement: str) -> PromptReview:
    """The owner explains why the text is fine, once; moderators are told."""
    if review.user_id != actor.pk:
        raise PermissionDeniedError("Only the person who wrote this prompt can appeal.")
    statement = statement.strip()
    if not MIN_APPEAL <= len(statement) <= MAX_APPEAL:
        raise ApplicationError(
            f"Explain in {MIN_APPEAL} to {MAX_APPEAL} characters why this prompt is fine.",
            field="statement",
        )
    review = _lock(review)
    if review.appealed_at is not None:
        raise ApplicationError(
            "You have already appealed this rejection; a prompt can be appealed once.",
            code="already_appealed",
        )
    if review.status != PromptReviewStatus.REJECTED:
        raise ApplicationError(
            f"This review was already decided ({review.get_status_display().lower()}); "
            "it cannot be appealed.",
            code="already_decided",
        )
    review.status = PromptReviewStatus.APPEALED
    review.appeal_statement = statement
    review.appealed_at = timezone.now()
    review.full_clean()
    review.save(update_fields=["status", "appeal_statement", "appealed_at", "updated_at"])
    _record(review, from_status=PromptReviewStatus.REJECTED, actor=actor, note=statement)
    notification_send(
        users=User.objects.filter(is_moderator=True, is_active=True).exclude(pk=actor.pk),
        subject=f"Prompt appeal waiting: {review.get_category_display()}",
        body=statement[:500],
        url=reverse("moderation_prompt_review", kwargs={"review_id": review.pk}),
        kind=PROMPT_REVIEWS,
    )
    return review


@transaction.atomic(durable=True)
def prompt_review_decide(
    *, review: PromptReview, moderator: User, decision: str, note: str
) -> PromptReview:
    """Uphold (stays refused) or overturn (this user may run this exact text from now on).
    The user is notified in-app and by email; the event row is the audit record."""
    if not getattr(moderator, "is_moderator", False):
        raise PermissionDeniedError("Only moderators can decide prompt reviews.")
    if review.user_id == moderator.pk:
        raise PermissionDeniedError("You cannot decide a review of your own prompt.")
    if decision not in (UPHOLD, OVERTURN):
        raise ApplicationError("Choose to uphold or overturn the rejection.", field="decision")
    note = note.strip()
    if not note:
        raise ApplicationError("Explain the decision to the user.", field="note")
    review = _lock(review)
    if review.status not in DECIDABLE_STATUSES:
        raise ApplicationError(
            f"This review was already decided ({review.get_status_display().lower()}) on "
            f"{review.decided_at:%Y-%m-%d %H:%M}; nothing changed.",
            code="already_decided",
        )
    previous = review.status
    overturn = decision == OVERTURN
    review.status = PromptReviewStatus.OVERTURNED if overturn else PromptReviewStatus.UPHELD
    review.decided_by = moderator
    review.decided_at = timezone.now()
    review.decision_note = note[:2000]
    review.full_clean()
    review.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    _record(review, from_status=previous, actor=moderator, note=note)
    if overturn:
        PromptAllowance.objects.create(
            user=review.user,
            prompt_sha256=review.prompt_sha256,
            review=review,
            granted_by=moderator,
        )
    else:
        prompt_refusal_upheld.call(
            PromptRefusalUpheld(review_id=review.pk, moderator=moderator, note=note)
        )
    outcome = "allowed: you can run it now" if overturn else "stays rejected"
    notification_send(
        users=[review.user],
        subject=f"Prompt review decided: your prompt {outcome}",
        body=note,
        url=review.get_absolute_url(),
        kind=PROMPT_REVIEWS,
    )
    return review


@transaction.atomic
def prompt_review_reverse(*, review: PromptReview, moderator: User, note: str) -> PromptReview:
    """An upheld refusal overturned later (an upheld complaint above this floor): the user
    may run this exact text from now on; the event row records who reversed it and why."""
    if not getattr(moderator, "is_moderator", False):
        raise PermissionDeniedError("Only moderators can reverse a prompt decision.")
    review = _lock(review)
    if review.status != PromptReviewStatus.UPHELD:
        raise ApplicationError("Only an upheld refusal can be reversed.", code="invalid_transition")
    review.status = PromptReviewStatus.OVERTURNED
    review.decided_by, review.decided_at = moderator, timezone.now()
    review.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    _record(review, from_status=PromptReviewStatus.UPHELD, actor=moderator, note=note)
    PromptAllowance.objects.create(
        user=review.user, prompt_sha256=review.prompt_sha256, review=review, granted_by=moderator
    )
    return review
