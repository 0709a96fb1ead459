"""Payments' scrape-time series (docs/metrics.md), read from the rows at every scrape and
registered in PaymentsConfig.ready(): money owed (automatic refunds not yet issued, creator
transfers payable and not yet made) and the backlog of provider webhook events not yet
processed. "Oldest" is 0 when nothing is owed or waiting."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric

from payments.models import WebhookEvent, WebhookEventStatus
from payments.services.payouts import transfers_owed
from payments.services.refunds import refunds_owed


def _age(now: datetime, oldest: datetime | None) -> float:
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def owed_money(*, now: datetime) -> dict[str, tuple[int, float]]:
    """{kind: (rows, age in seconds of the oldest)} for "refund" and "transfer"."""
    refunds = refunds_owed().aggregate(rows=Count("pk"), oldest=Min("refund_requested_at"))
    transfers = transfers_owed().aggregate(rows=Count("pk"), oldest=Min("order__paid_at"))
    return {
        "refund": (refunds["rows"], _age(now, refunds["oldest"])),
        "transfer": (transfers["rows"], _age(now, transfers["oldest"])),
    }


def inbound_webhook_backlog(*, now: datetime) -> tuple[int, float]:
    """(events received and not processed yet, age in seconds of the oldest)."""
    waiting = WebhookEvent.objects.filter(status=WebhookEventStatus.RECEIVED).aggregate(
        rows=Count("pk"), oldest=Min("received_at")
    )
    return waiting["rows"], _age(now, waiting["oldest"])


class PaymentsCollector:
    def collect(self) -> Iterable[Metric]:
        now = timezone.now()
        rows = GaugeMetricFamily(
            "promptfolio_money_owed_rows",
            "Order lines owing money: an automatic refund not yet issued, or a creator "
            "transfer payable and not yet made.",
            labels=["kind"],
        )
        oldest = GaugeMetricFamily(
            "promptfolio_money_owed_oldest_seconds",
            "How long the oldest owed refund (since decided) or transfer (since paid) waits.",
            labels=["kind"],
        )
        for kind, (count, age) in owed_money(now=now).items():
            rows.add_metric([kind], count)
            oldest.add_metric([kind], age)
        count, age = inbound_webhook_backlog(now=now)
        backlog = GaugeMetricFamily(
            "promptfolio_provider_webhook_backlog",
            "Provider (Stripe) webhook events stored and not processed yet.",
        )
        backlog.add_metric([], count)
        lag = GaugeMetricFamily(
            "promptfolio_provider_webhook_lag_seconds",
            "Age of the oldest provider webhook event not processed yet (0: none).",
        )
        lag.add_metric([], age)
        yield from (rows, oldest, backlog, lag)
