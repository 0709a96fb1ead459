"""Instant commission: payment → job in the style → licence + certificate → creator payout."""

import pytest
from django.core.management import call_command

from commissions.models import Commission, CommissionStatus
from commissions.services.instant import commission_instant_create
from commissions.services.payment import (
    PAID_JOB_PRIORITY,
    commission_settle_job,
    commissions_settle_finished_jobs,
)
from core.errors import ApplicationError
from generation.models import GenerationJob, Piece
from generation.services.prompt_reviews import PromptRejectedError
from generation.services.protected_names import protected_name_add
from generation.services.styles import StyleRecipe, style_publish_version, style_withdraw
from licensing.models import LicenceGrant
from payments.models import Order, OrderLine, PayoutAccount
from payments.services.payouts import transfer_earnings
from provenance.models import LedgerEntry, ProvenanceRecord
from tests.commissions.factories import TEMPLATE, pay, run_job
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def commission_for(buyer, style, **kwargs):
    values = {"prompt": "a lighthouse on a cliff", "count": 2}
    values.update(kwargs)
    return commission_instant_create(buyer=buyer, style=style, **values)


def test_order_is_price_times_count_with_the_creator_share_held(buyer, style):
    commission, order = commission_for(buyer, style)

    line = order.lines.get()
    assert (order.total_amount, order.platform_fee_amount) == (1000, 200)
    assert (line.listing_id, line.creator_id, line.creator_amount) == (None, style.creator_id, 800)
    assert line.transfer_held is True and line.tier_code == "standard"
    assert commission.order_line == line and commission.status == "awaiting_payment"
    assert commission.style_version == style.current_version
    assert not GenerationJob.objects.filter(owner=buyer).exists()  # nothing runs before payment


def test_payment_queues_one_job_in_the_style_and_is_idempotent(buyer, style):
    commission, order = commission_for(buyer, style)

    pay(order)
    pay(order, source="webhook:evt_redelivered")

    commission.refresh_from_db()
    job = GenerationJob.objects.get(owner=buyer)
    assert commission.job == job and commission.status == CommissionStatus.IN_PROGRESS
    assert (job.prompt, job.style_version, job.count) == (
        "a lighthouse on a cliff",
        style.current_version,
        2,
    )
    assert (job.width, job.height, job.steps, job.engine) == (256, 256, 2, "embedded")
    assert [e.to_status for e in commission.events.all()] == ["awaiting_payment", "in_progress"]


def test_a_paid_commissions_job_renders_ahead_of_unpaid_work(buyer, style):
    commission, order = commission_for(buyer, style)

    pay(order)

    commission.refresh_from_db()
    assert PAID_JOB_PRIORITY > 0
    assert GenerationJob.objects.get(pk=commission.job_id).priority == PAID_JOB_PRIORITY


def test_job_success_grants_licence_with_certificate_and_pays_creator_once(
    buyer, style, fake_stripe
):
    PayoutAccount.objects.create(creator=style.creator, stripe_account_id="acct_creator")
    commission, order = commission_for(buyer, style)
    pay(order)
    commission.refresh_from_db()

    assert transfer_earnings(order=order) == []  # escrowed until the work exists
    run_job(commission.job)
    commission_settle_job(job_id=commission.job_id)
    commission_settle_job(job_id=commission.job_id)  # a repeated settle message

    commission.refresh_from_db()
    assert commission.status == CommissionStatus.COMPLETED
    grant = LicenceGrant.objects.get()
    pieces = list(Piece.objects.filter(job=commission.job).order_by("index"))
    assert len(pieces) == 2 and all(p.owner == buyer for p in pieces)
    assert (grant.licensee, grant.listing, grant.tier.code) == (buyer, None, "standard")
    assert set(grant.pieces.all()) == set(pieces) and grant.certificate is not None
    assert grant.style_version == style.current_version
    assert set(commission.delivered_pieces.all()) == set(pieces)

    first = transfer_earnings(order=order)
    second = transfer_earnings(order=order)
    line = OrderLine.objects.get(pk=commission.order_line_id)
    assert [x.pk for x in first] == [line.pk] and second == []
    assert line.transfer_id == "tr_1" and line.transfer_held is False
    transfers = [c for c in fake_stripe if c[0] == "transfers"]
    assert len(transfers) == 1 and transfers[0][2]["amount"] == 800


def test_provenance_names_prompt_and_style_and_reproduce_matches(buyer, style, capsys):
    commission, order = commission_for(buyer, style, count=1)
    pay(order)
    commission.refresh_from_db()
    run_job(commission.job)

    piece = Piece.objects.get(job=commission.job)
    record = ProvenanceRecord.objects.get(piece=piece)
    version = style.current_version
    assert record.prompt == "a lighthouse on a cliff"  # the buyer's text, not the recipe
    assert (record.style_version, record.style_params_sha256) == (version, version.params_sha256)
    assert (
        "Teal watercolour" in record.licence_summary and buyer.public_name in record.licence_summary
    )
    created = LedgerEntry.objects.get(piece=piece, kind="created")
    assert created.data["style"] == {
        "style_id": str(style.pk),
        "version": 1,
        "params_sha256": version.params_sha256,
        "creator": style.creator_id,
        "commissioned_by": buyer.pk,
    }

    # Editing the style later does not change what this piece was made with.
    style_publish_version(
        style=style,
        actor=style.creator,
        recipe=StyleRecipe(
            prompt_template="{prompt}, charcoal", width=256, height=256, steps=2, engine="embedded"
        ),
    )
    call_command("reproduce", str(piece.pk))
    assert "Match: identical pixels." in capsys.readouterr().out


