"""Creator dashboard (open commissions, earnings per style) and the buyer's commission list."""

import pytest
from django.urls import reverse

from commissions.selectors import commissions_in_progress, earnings_per_style
from commissions.services import brief as svc
from commissions.services.instant import commission_instant_create
from commissions.services.payment import commission_settle_job
from payments.services.refunds import refund_issue
from tests.commissions.factories import make_style, pay, run_job
from tests.commissions.test_services_brief import make_brief
from tests.factories import UserFactory
from tests.marketplace.factories import make_piece

pytestmark = pytest.mark.django_db


def instant(buyer, style, *, count=1, paid=True, run=False):
    commission, order = commission_instant_create(
        buyer=buyer, style=style, prompt="a lighthouse", count=count
    )
    if paid:
        pay(order)
        commission.refresh_from_db()
    if run:
        run_job(commission.job)
        commission_settle_job(job_id=commission.job_id)
        commission.refresh_from_db()
    return commission


def completed_brief(buyer, creator, quote=4000):
    commission = make_brief(buyer, creator)
    svc.commission_brief_quote(commission=commission, actor=creator, quote_amount=quote)
    pay(svc.commission_brief_order(commission=commission, buyer=buyer))
    svc.commission_brief_deliver(commission=commission, actor=creator, pieces=[make_piece(creator)])
    return svc.commission_brief_accept(commission=commission, actor=buyer)


def test_earnings_per_style_counts_paid_unrefunded_shares(buyer, creator, fake_stripe):
    teal = make_style(creator)  # 500 a picture: the creator's share is 400
    ink = make_style(creator, title="Ink", price_amount=1000)
    instant(buyer, teal, count=2, run=True)  # completed: 800 earned
    instant(buyer, teal)  # paid, job queued: 400 held
    instant(buyer, teal, paid=False)  # never paid: nothing
    refunded = instant(buyer, ink)
    refund_issue(line=refunded.order_line, reason="changed my mind")  # refunded: nothing
    completed_brief(buyer, creator)  # 4000 quote: 3200 earned under "Briefs"
    other = UserFactory(creator=True)
    instant(buyer, make_style(other, title="Not mine"), count=1)

    rows = {r["style_version__style__title"]: r for r in earnings_per_style(creator=creator)}

    assert set(rows) == {"Teal watercolour", None}
    teal_row = rows["Teal watercolour"]
    assert (teal_row["completed"], teal_row["earned"], teal_row["held"]) == (1, 800, 400)
    assert teal_row["currency"] == "USD" and teal_row["style_version__style_id"] == teal.pk
    assert (rows[None]["completed"], rows[None]["earned"], rows[None]["held"]) == (1, 3200, 0)


def test_dashboard_shows_open_commissions_and_earnings(client, buyer, creator):
    style = make_style(creator)
    instant(buyer, style, count=2, run=True)
    brief = make_brief(buyer, creator, brief="A fox in the snow")
    client.force_login(creator)

    html = client.get(reverse("commissions:dashboard")).content.decode()

    assert [c.pk for c in commissions_in_progress(creator=creator)] == [brief.pk]
    assert reverse("commissions:detail", kwargs={"commission_id": brief.pk}) in html
    assert "Brief: A fox in the snow" in html and "Brief sent" in html
    assert "<td>Teal watercolour</td>" in html and "$8.00" in html


@pytest.mark.parametrize("extra", [0, 4])
def test_dashboard_and_list_queries_do_not_grow(
    client, buyer, creator, extra, django_assert_max_num_queries
):
    styles = [make_style(creator, title=f"Style {i}") for i in range(1 + extra)]
    for style in styles:
        instant(buyer, style)
        make_brief(buyer, creator)
    client.force_login(creator)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("commissions:dashboard")).status_code == 200
    client.force_login(buyer)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("commissions:list")).status_code == 200


def test_buyer_list_shows_each_state_and_the_other_party(client, buyer, creator):
    style = make_style(creator)
    waiting = instant(buyer, style, paid=False)
    running = instant(buyer, style)
    brief = make_brief(buyer, creator)
    brief = svc.commission_brief_decline(commission=brief, actor=creator, reason="Booked")
    client.force_login(buyer)

    html = client.get(reverse("commissions:list")).content.decode()

    for commission, label in (
        (waiting, "Awaiting payment"),
        (running, "In progress"),
        (brief, "Declined"),
    ):
        url = reverse("commissions:detail", kwargs={"commission_id": commission.pk})
        (row,) = [row for row in html.split("<tr") if url in row]
        assert f'data-status="{commission.status}"' in row and label in row
    assert creator.public_name in html and "$5.00" in html
