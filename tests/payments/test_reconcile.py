import pytest
from django.core.management import call_command

from tests.marketplace.factories import make_listing
from tests.payments.factories import make_order

pytestmark = pytest.mark.django_db


def test_reconcile_reports_orders_paid_at_stripe_but_pending_here(
    buyer, creator, fake_stripe, capsys
):
    listing = make_listing(creator, publish=True)
    lost = make_order(buyer=buyer, listing=listing, checkout_session_id="cs_lost")
    make_order(buyer=buyer, listing=listing, checkout_session_id="cs_ok", status="paid")

    with pytest.raises(SystemExit) as exit_info:
        call_command("reconcile_payments", "--days", "1")

    out = capsys.readouterr().out
    assert exit_info.value.code == 1
    assert f"{lost.pk}  local=pending  stripe=paid" in out
    assert "1 mismatched orders" in out
    assert [c[1] for c in fake_stripe] == [("cs_lost",), ("cs_ok",)]
