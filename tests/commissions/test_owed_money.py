"""Commission money survives a broker that is down at commit: the request still answers
(no 500), what is owed stays in the rows (a finished job not yet settled, a released
escrow not yet transferred, an automatic refund recorded on the line), and the sweepers
move the money exactly once (asserted at the Stripe client's edge)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from commissions.models import Commission, CommissionStatus
from commissions.services import brief as svc
from commissions.services.instant import commission_instant_create
from commissions.services.payment import (
    commission_settle_job,
    commissions_settle_finished_jobs,
)
from generation.models import GenerationJob, JobStatus
from licensing.models import LicenceGrant
from payments.models import OrderLine, PayoutAccount
from payments.services.credit import credit_topup_order_create
from payments.services.payouts import transfers_requeue_owed
from payments.services.refunds import refunds_requeue_owed
from tests.commissions.factories import pay, run_job
from tests.marketplace.factories import make_piece

pytestmark = pytest.mark.django_db


def calls(fake_stripe, name):
    return [call for call in fake_stripe if call[0] == name]


def lost(caplog) -> list[str]:
    """The tasks whose wake-up the broker outage swallowed (logged by core.wakeups)."""
    return [
        record.getMessage().split("; ")[1].split("(")[0]
        for record in caplog.records
        if record.name == "core.wakeups"
    ]


def transfer(line, destination="acct_creator"):
    return (
        "transfers",
        (),
        {
            "amount": line.creator_amount,
            "currency": "usd",
            "destination": destination,
            "transfer_group": f"order-{line.order_id}",
        },
        {"idempotency_key": f"transfer-line-{line.pk}"},
    )


def test_credit_payment_and_job_end_during_an_outage_settle_and_pay_once_later(
    client,
    buyer,
    style,
    fake_stripe,
    broker_down,
    run_tasks_inline,
    django_capture_on_commit_callbacks,
    caplog,
):
    PayoutAccount.objects.create(creator=style.creator, stripe_account_id="acct_creator")
    pay(credit_topup_order_create(buyer=buyer, amount=2000))
    client.force_login(buyer)

    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/styles/{style.pk}/commission/",
            {"prompt": "a lighthouse", "count": 1, "pay_with": "credit"},
        )
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert lost(caplog) == ["generation.tasks.run_generation", "payments.transfer_creator_earnings"]
    caplog.clear()
    commission = Commission.objects.get(buyer=buyer)
    assert commission.status == CommissionStatus.IN_PROGRESS
    assert commission.job.status == JobStatus.QUEUED  # the jobs sweep re-wakes it

    # The worker finishes the job while the broker is still gone: its settle message is lost.
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        run_job(commission.job)
    # Batched with the style's sample job: both settle wake-ups are lost.
    assert lost(caplog) == ["commissions.settle_job"] * 2
    commission.refresh_from_db()
    assert commission.status == CommissionStatus.IN_PROGRESS
    assert not LicenceGrant.objects.exists() and fake_stripe == []

    assert commissions_settle_finished_jobs() == 0  # grace period
    with run_tasks_inline():
        assert commissions_settle_finished_jobs(older_than_seconds=0) == 1

    commission.refresh_from_db()
    line = OrderLine.objects.get(pk=commission.order_line_id)
    assert commission.status == CommissionStatus.COMPLETED
    assert LicenceGrant.objects.filter(order_line=line).count() == 1
    assert fake_stripe == [transfer(line)]
    with run_tasks_inline():
        assert commissions_settle_finished_jobs(older_than_seconds=0) == 0
        assert transfers_requeue_owed(older_than_seconds=0) == 0
    assert len(fake_stripe) == 1


@pytest.fixture
def delivered_brief(buyer, creator):
    PayoutAccount.objects.create(creator=creator, stripe_account_id="acct_creator")
    commission = svc.commission_brief_create(
        buyer=buyer,
        creator=creator,
        brief="A poster of a fox in a snowy forest",
        deadline=timezone.now() + timedelta(days=5),
        budget_amount=5000,
    )
    commission = svc.commission_brief_quote(
        commission=commission, actor=creator, quote_amount=4000, note="Three variants"
    )
    pay(svc.commission_brief_order(commission=commission, buyer=buyer))
    return svc.commission_brief_deliver(
        commission=commission, actor=creator, pieces=[make_piece(creator)]
    )


def test_accepting_a_delivery_during_an_outage_answers_and_the_sweep_pays_once(
    client,
    buyer,
    delivered_brief,
    fake_stripe,
    broker_down,
    run_tasks_inline,
    django_capture_on_commit_callbacks,
    caplog,
):
    client.force_login(buyer)
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/commissions/{delivered_brief.pk}/accept/")

    assert response.status_code == 302
    assert lost(caplog) == ["payments.transfer_creator_earnings"]
    delivered_brief.refresh_from_db()
    line = OrderLine.objects.get(pk=delivered_brief.order_line_id)
    assert delivered_brief.status == CommissionStatus.COMPLETED
    assert (line.transfer_held, line.transfer_id) == (False, "")  # released, owed
    assert fake_stripe == []

    with run_tasks_inline():
        assert transfers_requeue_owed(older_than_seconds=0) == 1
    with run_tasks_inline():
        assert transfers_requeue_owed(older_than_seconds=0) == 0

    assert fake_stripe == [transfer(line)]
    assert line.creator_amount == 3200
    line.refresh_from_db()
    assert line.transfer_id == "tr_1"


def test_failed_job_settled_during_an_outage_refunds_once_from_the_sweep(
    buyer,
    style,
    fake_stripe,
    broker_down,
    run_tasks_inline,
    django_capture_on_commit_callbacks,
    caplog,
):
    commission, order = commission_instant_create(
        buyer=buyer, style=style, prompt="a lighthouse on a cliff", count=2
    )
    pay(order)
    commission.refresh_from_db()
    GenerationJob.objects.filter(pk=commission.job_id).update(
        status=JobStatus.FAILED, error="engine exploded", finished_at=timezone.now()
    )

    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        commission_settle_job(job_id=commission.job_id)  # what the settle task runs
    assert lost(caplog) == ["payments.refund_line"]

    commission.refresh_from_db()
    line = OrderLine.objects.get(pk=commission.order_line_id)
    assert commission.status == CommissionStatus.FAILED
    assert line.refund_reason == "The generation job failed: engine exploded"
    assert line.refund_requested_at is not None and line.refunded_at is None
    assert fake_stripe == []

    with run_tasks_inline():
        assert refunds_requeue_owed(older_than_seconds=0) == 1
    with run_tasks_inline():
        assert refunds_requeue_owed(older_than_seconds=0) == 0

    assert fake_stripe == [
        (
            "refunds",
            (),
            {"payment_intent": f"pi_{order.pk.hex[:12]}", "amount": 1000},
            {"idempotency_key": f"refund-line-{line.pk}"},
        )
    ]
    commission.refresh_from_db()
    order.refresh_from_db()
    assert commission.status == CommissionStatus.FAILED  # refunded for failing: kept
    assert order.status == "refunded" and not LicenceGrant.objects.exists()
