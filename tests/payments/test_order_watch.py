"""The pending order page's poll: 304 without a query until the payment lands."""

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.marketplace.factories import make_listing
from tests.payments.factories import make_order, pay

pytestmark = pytest.mark.django_db
POLL = {"HX-Request": "true"}


@pytest.fixture
def order(buyer, creator):
    return make_order(buyer=buyer, listing=make_listing(creator, publish=True))


def order_url(order) -> str:
    return reverse("order_detail", kwargs={"order_id": order.pk})


def test_a_pending_order_answers_304_without_a_query_until_it_is_paid(
    client, buyer, order, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client.force_login(buyer)
    first = client.get(order_url(order), headers=POLL)
    assert first.status_code == 200 and "Processing your payment" in first.content.decode()

    with django_assert_num_queries(0):
        unchanged = client.get(order_url(order), headers={**POLL, "If-None-Match": first["ETag"]})
    assert unchanged.status_code == 304

    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    paid = client.get(order_url(order), headers={**POLL, "If-None-Match": first["ETag"]})

    fragment = paid.content.decode()
    assert paid.status_code == 200 and "Processing your payment" not in fragment
    assert "data-watch-url" not in fragment  # the watcher stops here


def test_another_buyers_etag_is_no_way_in(client, buyer, order):
    client.force_login(buyer)
    etag = client.get(order_url(order), headers=POLL)["ETag"]
    client.force_login(UserFactory())

    response = client.get(order_url(order), headers={**POLL, "If-None-Match": etag})

    assert response.status_code == 404


def test_order_page_loads_the_watcher_keeps_a_refresh_link_and_no_inline_script(
    client, buyer, order
):
    client.force_login(buyer)

    page = client.get(order_url(order)).content.decode()

    assert f'data-watch-url="{order_url(order)}"' in page and "hx-trigger" not in page
    assert f'<a href="{order_url(order)}">Refresh</a>' in page
    assert "/static/js/watch.js" in page
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", page) == []
