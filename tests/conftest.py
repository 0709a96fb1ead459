import pytest

from tests.factories import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def fresh_keypoint_index():
    """Each test's rows roll back (and SQLite reuses their ids): forget what was indexed."""
    from provenance.selectors.keypoints import keypoint_index_reset

    keypoint_index_reset()


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with empty caches: cached counts, "more like this" (and its
    per-process candidate matrices) and whole pages never leak from one test into another."""
    from django.core.cache import cache

    from marketplace.selectors.listings import candidate_matrices

    cache.clear()
    candidate_matrices.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def force_login_passes_the_second_factor(monkeypatch):
    """`client.force_login(user)` stands for a complete sign-in: for someone with a second
    factor that means password *and* factor, as allauth records them in the session (the
    moderator pages check the session used it). Tests of the password-only case sign in
    through the real login form, or call `client.force_login(user, mfa=False)`."""
    import time

    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
    from allauth.mfa.utils import is_mfa_enabled
    from django.test import Client

    plain_force_login = Client.force_login

    def force_login(self, user, backend=None, *, mfa=True):
        plain_force_login(self, user, backend)
        if not (mfa and is_mfa_enabled(user)):
            return
        session = self.session
        now = time.time()
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": now, "email": user.email},
            {"method": "mfa", "at": now, "type": "totp"},
        ]
        session["account_authentication_methods_user"] = str(user.pk)
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def mail_task_runs_inline(request, monkeypatch):
    """Mail is queued on commit to `core.tasks.send_email`; here the queued task runs at once
    in this process (retries included), so a test reads `mail.outbox` after the commit
    without a broker. Tests of the broker path are marked `mail_through_broker`."""
    if request.node.get_closest_marker("mail_through_broker"):
        return
    from core.tasks import send_email

    monkeypatch.setattr(
        send_email,
        "apply_async",
        lambda args=None, kwargs=None, **options: send_email.apply(args, kwargs, throw=True),
    )


@pytest.fixture
def broker_down():
    """A broker outage as a context manager: inside it, Celery publishes to a port nothing
    listens on, so every `.delay()` raises the error a real outage raises (kombu's
    OperationalError after its publish retries). `with broker_down(): ...`"""
    from tests.faults.workers import celery_broker, free_port

    return lambda: celery_broker(f"redis://127.0.0.1:{free_port()}/0")


@pytest.fixture
def generation_wakeups(monkeypatch):
    """Record generation wake-ups as (job id, queue) instead of sending them to a broker."""
    woken = []
    monkeypatch.setattr(
        "generation.tasks.run_generation.apply_async",
        lambda args, queue=None, **options: woken.append((args[0], queue)),
    )
    return woken


@pytest.fixture(scope="session")
def signing_root(tmp_path_factory):
    """One provenance signing identity (root CA + leaf) for the whole run."""
    from provenance import signing

    directory = tmp_path_factory.mktemp("signing") / "identity"
    signing.init_signing_identity(directory)
    return directory


@pytest.fixture
def tiers(db):
    """Seeded tiers (v1 terms), restored if a transactional test flushed them."""
    from tests.licensing.licences import ensure_tiers

    ensure_tiers()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def buyer(db):
    return UserFactory()


@pytest.fixture
def creator(db):
    return UserFactory(creator=True)


@pytest.fixture
def moderator(db):
    return UserFactory(moderator=True)


@pytest.fixture
def scripted_engine(settings):
    """Make the `scripted` test engine available next to the real ones."""
    from generation.engines import clear_cache
    from tests.generation.doubles import ScriptedEngine

    ScriptedEngine.reset()
    settings.GENERATION_ENGINES = {
        **settings.GENERATION_ENGINES,
        "scripted": {"class": "tests.generation.doubles.ScriptedEngine", "options": {}},
    }
    clear_cache()
    yield ScriptedEngine
    clear_cache()


# The engine queues the test worker serves (gpu.<engine>), the default and lookup queues.
WORKER_QUEUES = ("gpu.embedded", "gpu.scripted", "default", "lookup")


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker thread on the configured broker (filesystem locally, Redis in CI).

    Tests using it need `django_db(transaction=True)` so the worker sees their rows.
    """
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.conf.task_always_eager = False
    with app.connection_for_write() as connection:
        for queue in WORKER_QUEUES:
            connection.default_channel.queue_purge(queue)
    with (
        django_db_blocker.unblock(),
        start_worker(
            app,
            pool="solo",
            concurrency=1,
            perform_ping_check=False,
            queues=list(WORKER_QUEUES),
            shutdown_timeout=30,
        ) as worker,
    ):
        yield worker


@pytest.fixture(autouse=True)
def worker_stage_idle_before_flush(request):
    """The session worker's stamping stage finishes its batches before a transactional test's
    flush: a batch still being stored would race the TRUNCATE (a deadlock on PostgreSQL) and
    leak rows into the next test."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        yield
        return
    request.getfixturevalue("transactional_db")  # torn down (flushed) after this fixture
    yield
    from generation.services.stamping import worker_stage_drain

    worker_stage_drain()


@pytest.fixture(autouse=True)
def ledger_guard_off_for_sqlite_flush(request):
    """Transactional tests end with a flush; on SQLite that is DELETE, which the append-only
    trigger refuses once ledger rows exist. Drop the triggers just before the flush and put
    them back at the next test's start. (PostgreSQL flushes with TRUNCATE: not affected.)"""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        yield
        return
    transactional = bool(marker.kwargs.get("transaction"))
    # Set the DB fixture up first, so it is torn down (flushed) after this teardown.
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.db import connection

    from provenance import dbguard

    dbguard.install(connection)  # idempotent; restores a guard dropped before a flush
    yield
    if transactional and connection.vendor == "sqlite":
        dbguard.remove(connection)
