"""The security suite's shared world: one of each private object, owned by known roles."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.services.tokens import token_create
from commissions.services.brief import commission_brief_create
from commissions.services.instant import commission_instant_create
from disputes.models import StatementOfReasons
from disputes.services.artist_claims import artist_claim_file
from disputes.services.complaints import complaint_lodge
from disputes.services.evidence import dispute_evidence_add
from disputes.services.filing import dispute_file
from disputes.services.notices import notice_decide, notice_submit
from disputes.services.statements import Reasons
from disputes.services.takedowns import takedown_file
from disputes.services.tokens import complaint_path
from generation.services.batch import batch_run
from generation.services.prompt_reviews import PromptRejectedError, prompt_screen
from licensing.models import LicenceGrant
from marketplace.services.collections import collection_add_listing, collection_create
from payments.services.webhooks import webhook_process, webhook_receive
from tests.commissions.factories import make_style
from tests.disputes.takedown_helpers import NOTICE
from tests.factories import UserFactory, image_upload
from tests.generation.factories import GenerationJobFactory
from tests.marketplace.factories import make_listing
from tests.payments.conftest import (
    fake_stripe,  # noqa: F401  (fixture re-export)
    session_completed,
)
from tests.payments.factories import make_order
from webhooks.services.endpoints import endpoint_create


@pytest.fixture
def world(db, fake_stripe, scripted_engine):  # noqa: F811 (the fixture above)
    owner = UserFactory()
    creator = UserFactory(creator=True)
    users = {
        "anonymous": None,
        "owner": owner,
        "other_buyer": UserFactory(),
        "creator": creator,
        "other_creator": UserFactory(creator=True),
        "moderator": UserFactory(moderator=True),
    }
    job = GenerationJobFactory(owner=owner)
    batch_run(job_id=job.pk, worker="w")
    listing = make_listing(creator, publish=True)
    draft = make_listing(creator, title="Draft")
    order = make_order(buyer=owner, listing=listing)
    webhook_process(webhook_event_id=webhook_receive(event=session_completed(order)).pk)
    grant = LicenceGrant.objects.get(licensee=owner)
    style = make_style(creator)
    commission, _ = commission_instant_create(buyer=owner, style=style, prompt="a red boat")
    brief = commission_brief_create(
        buyer=owner,
        creator=creator,
        brief="A fox in the snow",
        deadline=timezone.now() + timedelta(days=3),
        budget_amount=3000,
        references=[image_upload()],
    )
    disputed_brief = _disputed_brief(owner=owner, creator=creator)
    dispute = dispute_file(
        claimant=owner,
        kind="infringement",
        statement="This image copies my own earlier work.",
        listing=listing,
    )
    with pytest.raises(PromptRejectedError) as refused:
        prompt_screen(user=owner, prompt="a gory battlefield")
    evidence = dispute_evidence_add(
        dispute=dispute, actor=owner, upload=image_upload(size=(300, 300))
    )
    takedown = takedown_file(
        claimant=owner,
        listing=make_listing(creator, publish=True, title="Taken down"),
        statements=NOTICE,
    )
    artist_claim = artist_claim_file(
        claimant=owner,
        kind="style_imitation",
        style=style,
        artist_name="Owner Painter",
        statement="This style is sold under my name without my consent.",
        evidence_links=["https://owner.example.com/portfolio"],
    )
    notice, statement, complaint = _restricted_listing(
        reporter=users["other_buyer"], creator=creator, moderator=users["moderator"]
    )
    collection = collection_create(owner=owner, title="Owner's picks", listing=listing)
    public_collection = collection_create(owner=owner, title="Shared", is_public=True)
    collection_add_listing(collection=public_collection, actor=owner, listing=listing)
    return {
        "users": users,
        "collection": collection,
        "public_collection": public_collection,
        "collection_item": collection.items.get(),
        "takedown": takedown,
        "artist_claim": artist_claim,
        "job": job,
        "piece": job.pieces.first(),
        "listing": listing,
        "draft": draft,
        "order": order,
        "grant": grant,
        "style": style,
        "commission": commission,
        "reference": brief.references.get(),
        "disputed_reference": disputed_brief.references.get(),
        "dispute": dispute,
        "evidence": evidence,
        "prompt_review": refused.value.review,
        "notice": notice,
        "statement": statement,
        "complaint": complaint,
        "token": token_create(user=owner, name="cli", scopes=["read"]).token,
        "endpoint": endpoint_create(
            owner=owner, url="https://hooks.example.com/in", events=["job.succeeded"]
        ),
    }


def _restricted_listing(*, reporter, creator, moderator):
    """A reported listing the moderator suspended, and its creator's complaint."""
    reported = make_listing(creator, title="Reported", publish=True)
    notice = notice_submit(
        reporter=reporter,
        email="",
        category="hate",
        statement="The second image shows a banned hate symbol.",
        kind="listing",
        target_id=str(reported.pk),
    )
    reasons = Reasons(facts="A hate symbol.", ground="terms", ground_detail="Terms §4.2")
    notice_decide(notice=notice, moderator=moderator, action="listing_suspended", reasons=reasons)
    statement = StatementOfReasons.objects.get(notice=notice)
    complaint = complaint_lodge(
        token=complaint_path(statement_id=statement.pk).split("/")[-2],
        reason="The symbol is a historical flag, not a hate symbol.",
        user=creator,
    )
    return notice, statement, complaint


def _disputed_brief(*, owner, creator):
    """A delivered brief with a reference image that its buyer disputes."""
    from commissions.services import brief as svc
    from tests.commissions.factories import pay
    from tests.marketplace.factories import make_piece

    brief = commission_brief_create(
        buyer=owner,
        creator=creator,
        brief="A heron at dawn",
        deadline=timezone.now() + timedelta(days=3),
        budget_amount=3000,
        references=[image_upload()],
    )
    svc.commission_brief_quote(commission=brief, actor=creator, quote_amount=3000)
    pay(svc.commission_brief_order(commission=brief, buyer=owner))
    svc.commission_brief_deliver(commission=brief, actor=creator, pieces=[make_piece(creator)])
    dispute_file(
        claimant=owner,
        kind="non_delivery",
        statement="The delivered file is not the heron I asked for.",
        commission=brief,
    )
    return brief
