"""Deliveries never reach our own network, pin the checked address, and stay bounded."""

import contextlib
import ipaddress
import socket
import threading
import time

import pytest

from webhooks import delivery as http
from webhooks.models import DeliveryStatus, WebhookAttempt
from webhooks.services.deliveries import delivery_attempt, event_emit
from webhooks.services.endpoints import endpoint_create


@pytest.fixture
def no_connection(monkeypatch):
    """Fail the test if anything tries to open a socket."""
    opened = []

    def refuse(*args, **kwargs):
        opened.append(args)
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    return opened


def fake_resolver(monkeypatch, answers: dict[str, list[str]]):
    """getaddrinfo as a resolver that answers `answers`; records each name asked (a numeric
    address, which needs no lookup, answers itself)."""
    asked = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            answers[host] = [str(ipaddress.ip_address(host))]
        else:
            asked.append(host)
        family = lambda a: socket.AF_INET6 if ":" in a else socket.AF_INET  # noqa: E731
        return [(family(a), socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("10.0.0.5", "private"),
        ("172.16.3.4", "private"),
        ("192.168.1.1", "private"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("169.254.10.1", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.7", "private or reserved"),
        ("fc00::5", "private"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("0.0.0.0", "not a unicast"),
        ("224.0.0.1", "not a unicast"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a00:5", "private"),
        ("2002:a00:5::1", "private"),
        ("240.0.0.1", "reserved"),
    ],
)
def test_forbidden_addresses_are_refused(address, why):
    assert why in http.address_refusal(address, allow_private=False)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::1111", "8.8.8.8"])
def test_public_addresses_pass(address):
    assert http.address_refusal(address, allow_private=False) is None


def test_metadata_stays_refused_when_private_addresses_are_allowed():
    assert http.address_refusal("10.0.0.5", allow_private=True) is None
    assert http.address_refusal("127.0.0.1", allow_private=True) is None
    assert "metadata" in http.address_refusal("169.254.169.254", allow_private=True)


def test_a_literal_private_address_is_refused_without_connecting(settings, no_connection):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False

    with pytest.raises(http.DeliveryRefused, match="10.0.0.5 is a private"):
        http.post("https://10.0.0.5/hook", body=b"{}", headers={})
    assert no_connection == []


def test_a_name_resolving_to_a_private_address_is_refused_without_connecting(
    settings, monkeypatch, no_connection
):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    asked = fake_resolver(monkeypatch, {"hooks.example.com": ["10.0.0.5"]})

    with pytest.raises(http.DeliveryRefused, match="hooks.example.com resolves to 10.0.0.5"):
        http.post("https://hooks.example.com/hook", body=b"{}", headers={})
    assert asked == ["hooks.example.com"]
    assert no_connection == []


def test_one_private_answer_among_public_ones_is_enough_to_refuse(
    settings, monkeypatch, no_connection
):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    fake_resolver(monkeypatch, {"rebind.example.com": ["93.184.215.14", "127.0.0.1"]})

    with pytest.raises(http.DeliveryRefused, match="loopback"):
        http.post("https://rebind.example.com/", body=b"{}", headers={})
    assert no_connection == []


def test_the_connection_goes_to_the_address_resolved_once(local_webhooks, monkeypatch, receiver):
    """The name is resolved once and the socket connects to that address; the Host header
    keeps the name (a second lookup could have answered differently)."""
    asked = fake_resolver(monkeypatch, {"receiver.test": ["127.0.0.1"]})
    connected = []
    real_connect = socket.create_connection

    def spy(address, *args, **kwargs):
        connected.append(address)
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", spy)

    response = http.post(f"http://receiver.test:{receiver.port}/x", body=b"{}", headers={})

    assert response.status == 200 and response.body == b"ok"
    assert asked == ["receiver.test"]
    assert connected == [("127.0.0.1", receiver.port)]
    assert receiver.requests[0]["headers"]["Host"] == f"receiver.test:{receiver.port}"


def test_a_redirect_is_not_followed_and_counts_as_a_failure(endpoint_for, receiver, buyer):
    endpoint_for(buyer)
    receiver.status = 302
    receiver.headers = {"Location": "http://169.254.169.254/latest/meta-data/"}
    (delivery,) = event_emit(user_id=buyer.pk, event_type="job.failed", data={})

    delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert len(receiver.requests) == 1
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_status_code == 302
    assert (
        delivery.last_error == "Redirect to http://169.254.169.254/latest/meta-data/ not followed"
    )


def test_reading_stops_at_the_response_cap(local_webhooks, receiver):
    local_webhooks.WEBHOOKS_MAX_RESPONSE_BYTES = 1000
    receiver.body = b"x" * 50_000

    response = http.post(receiver.url(), body=b"{}", headers={})

    assert response.status == 200
    assert response.body == b"x" * 1000 and response.truncated is True


def test_a_slow_receiver_times_out(local_webhooks, receiver, buyer, endpoint_for):
    local_webhooks.WEBHOOKS_READ_TIMEOUT = 0.2
    receiver.delay = 1.0
    endpoint_for(buyer)
    (delivery,) = event_emit(user_id=buyer.pk, event_type="job.failed", data={})

    delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_status_code is None and delivery.last_error == "timed out"
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.error == "timed out" and attempt.duration_ms < 1000


def test_a_name_that_later_resolves_privately_is_refused_at_delivery(
    settings, monkeypatch, buyer, no_connection
):
    """An endpoint whose name later resolves to a private address is refused at delivery
    time (registration cannot know), without any connection."""
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    endpoint_create(owner=buyer, url="https://hooks.example.com/in", events=["job.failed"])
    fake_resolver(monkeypatch, {"hooks.example.com": ["10.0.0.5"]})
    (delivery,) = event_emit(user_id=buyer.pk, event_type="job.failed", data={})

    delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_error == (
        "Refused: hooks.example.com resolves to 10.0.0.5 is a private or reserved address"
    )
    assert no_connection == []


@pytest.fixture
def dripping_server():
    """A raw TCP server that answers a status line, then one header every 50 ms for 5 s:
    every read is quick, so only a deadline on the whole request can end it."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            for n in range(100):
                if stop.is_set():
                    return
                with contextlib.suppress(OSError):
                    conn.sendall(f"X-Drip-{n}: {n}\r\n".encode())
                time.sleep(0.05)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    listener.close()


def test_a_server_dripping_bytes_is_cut_off_at_the_overall_deadline(
    local_webhooks, dripping_server
):
    local_webhooks.WEBHOOKS_CONNECT_TIMEOUT = 0.2
    local_webhooks.WEBHOOKS_READ_TIMEOUT = 0.3
    started = time.monotonic()

    with pytest.raises(http.DeliveryError, match="^timed out$"):
        http.post(f"http://127.0.0.1:{dripping_server}/", body=b"{}", headers={})

    assert time.monotonic() - started < 1.5


def test_international_names_and_paths_are_sent_as_ascii(local_webhooks, monkeypatch, receiver):
    asked = fake_resolver(monkeypatch, {"xn--bcher-kva.test": ["127.0.0.1"]})

    response = http.post(
        f"http://bücher.test:{receiver.port}/eingang/grüße?q=ä b", body=b"{}", headers={}
    )

    assert response.status == 200 and asked == ["xn--bcher-kva.test"]
    (request,) = receiver.requests
    assert request["path"] == "/eingang/gr%C3%BC%C3%9Fe?q=%C3%A4%20b"
    assert request["headers"]["Host"] == f"xn--bcher-kva.test:{receiver.port}"


@pytest.mark.parametrize(
    "url", ["https://a..b/x", "https://hooks.example.com:99999/", "gopher://x/"]
)
def test_malformed_urls_are_refused_without_any_lookup(url, monkeypatch, no_connection):
    asked = fake_resolver(monkeypatch, {})

    with pytest.raises(http.DeliveryRefused):
        http.post(url, body=b"{}", headers={})
    assert asked == [] and no_connection == []


@pytest.mark.parametrize("host", ["2130706433", "0x7f.1", "0177.0.0.1", "127.1"])
def test_odd_spellings_of_loopback_are_refused_after_resolution(settings, host, no_connection):
    """The resolver turns these into 127.0.0.1; the check runs on what it answers."""
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False

    with pytest.raises(http.DeliveryRefused, match="127.0.0.1 is a loopback address"):
        http.post(f"http://{host}/", body=b"{}", headers={})
    assert no_connection == []
