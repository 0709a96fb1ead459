"""Commission pages: the local test gateway end to end, errors, and participant-only access."""

import pytest
from django.urls import reverse

from commissions.models import Commission
from generation.services.styles import style_withdraw
from licensing.models import LicenceGrant
from payments.models import Order
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_buyer_commissions_pays_on_local_gateway_and_gets_a_certificate(
    client, buyer, style, run_tasks_inline
):
    client.force_login(buyer)
    response = client.post(
        f"/styles/{style.pk}/commission/", {"prompt": "a lighthouse", "count": 1}
    )
    order = Order.objects.get(buyer=buyer)
    assert response.status_code == 302 and response.url == f"/checkout/test-gateway/{order.pk}/"

    with run_tasks_inline():
        client.post(response.url, {"outcome": "pay"})
    # Inline tasks: the webhook queued the job, the worker ran it in the style, and the
    # settle task granted the licence, all on this one payment.
    commission = Commission.objects.get()
    assert commission.status == "completed" and commission.job.status == "succeeded"
    grant = LicenceGrant.objects.get()
    page = client.get(f"/commissions/{commission.pk}/").content.decode()
    assert f"/licences/{grant.pk}/certificate.pdf" in page or "Certificate (PDF)" in page
    order_page = client.get(f"/orders/{order.pk}/").content.decode()
    assert f"/commissions/line/{commission.order_line_id}/" in order_page


def test_withdrawn_style_shows_a_clear_error_and_charges_nothing(client, buyer, style):
    style_withdraw(style=style, actor=style.creator)
    client.force_login(buyer)

    response = client.post(f"/styles/{style.pk}/commission/", {"prompt": "x", "count": 1})

    assert response.status_code == 400
    assert "not available for commissions" in response.content.decode()
    assert not Order.objects.exists()


def test_commission_page_is_for_participants_only(client, buyer, style):
    from commissions.services.instant import commission_instant_create

    commission, _ = commission_instant_create(buyer=buyer, style=style, prompt="x")
    client.force_login(UserFactory())
    assert client.get(f"/commissions/{commission.pk}/").status_code == 404
    client.force_login(style.creator)
    assert client.get(f"/commissions/{commission.pk}/").status_code == 200


def test_brief_with_past_deadline_is_refused_in_the_form(client, buyer, creator):
    client.force_login(buyer)
    response = client.post(
        f"/creators/{creator.pk}/brief/",
        {"brief": "A fox", "deadline": "2001-01-01T10:00", "budget": "50"},
    )
    assert response.status_code == 400 and "must be in the future" in response.content.decode()
    assert not Commission.objects.exists()


def test_action_in_wrong_state_shows_error(client, buyer, creator):
    from datetime import timedelta

    from django.utils import timezone

    from commissions.services.brief import commission_brief_create

    commission = commission_brief_create(
        buyer=buyer,
        creator=creator,
        brief="A fox",
        deadline=timezone.now() + timedelta(days=2),
        budget_amount=3000,
    )
    client.force_login(buyer)
    response = client.post(f"/commissions/{commission.pk}/accept/", follow=True)
    assert "cannot accept a commission that is brief sent" in response.content.decode()
    commission.refresh_from_db()
    assert commission.status == "requested"


def test_an_instant_commissions_poll_is_conditional_until_its_status_changes(
    client, buyer, style, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from commissions.services.instant import commission_instant_create
    from tests.commissions.factories import pay

    commission, order = commission_instant_create(buyer=buyer, style=style, prompt="x")
    url = f"/commissions/{commission.pk}/"
    client.force_login(buyer)
    page = client.get(url).content.decode()
    assert f'data-watch-url="{url}" data-watch-interval="2"' in page
    assert f'<a href="{url}">Refresh</a>' in page and "hx-trigger" not in page
    first = client.get(url, headers={"HX-Request": "true"})

    with django_assert_num_queries(0):
        again = client.get(url, headers={"HX-Request": "true", "If-None-Match": first["ETag"]})
    assert again.status_code == 304

    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    after = client.get(url, headers={"HX-Request": "true", "If-None-Match": first["ETag"]})
    assert after.status_code == 200 and after["ETag"] != first["ETag"]


def _brief(buyer, creator):
    from datetime import timedelta

    from django.utils import timezone

    from commissions.services.brief import commission_brief_create

    return commission_brief_create(
        buyer=buyer,
        creator=creator,
        brief="A fox",
        deadline=timezone.now() + timedelta(days=2),
        budget_amount=3000,
    )


@pytest.mark.parametrize(
    ("quote", "error"),
    [
        ("inf", "Quote: Enter a number."),
        ("nan", "Quote: Enter a number."),
        ("1e400", "Quote: Ensure that there are no more than 9 digits in total."),
        ("-1", "Quote: Ensure this value is greater than or equal to 0."),
        ("12.345", "Quote: Ensure that there are no more than 2 decimal places."),
    ],
)
def test_a_quote_that_is_no_amount_is_a_form_error(client, buyer, creator, quote, error):
    commission = _brief(buyer, creator)
    client.force_login(creator)

    response = client.post(f"/commissions/{commission.pk}/quote/", {"quote": quote}, follow=True)

    assert response.status_code == 200
    assert error in response.content.decode()
    commission.refresh_from_db()
    assert commission.status == "requested" and commission.quote_amount is None


def test_a_quote_in_major_units_is_kept_in_cents(client, buyer, creator):
    commission = _brief(buyer, creator)
    client.force_login(creator)

    client.post(f"/commissions/{commission.pk}/quote/", {"quote": "45.50", "note": "Two days"})

    commission.refresh_from_db()
    assert commission.quote_amount == 4550 and commission.quote_note == "Two days"


def test_delivering_a_malformed_piece_id_is_a_form_error(client, buyer, creator):
    commission = _brief(buyer, creator)
    client.force_login(creator)

    response = client.post(
        f"/commissions/{commission.pk}/deliver/", {"pieces": ["not-a-uuid"]}, follow=True
    )

    assert response.status_code == 200
    assert "Pieces: “not-a-uuid” is not a valid id." in response.content.decode()
    commission.refresh_from_db()
    assert commission.status == "requested"


def test_commission_checkouts_share_the_checkout_limit_with_a_429_page(
    client, buyer, style, settings
):
    settings.CHECKOUT_RATE_LIMIT_PER_MINUTE = 1
    client.force_login(buyer)
    url = f"/styles/{style.pk}/commission/"
    assert client.post(url, {"prompt": "a lighthouse", "count": 1}).status_code == 302

    refused = client.post(url, {"prompt": "a harbour", "count": 1})

    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "too many checkouts" in refused.content.decode()
    assert Commission.objects.count() == 1 and Order.objects.count() == 1


def test_an_unverified_address_cannot_commission_brief_or_top_up(client, style, creator):
    fresh = UserFactory(verified=False)
    client.force_login(fresh)

    responses = [
        client.post(f"/styles/{style.pk}/commission/", {"prompt": "a lighthouse", "count": 1}),
        client.post(reverse("commissions:brief_create", args=[creator.pk]), {"brief": "A fox"}),
        client.post("/credit/", {"amount": "20.00"}),
    ]

    assert [r.status_code for r in responses] == [302, 302, 302]
    assert all(r.url.startswith(reverse("account_email")) for r in responses)
    assert not Commission.objects.exists() and not Order.objects.exists()
