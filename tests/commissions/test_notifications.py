"""Every commission status change tells the right party (or both) exactly once, in-app and
by email after commit, with a link to the commission page."""

import pytest
from django.core import mail
from django.urls import reverse

from commissions.models import CommissionStatus
from commissions.services import brief as svc
from commissions.services.instant import commission_instant_create
from commissions.services.payment import commission_settle_job
from core.errors import ApplicationError
from core.models import Notification
from generation.models import GenerationJob
from payments.services.refunds import refund_issue
from tests.commissions.factories import pay, run_job
from tests.commissions.test_services_brief import make_brief
from tests.marketplace.factories import make_piece

pytestmark = pytest.mark.django_db


class Inbox:
    """Counts each user's new notifications between steps."""

    def __init__(self, *users):
        self.users = users
        self.seen = Notification.objects.count()

    def step(self):
        new = list(Notification.objects.order_by("id")[self.seen :])
        self.seen += len(new)
        return sorted(n.user.email for n in new), new


def names(*users):
    return sorted(u.email for u in users)


def test_brief_workflow_notifies_each_transition_once(
    buyer, creator, django_capture_on_commit_callbacks
):
    inbox = Inbox(buyer, creator)
    with django_capture_on_commit_callbacks(execute=True):
        commission = make_brief(buyer, creator)
    url = reverse("commissions:detail", kwargs={"commission_id": commission.pk})
    who, rows = inbox.step()
    assert who == names(creator)
    assert rows[0].url == url and rows[0].subject == f"New brief from {buyer.public_name}"
    assert [m.to for m in mail.outbox] == [[creator.email]]  # sent after commit
    assert url in mail.outbox[0].body

    svc.commission_brief_quote(commission=commission, actor=creator, quote_amount=4000)
    who, rows = inbox.step()
    assert who == names(buyer) and rows[0].body == "Quote 40.00 USD"
    order = svc.commission_brief_order(commission=commission, buyer=buyer)
    assert inbox.step()[0] == names(creator)
    pay(order)
    pay(order, source="webhook:evt_again")  # a redelivered event changes nothing
    assert inbox.step()[0] == names(buyer, creator)
    svc.commission_brief_deliver(commission=commission, actor=creator, pieces=[make_piece(creator)])
    assert inbox.step()[0] == names(buyer)
    svc.commission_brief_request_revision(commission=commission, actor=buyer, note="More snow")
    who, rows = inbox.step()
    assert who == names(creator) and rows[0].body == "More snow"
    svc.commission_brief_deliver(commission=commission, actor=creator, pieces=[make_piece(creator)])
    assert inbox.step()[0] == names(buyer)
    svc.commission_brief_accept(commission=commission, actor=buyer)
    who, rows = inbox.step()
    assert who == names(buyer, creator)
    assert {n.url for n in rows} == {url}
    # one notification per change, two where both parties are told (paid, completed)
    assert Notification.objects.filter(url=url).count() == commission.events.count() + 2


def test_decline_tells_only_the_buyer(buyer, creator):
    commission = make_brief(buyer, creator)
    inbox = Inbox(buyer, creator)
    svc.commission_brief_decline(commission=commission, actor=creator, reason="Booked")
    who, rows = inbox.step()
    assert who == names(buyer)
    assert rows[0].subject == f"{creator.public_name} declined your brief"


def test_refused_action_notifies_nobody(buyer, creator):
    commission = make_brief(buyer, creator)
    inbox = Inbox(buyer, creator)
    with pytest.raises(ApplicationError, match="brief sent"):
        svc.commission_brief_accept(commission=commission, actor=buyer)
    assert inbox.step()[0] == []


def test_instant_commission_notifies_buyer_then_both(buyer, style):
    inbox = Inbox(buyer, style.creator)
    commission, order = commission_instant_create(buyer=buyer, style=style, prompt="a boat")
    assert inbox.step()[0] == names(buyer)  # a link back to an unfinished checkout
    pay(order)
    commission.refresh_from_db()
    assert inbox.step()[0] == names(buyer, style.creator)
    run_job(commission.job)
    commission_settle_job(job_id=commission.job_id)
    commission_settle_job(job_id=commission.job_id)
    who, rows = inbox.step()
    assert who == names(buyer, style.creator)
    buyer_note = next(n for n in rows if n.user == buyer)
    assert buyer_note.subject == (
        "Completed: your licence for your commission in “Teal watercolour” is ready"
    )


def test_failed_job_notifies_both_once_and_the_refund_adds_nothing(buyer, style, fake_stripe):
    commission, order = commission_instant_create(buyer=buyer, style=style, prompt="a boat")
    pay(order)
    commission.refresh_from_db()
    GenerationJob.objects.filter(pk=commission.job_id).update(status="failed", error="boom")
    inbox = Inbox(buyer, style.creator)
    commission_settle_job(job_id=commission.job_id)
    refund_issue(line=commission.order_line, reason="job failed")
    commission.refresh_from_db()
    assert commission.status == CommissionStatus.FAILED
    assert inbox.step()[0] == names(buyer, style.creator)
