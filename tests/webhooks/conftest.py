import contextlib
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings

from webhooks.models import EventType
from webhooks.services.endpoints import endpoint_create

DOC = Path(settings.BASE_DIR) / "docs" / "webhooks.md"


@pytest.fixture(scope="session")
def verify_signature():
    """The one Python code block of docs/webhooks.md, run as a receiver would paste it."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    assert len(blocks) == 1
    namespace: dict = {}
    exec(compile(blocks[0], str(DOC), "exec"), namespace)  # noqa: S102 - our own doc
    return namespace["verify_signature"]


class Receiver:
    """A local HTTP server that records each request and answers as a test tells it."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        self.body = b"ok"
        self.headers: dict[str, str] = {}
        self.delay = 0.0
        self.verify = None  # (headers, body) -> bool: answer 401 when it says False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path="/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                receiver.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                time.sleep(receiver.delay)
                request = receiver.requests[-1]
                verified = receiver.verify is None or receiver.verify(
                    request["headers"], request["body"]
                )
                self.send_response(receiver.status if verified else 401)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(receiver.body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(receiver.body)

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture
def receiver():
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def local_webhooks(settings):
    """Deliveries to 127.0.0.1 over plain http, as an operator's dev setup would allow."""
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOKS_ALLOW_HTTP = True
    return settings


@pytest.fixture
def endpoint_for(local_webhooks, receiver):
    def make(owner, events=tuple(EventType.values), path="/hook"):
        return endpoint_create(owner=owner, url=receiver.url(path), events=list(events))

    return make
