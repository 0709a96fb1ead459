"""Repeat misuse (DSA Art. 23) and upheld prompt refusals: restrictions that stand add up to an
automatic warning, then an automatic suspension; unfounded notices stop a reporter; a
moderator upholding a refused prompt writes a statement through generation's hook."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import PermissionDeniedError
from disputes.models import Notice, RestrictionKind, StatementOfReasons
from disputes.services.complaints import complaint_decide, complaint_lodge
from disputes.services.decisions import dispute_decide
from disputes.services.filing import dispute_file
from disputes.services.misuse import misuse_check_user, upheld_restrictions
from disputes.services.notices import notice_confirm
from disputes.services.remedies import remedy_listing_suspend, remedy_listing_unsuspend
from disputes.services.tokens import complaint_path, notice_confirm_path
from generation.hooks import prompt_refusal_upheld
from generation.services.jobs import JobSpec, job_create
from generation.services.prompt_reviews import (
    PromptRejectedError,
    prompt_review_appeal,
    prompt_review_decide,
)
from tests.disputes.notice_helpers import decide, links_in_mail, report
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing

pytestmark = pytest.mark.django_db


@pytest.fixture
def thresholds(settings):
    settings.MISUSE_WARN_AFTER = 1
    settings.MISUSE_SUSPEND_AFTER = 3
    settings.MISUSE_UNFOUNDED_NOTICES_AFTER = 2
    settings.MISUSE_WINDOW_DAYS = 180
    return settings


def suspend_listings(creator, reporter, moderator, count):
    for number in range(count):
        listing = make_listing(creator, title=f"Listing {number}", publish=True)
        decide(report(reporter, listing), moderator)


def kinds(user):
    return list(
        StatementOfReasons.objects.filter(user=user)
        .order_by("created_at", "pk")
        .values_list("kind", "automated_decision")
    )


def test_the_first_restriction_warns_and_the_third_suspends(thresholds, creator, buyer, moderator):
    suspend_listings(creator, buyer, moderator, 3)

    creator.refresh_from_db()
    assert not creator.is_active
    assert kinds(creator) == [
        ("listing_suspended", False),
        ("account_warned", True),
        ("listing_suspended", False),
        ("listing_suspended", False),
        ("account_suspended", True),
    ]
    suspension = StatementOfReasons.objects.get(user=creator, kind="account_suspended")
    assert suspension.automated_detection and suspension.decided_by is None
    assert suspension.facts == "3 restrictions of your content stood within 180 days."


def test_reversed_and_old_restrictions_do_not_count(thresholds, creator, buyer, moderator):
    suspend_listings(creator, buyer, moderator, 2)
    first, second = StatementOfReasons.objects.filter(kind="listing_suspended").order_by("pk")
    first.reversed_at = timezone.now()
    first.save(update_fields=["reversed_at"])
    StatementOfReasons.objects.filter(pk=second.pk).update(
        created_at=timezone.now() - timedelta(days=181)
    )

    assert upheld_restrictions(user=creator) == 0
    assert misuse_check_user(user=creator) is None
    creator.refresh_from_db()
    assert creator.is_active


def test_manifestly_unfounded_notices_stop_a_reporter(thresholds, creator, moderator):
    listing = make_listing(creator, publish=True)
    reporter = UserFactory()
    for _ in range(2):
        decide(report(reporter, listing), moderator, action="none", manifestly_unfounded=True)

    statement = StatementOfReasons.objects.get(kind=RestrictionKind.NOTICES_SUSPENDED)
    assert (statement.user, statement.automated_decision) == (reporter, True)
    with pytest.raises(PermissionDeniedError, match="not processed until"):
        report(reporter, listing)
    assert Notice.objects.filter(reporter=reporter).count() == 2


def test_an_anonymous_reporter_is_stopped_by_address(thresholds, creator, moderator):
    listing = make_listing(creator, publish=True)
    for _ in range(2):
        notice = report(None, listing, email="troll@example.org")
        notice = notice_confirm(token=notice_confirm_path(notice.pk).split("/")[-2])
        decide(notice, moderator, action="none", manifestly_unfounded=True)

    statement = StatementOfReasons.objects.get(kind=RestrictionKind.NOTICES_SUSPENDED)
    assert (statement.user, statement.email) == (None, "troll@example.org")
    assert any(link.startswith("/complaints/") for link in links_in_mail("troll@example.org"))
    with pytest.raises(PermissionDeniedError):
        report(None, listing, email="TROLL@example.org")


def refused_and_appealed(user):
    with pytest.raises(PromptRejectedError) as refused:
        job_create(
            owner=user,
            spec=JobSpec(prompt="a gory battlefield at dawn", width=512, height=512, steps=2),
        )
    return prompt_review_appeal(
        review=refused.value.review,
        actor=user,
        statement="A historical war painting, not gore for its own sake.",
    )


def test_an_upheld_prompt_refusal_writes_a_statement(thresholds, buyer, moderator):
    review = refused_and_appealed(buyer)

    prompt_review_decide(review=review, moderator=moderator, decision="uphold", note="Too gory.")

    statement, warning = StatementOfReasons.objects.filter(user=buyer).order_by("created_at", "pk")
    assert (statement.kind, statement.prompt_review, statement.decided_by) == (
        "prompt_refused",
        review,
        moderator,
    )
    assert statement.automated_detection and not statement.automated_decision
    assert statement.ground == "terms"
    assert statement.ground_detail == "Prompt policy: Graphic gore (rule gore.graphic)"
    assert statement.facts == "The text matched “gory”. Too gory."
    assert (warning.kind, warning.automated_decision) == ("account_warned", True)


def test_an_overturned_refusal_writes_none(buyer, moderator):
    review = refused_and_appealed(buyer)
    prompt_review_decide(review=review, moderator=moderator, decision="overturn", note="Fine.")
    assert StatementOfReasons.objects.count() == 0


def test_disputes_subscribes_to_the_prompt_hook():
    names = [handler.__name__ for handler in prompt_refusal_upheld.handlers]
    assert names == ["record_upheld_prompt_refusal"]


def test_an_upheld_complaint_lets_the_refused_prompt_run(buyer, moderator):
    review = refused_and_appealed(buyer)
    prompt_review_decide(review=review, moderator=moderator, decision="uphold", note="Too gory.")
    statement = StatementOfReasons.objects.get(kind="prompt_refused")
    complaint = complaint_lodge(
        token=complaint_path(statement_id=statement.pk).split("/")[-2],
        reason="A history painting of a famous battle, as in any museum.",
        user=buyer,
    )

    complaint_decide(
        complaint=complaint, moderator=UserFactory(moderator=True), outcome="upheld", note="Ok."
    )

    review.refresh_from_db()
    assert review.status == "overturned"
    assert review.events.latest("id").from_status == "upheld"
    job = job_create(
        owner=buyer,
        spec=JobSpec(prompt="a gory battlefield at dawn", width=512, height=512, steps=2),
    )
    assert job.prompt == "a gory battlefield at dawn"


def test_a_decided_dispute_suspension_counts_but_an_interim_one_does_not(
    thresholds, creator, buyer, moderator
):
    listing = make_listing(creator, publish=True)
    dispute = dispute_file(
        claimant=buyer,
        kind="infringement",
        statement="This listing copies my published work exactly.",
        listing=listing,
    )
    remedy_listing_suspend(dispute=dispute, actor=moderator, note="Pending review.")
    assert upheld_restrictions(user=creator) == 0 and kinds(creator) == [
        ("listing_suspended", False)
    ]
    remedy_listing_unsuspend(dispute=dispute, actor=moderator, note="Back while we decide.")
    dispute_decide(dispute=dispute, actor=moderator, outcome="upheld", decision="It copies.")
    remedy_listing_suspend(dispute=dispute, actor=moderator, note="Upheld.")

    assert upheld_restrictions(user=creator) == 1
    assert kinds(creator)[-1] == ("account_warned", True)


def test_the_prompt_hook_without_a_subscriber_or_with_a_failing_one(buyer, moderator):
    handlers = list(prompt_refusal_upheld.handlers)
    prompt_refusal_upheld.handlers.clear()
    try:
        quiet = refused_and_appealed(buyer)
        prompt_review_decide(review=quiet, moderator=moderator, decision="uphold", note="No.")
        assert StatementOfReasons.objects.count() == 0

        def fail(event):
            raise RuntimeError("subscriber down")

        prompt_refusal_upheld.register(fail)
        loud = refused_and_appealed(UserFactory())
        with pytest.raises(RuntimeError):
            prompt_review_decide(review=loud, moderator=moderator, decision="uphold", note="No.")
    finally:
        prompt_refusal_upheld.handlers[:] = handlers
    quiet.refresh_from_db()
    loud.refresh_from_db()
    assert (quiet.status, loud.status) == ("upheld", "appealed")  # the failure rolled back
