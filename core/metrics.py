"""Prometheus metrics (docs/metrics.md): the series core measures itself, and the plumbing
that serves every floor's series at `/metrics` (web) or on WORKER_METRICS_PORT (workers).

Two kinds of series:
- Events (counters, histograms) are counted in the process where they happen. Gunicorn and
  a prefork Celery worker run several processes, so with PROMETHEUS_MULTIPROC_DIR set each
  process writes its values to that folder and a scrape merges them (prometheus-client's
  multiprocess mode; the variable must be set before the process starts).
- State (jobs by state, money owed, webhook backlog, queue depth) is read at scrape time
  from the rows and the broker, which are the truth. A higher floor registers a collector
  for its own rows in its `AppConfig.ready()` (`register_scrape_collector`), the pattern of
  `core.health`; only the web `/metrics` runs them, so each state series comes from one
  place however many workers there are.
Labels stay bounded: view names, statuses, engines, queues, limit scopes; never an id.
"""

import logging
from collections.abc import Callable, Iterable

from celery import current_app
from django.conf import settings
from kombu.exceptions import ChannelError
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "promptfolio_http_requests",
    "HTTP requests answered, by URL name (or 'unmatched') and status code.",
    ["view", "status"],
)
HTTP_LATENCY = Histogram(
    "promptfolio_http_request_duration_seconds",
    "Seconds from a request entering the middleware stack to its response, by URL name.",
    ["view"],
)
RATE_LIMIT_REFUSALS = Counter(
    "promptfolio_rate_limit_refusals",
    "Requests refused by a rate limit or login delay (answered 429), by limit.",
    ["limit"],
)


def request_observe(*, view: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(view=view, status=str(status)).inc()
    HTTP_LATENCY.labels(view=view).observe(seconds)


def rate_limit_refused(*, limit: str) -> None:
    RATE_LIMIT_REFUSALS.labels(limit=limit).inc()


# --- Scrape-time collectors (higher floors' rows) -------------------------------------------

_scrape_collectors: dict[str, Collector] = {}


def register_scrape_collector(name: str, collector: Collector) -> Collector:
    """Add (or replace, on a repeated `ready()`) a collector the web scrape runs."""
    _scrape_collectors[name] = collector
    return collector


def registered_scrape_collectors() -> dict[str, Collector]:
    return dict(_scrape_collectors)


def multiprocess_dir() -> str:
    return getattr(settings, "PROMETHEUS_MULTIPROC_DIR", "")


def event_collector() -> Collector:
    """This process's events, or every process's when they share a multiprocess folder."""
    if not multiprocess_dir():
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=multiprocess_dir())
    return registry


class ScrapeCollector:
    """What `/metrics` serves: the events, then each registered collector's state. A
    collector that raises is reported as down (`promptfolio_scrape_collector_up` 0) and
    logged; the rest of the scrape still answers."""

    def __init__(self, events: Collector, collectors: dict[str, Collector]) -> None:
        self.events = events
        self.collectors = collectors

    def collect(self) -> Iterable[Metric]:
        yield from self.events.collect()
        up = GaugeMetricFamily(
            "promptfolio_scrape_collector_up",
            "1 when the collector read its rows in this scrape, 0 when it failed.",
            labels=["collector"],
        )
        for name, collector in self.collectors.items():
            try:
                families = list(collector.collect())
            except Exception as exc:  # noqa: BLE001 - one failing source must not hide the rest
                logger.warning("Metrics collector %s failed: %s", name, exc)
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            yield from families
        yield up


def scrape_collector() -> ScrapeCollector:
    return ScrapeCollector(event_collector(), registered_scrape_collectors())


# --- Celery queue depth -----------------------------------------------------------------------

_queue_sources: list[Callable[[], Iterable[str]]] = []


def register_celery_queues(source: Callable[[], Iterable[str]]) -> None:
    """A higher floor names the queues it routes to (generation: gpu.<engine>)."""
    if source not in _queue_sources:
        _queue_sources.append(source)


def celery_queue_names() -> list[str]:
    """The default queue, every queue in CELERY_TASK_ROUTES, and the registered ones."""
    names = {getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")}
    routes = getattr(settings, "CELERY_TASK_ROUTES", {}) or {}
    names |= {route["queue"] for route in routes.values() if "queue" in route}
    for source in _queue_sources:
        names |= set(source())
    return sorted(names)


def broker_queue_depth(channel, queue: str) -> int:
    """Messages waiting in `queue` (a passive declare: Redis LLEN, files on the filesystem
    broker). A queue the broker has never seen holds none."""
    try:
        return channel.queue_declare(queue=queue, passive=True).message_count
    except ChannelError:
        return 0


class CeleryQueueCollector:
    """`promptfolio_celery_queue_depth{queue}`: wake-up messages waiting in the broker."""

    def collect(self) -> Iterable[Metric]:
        depth = GaugeMetricFamily(
            "promptfolio_celery_queue_depth",
            "Messages waiting in each Celery queue of the broker (wake-ups not yet taken).",
            labels=["queue"],
        )
        with current_app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
            channel = connection.default_channel
            for queue in celery_queue_names():
                depth.add_metric([queue], broker_queue_depth(channel, queue))
        yield depth


# --- Workers' own endpoint ----------------------------------------------------------------------


def worker_metrics_serve() -> bool:
    """Serve this worker's events on WORKER_METRICS_PORT (0: off); a busy port is logged,
    never fatal to the worker. Each worker on a host needs its own port."""
    port = int(getattr(settings, "WORKER_METRICS_PORT", 0) or 0)
    if not port:
        return False
    try:
        start_http_server(port, registry=event_collector())
    except OSError as exc:
        logger.error("Worker metrics not served on port %s: %s", port, exc)
        return False
    logger.info("Worker metrics on port %s", port)
    return True
