"""Outbound webhooks' scrape-time series (docs/metrics.md), registered in
WebhooksConfig.ready(): deliveries pending, those due now, and how late the most overdue
one is. A pending delivery waiting out its retry backoff is not late; one past its
`next_attempt_at` is, and that lateness is the sender's lag."""

from collections.abc import Iterable

from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric

from webhooks.models import DeliveryStatus, WebhookDelivery


class WebhookDeliveriesCollector:
    def collect(self) -> Iterable[Metric]:
        now = timezone.now()
        due = Q(next_attempt_at__lte=now)
        pending = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).aggregate(
            rows=Count("pk"),
            due=Count("pk", filter=due),
            oldest_due=Min("next_attempt_at", filter=due),
        )
        late = (now - pending["oldest_due"]).total_seconds() if pending["oldest_due"] else 0.0
        for name, documentation, value in (
            ("promptfolio_webhook_deliveries_pending", "Outbound deliveries pending.", "rows"),
            (
                "promptfolio_webhook_deliveries_due",
                "Outbound deliveries pending whose next attempt is due now.",
                "due",
            ),
        ):
            family = GaugeMetricFamily(name, documentation)
            family.add_metric([], pending[value])
            yield family
        lag = GaugeMetricFamily(
            "promptfolio_webhook_delivery_lag_seconds",
            "How far past its due time the most overdue pending delivery is (0: none due).",
        )
        lag.add_metric([], max(0.0, late))
        yield lag
