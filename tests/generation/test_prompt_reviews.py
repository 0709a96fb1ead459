"""Prompt reviews through the real services: a refused prompt leaves one review and nothing
else, is appealed once, and only a moderator decides; overturning lets that exact text run."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from commissions.models import Commission
from commissions.services.brief import commission_brief_create
from commissions.services.instant import commission_instant_create
from core.errors import ApplicationError, PermissionDeniedError
from core.models import Notification
from generation.models import (
    GenerationJob,
    PromptAllowance,
    PromptReview,
    PromptReviewEvent,
    Style,
)
from generation.services.jobs import JobSpec, job_create, job_retry
from generation.services.prompt_reviews import (
    PromptRejectedError,
    prompt_review_appeal,
    prompt_review_decide,
    prompt_sha256,
)
from marketplace.services.privacy import account_export
from payments.models import Order
from tests.commissions.factories import make_style
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REFUSED = "a gory battlefield at dawn"
STATEMENT = "It is a historical war painting in the style of Goya, not gore for its own sake."


def commission(owner, prompt=REFUSED, **kwargs):
    return job_create(
        owner=owner, spec=JobSpec(prompt=prompt, width=512, height=512, steps=2, **kwargs)
    )


def refuse(owner, prompt=REFUSED, **kwargs) -> PromptReview:
    with pytest.raises(PromptRejectedError) as refused:
        commission(owner, prompt, **kwargs)
    return refused.value.review


def test_a_refused_prompt_creates_no_job_and_one_review(buyer):
    with pytest.raises(PromptRejectedError) as refused:
        commission(buyer, negative_prompt="blurry")

    error = refused.value
    assert GenerationJob.objects.count() == 0
    review = PromptReview.objects.get()
    assert error.review == review and error.field == "prompt" and error.code == "prompt_rejected"
    assert "“Graphic gore”" in error.message and "matched “gory”" in error.message
    assert error.help_url == f"/prompts/reviews/{review.pk}/"
    assert (review.user, review.source, review.prompt, review.negative_prompt) == (
        buyer,
        "commission",
        REFUSED,
        "blurry",
    )
    assert (review.category, review.rule_id, review.matched_text) == (
        "graphic_gore",
        "gore.graphic",
        "gory",
    )
    assert review.status == "rejected" and review.attempts == 1
    assert review.prompt_sha256 == prompt_sha256(prompt=REFUSED, negative_prompt="blurry")
    event = review.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", "rejected", None)


def test_the_same_text_again_counts_an_attempt_on_the_same_review(buyer):
    first = refuse(buyer)
    again = refuse(buyer, prompt=f"  {REFUSED} ")

    assert again.pk == first.pk and again.attempts == 2
    assert PromptReview.objects.count() == 1 and PromptReviewEvent.objects.count() == 1
    other = refuse(buyer, prompt="another gory scene")
    assert other.pk != first.pk and PromptReview.objects.count() == 2


def test_an_acceptable_prompt_still_runs_and_writes_no_review(buyer):
    job = commission(buyer, prompt="a minor chord painted as colour, Scunthorpe skyline")

    assert GenerationJob.objects.get() == job and PromptReview.objects.count() == 0


def test_appeal_once_only(buyer, moderator):
    review = refuse(buyer)

    prompt_review_appeal(review=review, actor=buyer, statement=STATEMENT)

    review.refresh_from_db()
    assert (review.status, review.appeal_statement) == ("appealed", STATEMENT)
    assert review.appealed_at is not None
    assert [(e.from_status, e.to_status, e.actor) for e in review.events.all()] == [
        ("", "rejected", None),
        ("rejected", "appealed", buyer),
    ]
    assert Notification.objects.get(user=moderator).subject.startswith("Prompt appeal waiting")
    with pytest.raises(ApplicationError) as again:
        prompt_review_appeal(review=review, actor=buyer, statement="Second time lucky?")
    assert again.value.code == "already_appealed"
    review.refresh_from_db()
    assert review.appeal_statement == STATEMENT and review.events.count() == 2


@pytest.mark.parametrize("statement", ["", "too short", "x" * 2001])
def test_an_appeal_needs_a_statement_of_sensible_length(buyer, statement):
    review = refuse(buyer)

    with pytest.raises(ApplicationError) as refused:
        prompt_review_appeal(review=review, actor=buyer, statement=statement)

    assert refused.value.field == "statement"
    review.refresh_from_db()
    assert review.status == "rejected" and review.appealed_at is None


def test_only_the_author_appeals(buyer):
    review = refuse(buyer)

    with pytest.raises(PermissionDeniedError):
        prompt_review_appeal(review=review, actor=UserFactory(), statement=STATEMENT)

    review.refresh_from_db()
    assert review.status == "rejected" and review.events.count() == 1


def test_only_moderators_decide_and_never_their_own_prompt(buyer, moderator):
    review = refuse(buyer)
    own = refuse(moderator)

    for actor, target in ((buyer, review), (UserFactory(creator=True), review), (moderator, own)):
        with pytest.raises(PermissionDeniedError):
            prompt_review_decide(review=target, moderator=actor, decision="overturn", note="ok")

    assert set(PromptReview.objects.values_list("status", flat=True)) == {"rejected"}
    assert PromptAllowance.objects.count() == 0 and PromptReviewEvent.objects.count() == 2


def test_a_decision_needs_a_known_choice_and_a_reason(buyer, moderator):
    review = refuse(buyer)

    with pytest.raises(ApplicationError) as no_choice:
        prompt_review_decide(review=review, moderator=moderator, decision="maybe", note="hm")
    with pytest.raises(ApplicationError) as no_reason:
        prompt_review_decide(review=review, moderator=moderator, decision="uphold", note=" ")

    assert (no_choice.value.field, no_reason.value.field) == ("decision", "note")
    review.refresh_from_db()
    assert review.status == "rejected" and review.decided_at is None


def test_overturn_lets_exactly_that_prompt_run(
    buyer, moderator, django_capture_on_commit_callbacks
):
    review = refuse(buyer, negative_prompt="text")
    prompt_review_appeal(review=review, actor=buyer, statement=STATEMENT)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        prompt_review_decide(
            review=review, moderator=moderator, decision="overturn", note="Historical art."
        )

    review.refresh_from_db()
    assert (review.status, review.decided_by, review.decision_note) == (
        "overturned",
        moderator,
        "Historical art.",
    )
    allowance = PromptAllowance.objects.get()
    assert (allowance.user, allowance.review, allowance.granted_by) == (buyer, review, moderator)
    event = review.events.last()
    assert (event.from_status, event.to_status, event.actor) == (
        "appealed",
        "overturned",
        moderator,
    )
    notice = Notification.objects.get(user=buyer)
    assert notice.subject == "Prompt review decided: your prompt allowed: you can run it now"
    assert notice.url == f"/prompts/reviews/{review.pk}/"
    assert [m.to for m in mail.outbox] == [[buyer.email]]

    job = commission(buyer, negative_prompt="text")
    assert job.prompt == REFUSED and GenerationJob.objects.count() == 1
    with pytest.raises(PromptRejectedError):  # another negative prompt is another text
        commission(buyer, negative_prompt="")
    with pytest.raises(PromptRejectedError):  # another user is not allowed by it
        commission(UserFactory(), negative_prompt="text")
    assert GenerationJob.objects.count() == 1


def test_uphold_keeps_the_prompt_refused(buyer, moderator):
    review = refuse(buyer)

    prompt_review_decide(review=review, moderator=moderator, decision="uphold", note="Gore.")

    review.refresh_from_db()
    assert review.status == "upheld" and PromptAllowance.objects.count() == 0
    # Disputes (subscribed to prompt_refusal_upheld) also sends a statement of reasons and,
    # for a first restriction, the automatic misuse warning.
    assert list(Notification.objects.filter(user=buyer).order_by("pk").values_list("subject")) == [
        ("Statement of reasons: prompt refused",),
        ("Statement of reasons: account warned",),
        ("Prompt review decided: your prompt stays rejected",),
    ]
    with pytest.raises(PromptRejectedError) as again:
        commission(buyer)
    assert "upheld the rejection" in again.value.message
    assert again.value.review.attempts == 2 and GenerationJob.objects.count() == 0
    with pytest.raises(ApplicationError) as late:  # decided without an appeal: no appeal now
        prompt_review_appeal(review=review, actor=buyer, statement=STATEMENT)
    assert late.value.code == "already_decided"


def test_acting_on_a_decided_review_is_refused_clearly(buyer, moderator):
    review = refuse(buyer)
    prompt_review_decide(review=review, moderator=moderator, decision="uphold", note="Gore.")

    with pytest.raises(ApplicationError) as again:
        prompt_review_decide(
            review=review, moderator=UserFactory(moderator=True), decision="overturn", note="Ok"
        )

    assert again.value.code == "already_decided"
    assert "already decided (rejection upheld)" in again.value.message
    review.refresh_from_db()
    assert review.status == "upheld" and review.decided_by == moderator
    assert PromptAllowance.objects.count() == 0 and review.events.count() == 2


def test_retry_screens_the_prompt_again(buyer, settings):
    job = commission(buyer, prompt="a red kite over hills")
    GenerationJob.objects.filter(pk=job.pk).update(status="failed")
    settings.PROMPT_POLICY_EXTRA_RULES = [{"id": "local.kites", "terms": ["red kite"]}]

    with pytest.raises(PromptRejectedError):
        job_retry(job=job, actor=buyer)

    assert GenerationJob.objects.count() == 1
    assert PromptReview.objects.get().rule_id == "local.kites"


def test_a_style_recipe_or_sample_is_screened_before_anything_is_written(creator):
    with pytest.raises(PromptRejectedError) as recipe:
        make_style(creator, prompt_template="{prompt}, dismembered bodies, oil painting")
    with pytest.raises(PromptRejectedError) as sample:
        make_style(creator, sample_prompts=["a cat", "a severed head"])

    assert Style.objects.count() == 0 and GenerationJob.objects.count() == 0
    assert (recipe.value.field, sample.value.field) == ("prompt_template", "sample_prompts")
    assert [(r.source, r.matched_text) for r in PromptReview.objects.order_by("created_at")] == [
        ("style", "dismembered"),
        ("style", "severed head"),
    ]


def test_a_commission_in_a_style_is_screened_before_the_order(buyer, creator):
    style = make_style(creator)

    with pytest.raises(PromptRejectedError):
        commission_instant_create(buyer=buyer, style=style, prompt="a KKK rally")

    assert Commission.objects.count() == 0 and Order.objects.count() == 0
    review = PromptReview.objects.get()
    assert (review.user, review.source, review.category) == (
        buyer,
        "style_commission",
        "hate_symbols",
    )


def test_a_brief_is_screened_before_it_reaches_the_creator(buyer, creator):
    with pytest.raises(PromptRejectedError) as refused:
        commission_brief_create(
            buyer=buyer,
            creator=creator,
            brief="Please paint my ex-girlfriend naked, from her photos.",
            deadline=timezone.now() + timedelta(days=5),
            budget_amount=5000,
        )

    assert refused.value.field == "brief" and Commission.objects.count() == 0
    review = PromptReview.objects.get()
    assert (review.source, review.category, review.matched_text) == (
        "brief",
        "private_likeness",
        "my ex + naked",
    )


def test_the_data_export_lists_the_users_refused_prompts(buyer):
    review = refuse(buyer)
    refuse(UserFactory())

    data = json.loads(zipfile.ZipFile(io.BytesIO(account_export(user=buyer))).read("data.json"))

    assert [(r["id"], r["prompt"], r["category"], r["status"]) for r in data["prompt_reviews"]] == [
        (str(review.pk), REFUSED, "graphic_gore", "rejected")
    ]
