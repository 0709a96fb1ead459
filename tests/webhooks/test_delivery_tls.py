"""https deliveries connect to the checked address but verify the certificate for the name."""

import datetime as dt
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from webhooks import delivery as http


def self_signed(tmp_path, name: str):
    """A certificate for `name` that is its own CA; returns (cert path, key path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch, settings):
    """An https server on 127.0.0.1 with a certificate for `hooks.test`, which the fake
    resolver maps to 127.0.0.1; our client trusts that certificate and records SNI."""
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    cert, key = self_signed(tmp_path, "hooks.test")
    seen = {"sni": [], "hosts": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            seen["hosts"].append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    server_context.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)
    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    real_getaddrinfo, real_context = socket.getaddrinfo, ssl.create_default_context

    def resolve(host, port, *args, **kwargs):
        return real_getaddrinfo("127.0.0.1" if host.endswith(".test") else host, port, *args)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    monkeypatch.setattr(ssl, "create_default_context", lambda: real_context(cafile=str(cert)))
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


def test_https_to_the_pinned_address_verifies_the_name_and_sends_sni(tls_receiver):
    port, seen = tls_receiver

    response = http.post(f"https://hooks.test:{port}/in", body=b"{}", headers={})

    assert response.status == 204
    assert seen["sni"] == ["hooks.test"]
    assert seen["hosts"] == [f"hooks.test:{port}"]


def test_a_certificate_for_another_name_fails_the_delivery(tls_receiver):
    port, seen = tls_receiver

    with pytest.raises(http.DeliveryError, match="CERTIFICATE_VERIFY_FAILED|Hostname mismatch"):
        http.post(f"https://other.test:{port}/in", body=b"{}", headers={})
    assert seen["hosts"] == []
