"""The hook registry: no subscriber, order, a raising subscriber, and the wired-up apps."""

from dataclasses import dataclass

import pytest

from core.hooks import Hook


@dataclass(frozen=True)
class Ping:
    value: int


def test_a_hook_without_subscribers_does_nothing():
    assert Hook[Ping]("test.nobody").call(Ping(1)) == []


def test_handlers_run_in_registration_order_once_each():
    hook: Hook[Ping] = Hook("test.order")
    seen = []

    def first(event):
        seen.append(("first", event.value))
        return "a"

    def second(event):
        seen.append(("second", event.value))
        return "b"

    hook.register(first)
    hook.register(second)
    hook.register(first)  # a repeated ready() must not double-run it
    assert hook.call(Ping(7)) == ["a", "b"]
    assert seen == [("first", 7), ("second", 7)]


def test_a_raising_subscriber_stops_the_caller_and_later_handlers():
    hook: Hook[Ping] = Hook("test.raises")
    later = []
    hook.register(lambda event: 1 / 0)
    hook.register(later.append)
    with pytest.raises(ZeroDivisionError):
        hook.call(Ping(1))
    assert later == []


def test_unregister_removes_a_handler():
    hook: Hook[Ping] = Hook("test.unregister")
    hook.register(print)
    hook.unregister(print)
    assert hook.handlers == []


def test_the_higher_floors_subscribe_at_startup():
    from commissions.hooks import commission_status_changed, commissions_held
    from generation.hooks import job_finished, may_derive, original_requested, style_tier_chosen
    from licensing.hooks import licence_granted
    from marketplace.hooks import (
        account_erase_check,
        account_export_sections,
        listing_withheld_reason,
        may_resell_derivative,
    )
    from payments.hooks import order_line_paid, order_line_refunded

    names = lambda hook: [handler.__module__ for handler in hook.handlers]  # noqa: E731
    assert names(job_finished) == ["commissions.subscriptions", "webhooks.subscriptions"]
    assert names(licence_granted) == ["webhooks.subscriptions"]
    assert names(commission_status_changed) == ["webhooks.subscriptions"]
    # Payments settles its own line kinds (licence, credit) through the same hook.
    assert names(order_line_paid) == [
        "payments.subscriptions",
        "payments.subscriptions",
        "commissions.subscriptions",
    ]
    assert names(order_line_refunded) == ["commissions.subscriptions"]
    assert names(commissions_held) == ["disputes.subscriptions"]
    assert names(style_tier_chosen) == ["licensing.subscriptions"]
    assert names(original_requested) == ["licensing.subscriptions"]
    assert names(may_derive) == ["licensing.subscriptions"]
    assert names(may_resell_derivative) == ["licensing.subscriptions"]
    # Prepaid credit is refused before open commissions, as before the move.
    assert names(account_erase_check) == ["payments.subscriptions", "commissions.subscriptions"]
    assert names(account_export_sections) == [
        "licensing.subscriptions",
        "payments.subscriptions",
        "commissions.subscriptions",
        "disputes.subscriptions",  # disputes
        "disputes.subscriptions",  # takedown notices and artist claims
        "webhooks.subscriptions",
    ]
    assert names(listing_withheld_reason) == ["disputes.subscriptions"]
