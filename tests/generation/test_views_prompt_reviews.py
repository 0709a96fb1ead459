"""Prompt review pages: the refusal on the commission form, the owner's appeal page, the
moderators' queue and decision page; everyone else gets 404."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes.services.filing import dispute_file
from generation.models import GenerationJob, PromptAllowance, PromptReview
from generation.services.prompt_reviews import (
    PromptRejectedError,
    prompt_review_appeal,
    prompt_review_decide,
    prompt_screen,
)
from tests.factories import UserFactory
from tests.generation.test_views_jobs import commission_data
from tests.marketplace.factories import make_listing

pytestmark = pytest.mark.django_db

STATEMENT = "A war painting after Goya; the violence is the point of the piece."


def refused(user, prompt="a gory battlefield at dawn", negative_prompt="") -> PromptReview:
    with pytest.raises(PromptRejectedError) as error:
        prompt_screen(user=user, prompt=prompt, negative_prompt=negative_prompt)
    return error.value.review


def test_the_commission_form_names_the_category_and_links_the_appeal(client, buyer):
    client.force_login(buyer)

    response = client.post(
        reverse("commission"), commission_data(prompt="a gory battlefield at dawn")
    )

    review = PromptReview.objects.get()
    page = response.content.decode()
    assert response.status_code == 400 and not GenerationJob.objects.exists()
    assert "falls under our policy on “Graphic gore” (matched “gory”)" in page
    assert f'<a href="/prompts/reviews/{review.pk}/">Appeal this decision</a>' in page
    assert review.source == "commission" and review.negative_prompt == "people"


def test_the_owner_sees_the_review_and_appeals_once(client, buyer):
    review = refused(buyer)
    client.force_login(buyer)
    url = reverse("prompt_review_detail", args=[review.pk])

    page = client.get(url).content.decode()
    assert "a gory battlefield at dawn" in page and "Send the appeal" in page
    assert review.prompt in client.get(reverse("my_prompt_reviews")).content.decode()

    appeal = reverse("prompt_review_appeal", args=[review.pk])
    response = client.post(appeal, {"statement": STATEMENT})
    assert response.status_code == 302 and response.url == url
    assert "Your appeal is waiting for a moderator" in client.get(url).content.decode()

    again = client.post(appeal, {"statement": "Please look again at it."})
    assert again.status_code == 400
    assert "You have already appealed this rejection" in again.content.decode()
    review.refresh_from_db()
    assert review.appeal_statement == STATEMENT and review.events.count() == 2


def test_a_short_appeal_is_a_form_error(client, buyer):
    review = refused(buyer)
    client.force_login(buyer)

    response = client.post(reverse("prompt_review_appeal", args=[review.pk]), {"statement": "no"})

    assert response.status_code == 400
    assert "Explain in 10 to 2000 characters" in response.content.decode()
    review.refresh_from_db()
    assert review.status == "rejected"


@pytest.mark.parametrize("role", ["other", "moderator"])
def test_someone_elses_review_is_404_for_its_pages_and_appeal(client, buyer, moderator, role):
    review = refused(buyer)
    client.force_login(UserFactory() if role == "other" else moderator)

    assert client.get(reverse("prompt_review_detail", args=[review.pk])).status_code == 404
    response = client.post(
        reverse("prompt_review_appeal", args=[review.pk]), {"statement": STATEMENT}
    )

    assert response.status_code == 404
    review.refresh_from_db()
    assert review.status == "rejected" and review.appealed_at is None


def test_the_queue_is_oldest_first_and_filters(client, moderator, django_assert_max_num_queries):
    users = [UserFactory() for _ in range(4)]
    gore = [refused(u) for u in users[:3]]
    hate = refused(users[3], prompt="a KKK rally")
    for review in (*gore, hate):
        prompt_review_appeal(review=review, actor=review.user, statement=STATEMENT)
    PromptReview.objects.filter(pk=gore[2].pk).update(created_at=timezone.now() - timedelta(days=3))
    quiet = refused(users[0], prompt="another gory scene")  # not appealed
    client.force_login(moderator)
    url = reverse("moderation_prompt_queue")

    with django_assert_max_num_queries(6):
        page = client.get(url)

    assert [r.pk for r in page.context["page"].object_list] == [
        gore[2].pk,
        gore[0].pk,
        gore[1].pk,
        hate.pk,
    ]
    hate_only = client.get(url, {"category": "hate_symbols"}).context["page"].object_list
    assert [r.pk for r in hate_only] == [hate.pk]
    rejected = client.get(url, {"status": "rejected"}).context["page"].object_list
    assert [r.pk for r in rejected] == [quiet.pk]
    assert len(client.get(url, {"status": "all"}).context["page"].object_list) == 5


def test_the_queue_and_review_pages_are_for_moderators_only(client, buyer):
    review = refused(buyer)
    for user in (buyer, UserFactory(creator=True)):
        client.force_login(user)
        assert client.get(reverse("moderation_prompt_queue")).status_code == 404
        assert client.get(reverse("moderation_prompt_review", args=[review.pk])).status_code == 404
        response = client.post(
            reverse("moderation_prompt_decide", args=[review.pk]),
            {"decision": "overturn", "note": "fine"},
        )
        assert response.status_code == 404
    review.refresh_from_db()
    assert review.status == "rejected" and PromptAllowance.objects.count() == 0


def test_a_moderator_overturns_and_the_user_can_run_it(client, buyer, moderator):
    review = refused(buyer, prompt="a gory battlefield at dawn", negative_prompt="people")
    prompt_review_appeal(review=review, actor=buyer, statement=STATEMENT)
    client.force_login(moderator)

    page = client.get(reverse("moderation_prompt_review", args=[review.pk])).content.decode()
    assert STATEMENT in page and "Record the decision" in page
    response = client.post(
        reverse("moderation_prompt_decide", args=[review.pk]),
        {"decision": "overturn", "note": "Historical painting; allowed."},
    )

    assert response.status_code == 302 and response.url == reverse("moderation_prompt_queue")
    review.refresh_from_db()
    assert review.status == "overturned" and review.decided_by == moderator
    client.force_login(buyer)
    owner_page = client.get(reverse("prompt_review_detail", args=[review.pk])).content.decode()
    assert "Historical painting; allowed." in owner_page and "Run this prompt" in owner_page
    response = client.post(
        reverse("commission"), commission_data(prompt="a gory battlefield at dawn")
    )
    assert response.status_code == 302 and GenerationJob.objects.get().owner == buyer


def test_deciding_a_decided_review_or_ones_own_is_a_clear_error(client, buyer, moderator):
    review = refused(buyer)
    prompt_review_decide(review=review, moderator=moderator, decision="uphold", note="Gore.")
    own = refused(moderator)
    client.force_login(moderator)

    late = client.post(
        reverse("moderation_prompt_decide", args=[review.pk]),
        {"decision": "overturn", "note": "Changed my mind."},
    )
    mine = client.post(
        reverse("moderation_prompt_decide", args=[own.pk]),
        {"decision": "overturn", "note": "Looks fine to me."},
    )

    assert late.status_code == 400 and "This review was already decided" in late.content.decode()
    assert mine.status_code == 400
    assert "You cannot decide a review of your own prompt" in mine.content.decode()
    assert PromptAllowance.objects.count() == 0
    assert set(PromptReview.objects.values_list("status", flat=True)) == {"upheld", "rejected"}


def test_the_moderation_console_links_prompt_reviews_and_filters_reports(
    client, creator, moderator
):
    review = refused(UserFactory())
    prompt_review_appeal(review=review, actor=review.user, statement=STATEMENT)
    listing = make_listing(creator, publish=True)
    statement = "This listing shows something that should not be on the site."
    report = dispute_file(
        claimant=UserFactory(), kind="other", statement=statement, listing=listing
    )
    dispute_file(claimant=UserFactory(), kind="infringement", statement=statement, listing=listing)
    client.force_login(moderator)

    console = client.get(reverse("disputes:moderation_queue"))
    page = console.content.decode()
    assert 'href="/moderation/prompts/" id="prompt-queue-link">prompt reviews</a>' in page
    assert "1 appealed" in page
    reports = client.get(reverse("disputes:moderation_queue"), {"kind": "other", "status": "all"})
    assert [d.pk for d in reports.context["page"].object_list] == [report.pk]
    assert reports.context["query"] == "kind=other&status=all"


def test_the_admin_shows_reviews_read_only(client, buyer):
    review = refused(buyer)
    client.force_login(UserFactory(moderator=True, is_superuser=True))

    listing = client.get(reverse("admin:generation_promptreview_changelist"))
    change = client.get(reverse("admin:generation_promptreview_change", args=[review.pk]))

    assert listing.status_code == 200 and change.status_code == 200
    assert "a gory battlefield at dawn" in change.content.decode()
    assert client.get(reverse("admin:generation_promptreview_add")).status_code == 403


def test_style_and_brief_forms_show_the_refusal_on_their_own_field(client, creator, buyer):
    client.force_login(creator)
    style = client.post(
        reverse("style_new"),
        {
            "title": "Battle",
            "price": "5.00",
            "tier_code": "standard",
            "prompt_template": "{prompt}, decapitated soldiers, oil painting",
            "size": "256x256",
            "sample_prompts": "a hill",
        },
    )
    client.force_login(buyer)
    deadline = (timezone.now() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    brief = client.post(
        reverse("commissions:brief_create", args=[creator.pk]),
        {"brief": "Remove the watermark from my photo", "deadline": deadline, "budget": "50"},
    )

    assert style.status_code == 400 and brief.status_code == 400
    assert (
        style.context["form"]
        .errors["prompt_template"][0]
        .startswith("This text was refused: it falls under our policy on “Graphic gore”")
    )
    # Escaped once: the message goes into the error's HTML next to its link.
    assert "“Removing watermarks or faking an artist&#x27;s signature”" in brief.content.decode()
    assert "Appeal this decision" in brief.context["form"].errors["brief"][0]
    assert [(r.user, r.source) for r in PromptReview.objects.order_by("created_at")] == [
        (creator, "style"),
        (buyer, "brief"),
    ]
