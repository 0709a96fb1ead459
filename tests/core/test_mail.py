"""Mail leaves from the `core.tasks.send_email` task after commit, never on the request path;
transient failures are retried, permanent ones and exhausted retries are logged."""

import logging
import smtplib
import threading
import time

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse

from core.logcontext import log_context_current
from core.services.mail import email_enqueue, email_enqueue_message
from core.tasks import send_email
from tests.factories import UserFactory

MESSAGE = {"to": ["ada@example.com"], "subject": "Hello", "body": "Text body"}


@pytest.fixture
def flaky_backend(monkeypatch):
    """The mail backend fails with each error in `failures`, in turn, then sends."""
    failures: list[Exception] = []
    attempts = []
    send = EmailBackend.send_messages

    def send_messages(self, messages):
        attempts.append(len(messages))
        if failures:
            raise failures.pop(0)
        return send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    return failures, attempts


@pytest.mark.django_db
def test_a_request_that_mails_sends_nothing_until_commit_and_the_task(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="ada@example.com")

    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        response = client.post(reverse("account_reset_password"), {"email": "ada@example.com"})

    assert response.status_code == 302
    assert mail.outbox == []  # the response went out; no mail server was involved
    for callback in after_commit:
        callback()  # the commit queues the task; here it runs inline
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


@pytest.mark.mail_through_broker
@pytest.mark.django_db(transaction=True)
def test_the_default_worker_consumes_the_mail_task(client, celery_worker, monkeypatch):
    from core import tasks

    senders = []
    deliver = tasks.email_deliver

    def deliver_recording_thread(**message):
        senders.append(threading.current_thread())
        deliver(**message)

    monkeypatch.setattr(tasks, "email_deliver", deliver_recording_thread)
    UserFactory(email="ada@example.com")

    response = client.post(reverse("account_reset_password"), {"email": "ada@example.com"})

    assert response.status_code == 302
    deadline = time.monotonic() + 20
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    # Sent by the worker from the broker's default queue, not on the request's thread.
    assert senders and threading.main_thread() not in senders


def test_a_transient_failure_is_retried_then_sent(flaky_backend):
    failures, attempts = flaky_backend
    failures.append(smtplib.SMTPServerDisconnected("connection lost"))

    result = send_email.apply(kwargs=MESSAGE)

    assert result.successful()
    assert attempts == [1, 1]
    assert set(log_context_current().values()) == {None}  # both attempts gave their ids back
    (sent,) = mail.outbox
    assert (sent.to, sent.subject, sent.body) == (["ada@example.com"], "Hello", "Text body")


def test_exhausted_retries_are_logged_without_the_address(flaky_backend, caplog):
    failures, attempts = flaky_backend
    failures.extend(ConnectionRefusedError("no server") for _ in range(10))

    with caplog.at_level(logging.ERROR, logger="core.tasks"):
        result = send_email.apply(kwargs=MESSAGE)

    assert result.failed()
    assert len(attempts) == send_email.max_retries + 1 == 6
    assert mail.outbox == []
    (record,) = [r for r in caplog.records if r.name == "core.tasks"]
    assert "'Hello' to 1 recipient(s) not delivered after 6 attempt(s)" in record.getMessage()
    assert "ada@example.com" not in record.getMessage()


def test_refused_recipients_are_not_retried(flaky_backend, caplog):
    failures, attempts = flaky_backend
    failures.append(smtplib.SMTPRecipientsRefused({"ada@example.com": (550, b"no such user")}))

    with caplog.at_level(logging.ERROR, logger="core.tasks"):
        result = send_email.apply(kwargs=MESSAGE)

    assert result.failed() and attempts == [1]
    assert "not delivered after 1 attempt(s)" in caplog.text


@pytest.mark.django_db
def test_the_task_gets_plain_data_and_sends_the_html_and_headers(
    django_capture_on_commit_callbacks,
):
    rendered = EmailMultiAlternatives(
        "Subject", "Plain", "from@example.com", ["ada@example.com"], headers={"X-Kind": "test"}
    )
    rendered.attach_alternative("<p>Rich</p>", "text/html")

    with django_capture_on_commit_callbacks(execute=True):
        email_enqueue_message(rendered)

    (sent,) = mail.outbox
    assert (sent.from_email, sent.body, sent.extra_headers) == (
        "from@example.com",
        "Plain",
        {"X-Kind": "test"},
    )
    assert sent.alternatives[0][:2] == ("<p>Rich</p>", "text/html")


def test_a_message_with_attachments_is_refused_not_silently_cut():
    rendered = EmailMultiAlternatives("Subject", "Plain", "from@example.com", ["a@example.com"])
    rendered.attach("terms.txt", "text", "text/plain")

    with pytest.raises(ValueError, match="attachments"):
        email_enqueue_message(rendered)


@pytest.mark.mail_through_broker
@pytest.mark.django_db
def test_a_broker_outage_loses_the_mail_loudly_not_the_request(
    broker_down, django_capture_on_commit_callbacks, caplog
):
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        email_enqueue(**MESSAGE)  # raises nothing

    assert mail.outbox == []
    assert "Broker unavailable; mail 'Hello' to 1 recipient(s) was not queued" in caplog.text


@pytest.mark.mail_through_broker
@pytest.mark.django_db
def test_task_lines_show_a_summary_not_the_addresses_or_text(
    monkeypatch, django_capture_on_commit_callbacks
):
    published = []
    monkeypatch.setattr(send_email, "apply_async", lambda **options: published.append(options))

    with django_capture_on_commit_callbacks(execute=True):
        email_enqueue(**MESSAGE)

        email_enqueue(to=[""], subject="Nobody", body="No address, nothing to queue")

    (options,) = published
    assert options["kwargs"]["to"] == ["ada@example.com"]  # the task gets the message
    assert options["kwargsrepr"] == "{'subject': 'Hello', 'to': 1}"  # logs and monitors see this