def test_failed_job_refunds_the_buyer_and_pays_nobody(buyer, style, fake_stripe):
    commission, order = commission_for(buyer, style)
    pay(order)
    commission.refresh_from_db()
    job = commission.job
    GenerationJob.objects.filter(pk=job.pk).update(status="failed", error="engine exploded")

    from payments.services.refunds import refund_issue

    commission_settle_job(job_id=job.pk)
    refund_issue(line=commission.order_line, reason="job failed")  # what the queued task runs

    commission.refresh_from_db()
    order.refresh_from_db()
    assert commission.status == CommissionStatus.FAILED
    assert order.status == "refunded" and not LicenceGrant.objects.exists()
    assert transfer_earnings(order=order) == []
    assert [c[0] for c in fake_stripe] == ["refunds"]


def test_payment_after_the_commission_was_cancelled_is_refunded(buyer, style, monkeypatch):
    commission, order = commission_for(buyer, style)
    Commission.objects.filter(pk=commission.pk).update(status=CommissionStatus.CANCELLED)
    refunds = []
    monkeypatch.setattr(
        "commissions.services.payment.queue_automatic_refund",
        lambda *, line, reason: refunds.append((line.pk, reason)),
    )

    pay(order)

    commission.refresh_from_db()
    assert commission.status == CommissionStatus.CANCELLED and commission.job is None
    assert refunds == [(commission.order_line_id, "Paid after the commission was cancelled.")]
    assert not GenerationJob.objects.filter(owner=buyer).exists()
    assert not LicenceGrant.objects.exists()


def test_sweep_settles_a_commission_whose_settle_message_was_lost(buyer, style):
    commission, order = commission_for(buyer, style, count=1)
    pay(order)
    commission.refresh_from_db()
    run_job(commission.job)  # on_commit never fires here: the message is "lost"

    assert commissions_settle_finished_jobs() == 0  # within the grace period
    assert commissions_settle_finished_jobs(older_than_seconds=0) == 1
    assert commissions_settle_finished_jobs(older_than_seconds=0) == 0
    commission.refresh_from_db()
    assert commission.status == "completed" and LicenceGrant.objects.count() == 1


def test_withdrawn_style_cannot_be_commissioned(buyer, style):
    style_withdraw(style=style, actor=style.creator)

    with pytest.raises(ApplicationError, match="not available"):
        commission_for(buyer, style)
    assert not Order.objects.exists() and not Commission.objects.exists()


def test_creator_cannot_commission_their_own_style(style):
    with pytest.raises(ApplicationError, match="your own style"):
        commission_for(style.creator, style)
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"prompt": "   "}, "Describe"),
        ({"count": 9}, "between 1 and 8"),
        ({"prompt": "x" * 990}, "too long"),
    ],
)
def test_bad_commission_input_is_refused(buyer, style, kwargs, message):
    with pytest.raises(ApplicationError, match=message):
        commission_for(buyer, style, **kwargs)
    assert not Order.objects.exists()


def test_paying_after_the_style_was_withdrawn_still_delivers(buyer, style):
    """Withdrawal stops new orders; a buyer who already paid gets what they paid for."""
    commission, order = commission_for(buyer, style, count=1)
    style_withdraw(style=style, actor=style.creator)

    pay(order)

    commission.refresh_from_db()
    assert commission.status == "in_progress" and commission.job.style_version.style == style


def test_job_that_cannot_start_is_refunded(buyer, style, settings):
    from generation.services import jobs

    commission, order = commission_for(buyer, style, count=1)
    settings.GENERATION_MAX_ACTIVE_JOBS = 2
    UserFactory()  # the limit is per owner: fill only the buyer's queue
    for _ in range(settings.GENERATION_MAX_ACTIVE_JOBS):
        jobs.job_create(owner=buyer, spec=jobs.JobSpec(prompt="x", width=256, height=256, steps=2))

    pay(order)

    commission.refresh_from_db()
    assert commission.status == "failed" and commission.job is None
    assert "refunded" in commission.events.last().message


def test_template_stays_out_of_the_buyers_job(buyer, style):
    commission, order = commission_for(buyer, style)
    pay(order)
    job = GenerationJob.objects.get(owner=buyer)
    assert TEMPLATE.split(",")[1].strip() not in job.prompt
    assert "watermark" not in job.negative_prompt


def test_buyer_cannot_retry_a_commissioned_job_for_free(buyer, style):
    from generation.services.jobs import job_retry

    commission, order = commission_for(buyer, style)
    pay(order)
    commission.refresh_from_db()
    GenerationJob.objects.filter(pk=commission.job_id).update(status="failed")

    with pytest.raises(ApplicationError, match="paid per run"):
        job_retry(job=commission.job, actor=buyer)
    assert GenerationJob.objects.filter(owner=buyer).count() == 1


def test_a_name_protected_in_this_style_is_refused_before_payment(buyer, style):
    protected_name_add(
        name="Mira Okonkwo", kind="artist", style=style, note="artist claim", actor=style.creator
    )
    other = commission_for(buyer, style, prompt="a lighthouse, not in anyone's manner")[0]

    with pytest.raises(PromptRejectedError):
        commission_for(buyer, style, prompt="a lighthouse in the manner of Mira Okonkwo")

    assert Commission.objects.get() == other and Order.objects.count() == 1
