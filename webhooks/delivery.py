"""The one module that sends webhook HTTP requests, safe against server-side request forgery.

A user chooses the URL, so the request must not reach our own network: the host name is
resolved once, every address it resolves to is checked (a name with one private answer is
refused, so a rebinding resolver cannot pick the other at connect time), and the socket is
connected to that checked address while the Host header and TLS certificate check use the
name. Redirects are never followed (a 3xx is a failed attempt), a watchdog ends any request
after connect + read timeout, and at most `WEBHOOKS_MAX_RESPONSE_BYTES` of the answer are read.
"""

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings

# Never a webhook receiver, whatever the operator allows: cloud instance metadata services.
METADATA_NETWORKS = (
    ipaddress.ip_network("169.254.169.254/32"),
    ipaddress.ip_network("fd00:ec2::254/128"),
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba Cloud
)
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")
CHUNK_BYTES = 8192
URL_SAFE = "/%:@!$&'()*+,;=?-._~"


class DeliveryRefused(Exception):
    """The URL points where we never send (checked before any connection is made)."""


class DeliveryError(Exception):
    """The request could not be completed (DNS, connect, TLS, timeout, broken response)."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes  # at most WEBHOOKS_MAX_RESPONSE_BYTES
    truncated: bool
    location: str = ""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64), which is what it reaches."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_refusal(address: str, *, allow_private: bool) -> str | None:
    """Why we never connect to `address`, or None when it is fine."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and (inner := _embedded_ipv4(ip)) is not None:
        ip = inner
    if any(ip in network for network in METADATA_NETWORKS):
        return f"{ip} is a cloud metadata address"
    if ip.is_unspecified or ip.is_multicast:
        return f"{ip} is not a unicast address"
    if allow_private:
        return None
    if ip.is_loopback:
        return f"{ip} is a loopback address"
    if ip.is_link_local:
        return f"{ip} is a link-local address"
    if not ip.is_global:
        return f"{ip} is a private or reserved address"
    return None


def resolve(host: str, port: int, *, allow_private: bool) -> str:
    """The one address to connect to: `host` resolved once, refused if any answer is bad."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise DeliveryError(f"could not resolve {host}: {error}") from error
    addresses = list(dict.fromkeys(answer[4][0] for answer in answers))
    if not addresses:
        raise DeliveryError(f"{host} has no address")
    for address in addresses:
        reason = address_refusal(address, allow_private=allow_private)
        if reason:
            raise DeliveryRefused(f"{host} resolves to {reason}")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to a checked address; Host stays the URL's name. `expire()` (the watchdog)
    ends a request that outlives its deadline, however slowly the server drips bytes."""

    def __init__(self, host: str, port: int, *, address: str, read_timeout: float, **kwargs):
        super().__init__(host, port, **kwargs)
        self.pinned_address = address
        self.read_timeout = read_timeout
        self.expired = False

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self.pinned_address, self.port), self.timeout)
        if self.expired:
            sock.close()
            raise TimeoutError("deadline passed while connecting")
        sock.settimeout(self.read_timeout)
        return sock

    def connect(self) -> None:
        self.sock = self._open()

    def expire(self) -> None:
        self.expired = True
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """The same, with TLS whose SNI and certificate check use the URL's name."""

    default_port = http.client.HTTPS_PORT

    def __init__(self, *args, tls_context: ssl.SSLContext, **kwargs):
        super().__init__(*args, **kwargs)
        self.tls_context = tls_context

    def connect(self) -> None:
        self.sock = self.tls_context.wrap_socket(self._open(), server_hostname=self.host)


def _read_capped(response: http.client.HTTPResponse, *, limit: int) -> tuple[bytes, bool]:
    """At most `limit` bytes of the body, and whether there was more."""
    chunks, size = [], 0
    while size <= limit and (chunk := response.read(min(CHUNK_BYTES, limit + 1 - size))):
        chunks.append(chunk)
        size += len(chunk)
    body = b"".join(chunks)
    return body[:limit], len(body) > limit


def _target(url: str) -> tuple[str, str, int, str]:
    """(scheme, ASCII host, port, request target) of an http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryRefused("only http and https URLs with a host are delivered to")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except (UnicodeError, ValueError) as error:
        raise DeliveryRefused(f"not a valid host or port: {error}") from error
    target = quote(parts.path or "/", safe=URL_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=URL_SAFE)
    return parts.scheme, host, port, target


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Response:
    """POST `body` to `url` once, following no redirect, within connect + read timeout in
    all. Raises DeliveryRefused before any connection for a forbidden address, DeliveryError
    for a failed request."""
    scheme, host, port, target = _target(url)
    address = resolve(host, port, allow_private=settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES)
    options = {
        "address": address,
        "timeout": settings.WEBHOOKS_CONNECT_TIMEOUT,
        "read_timeout": settings.WEBHOOKS_READ_TIMEOUT,
    }
    if scheme == "https":
        context = ssl.create_default_context()
        connection = _PinnedHTTPSConnection(host, port, tls_context=context, **options)
    else:
        connection = _PinnedHTTPConnection(host, port, **options)
    total = settings.WEBHOOKS_CONNECT_TIMEOUT + settings.WEBHOOKS_READ_TIMEOUT
    watchdog = threading.Timer(total, connection.expire)
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        content, truncated = _read_capped(response, limit=settings.WEBHOOKS_MAX_RESPONSE_BYTES)
    except (OSError, http.client.HTTPException) as error:
        raise DeliveryError("timed out" if connection.expired else _describe(error)) from error
    finally:
        watchdog.cancel()
        connection.close()
    if connection.expired:  # a cut-off answer can look complete (headers end at EOF)
        raise DeliveryError("timed out")
    location = response.headers.get("Location", "") or ""
    return Response(response.status, content, truncated, location[:300])


def _describe(error: Exception) -> str:
    if isinstance(error, TimeoutError):
        return "timed out"
    return f"{type(error).__name__}: {error}"[:300]
