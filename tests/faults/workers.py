"""Helpers the fault tests and bench/faults.py share: real Celery worker processes and a
private, throwaway redis-server (never the shared one on 6379)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The test database as a URL a worker process can open (a file on SQLite)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(
    log: Path, *, broker_url: str | None = None, lease_seconds: int = 4, stamp_processes: int = 0
):
    """`celery -A config worker -Q gpu --pool solo` in its own process group, stamping in a
    pool of `stamp_processes` children (0: in the worker's own threads)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url or settings.CELERY_BROKER_URL,
        "VAR_DIR": str(settings.VAR_DIR),
        "GENERATION_LEASE_SECONDS": str(lease_seconds),
        "GENERATION_STAMP_PROCESSES": str(stamp_processes),
        "PROVENANCE_SIGNING_DIR": str(settings.PROVENANCE_SIGNING_DIR),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            "gpu",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def kill(process: subprocess.Popen) -> None:
    """SIGKILL the whole process group (no chance to ack, clean up or say goodbye)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own on a free port, keeping nothing on disk (like ours in
    production: `--save "" --appendonly no`), which can be shut down and started again."""

    def __init__(self, directory: Path, port: int | None = None):
        self.directory = directory
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.directory.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--daemonize",
                "no",
            ],
            stdout=(self.directory / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ping():
                return
            if self.process.poll() is not None:
                raise RuntimeError((self.directory / "redis.log").read_text()[-2000:])
            time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not answer")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def shutdown_nosave(self, timeout: float = 10) -> None:
        """`SHUTDOWN NOSAVE`: every queued and unacked message is gone."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            sock.sendall(b"SHUTDOWN NOSAVE\r\n")
            with suppress(OSError):  # the server may close the socket without a reply
                sock.recv(64)
        self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process is not None:
            kill(self.process)


@contextmanager
def celery_broker(url: str):
    """Point this process's Celery app (publishing, /healthz) at another broker.

    Celery reads Django settings lazily; our values go in its `changes` layer and are
    removed again afterwards, so the app falls back to whatever settings say then."""
    from config.celery import app

    keys = ("broker_url", "broker_write_url", "broker_transport_options")
    changes = app.conf.changes
    saved = {key: changes[key] for key in keys if key in changes}

    def reset_pools():
        app._pool = None
        app.amqp._producer_pool = None

    reset_pools()
    changes.update(
        broker_url=url,
        broker_write_url=url,
        broker_transport_options={
            "visibility_timeout": 3600,
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
        },
    )
    try:
        yield app
    finally:
        reset_pools()
        for key in keys:
            changes.pop(key, None)
        changes.update(saved)
