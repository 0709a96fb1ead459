"""Error reporting (config/observability.py): Sentry only with a DSN, its events scrubbed of
personal data; the log configuration each LOG_FORMAT builds."""

import json
import logging
import logging.config

import pytest
import sentry_sdk
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.transport import Transport

from config.observability import logging_config, scrub_event, sentry_init
from core.logcontext import ContextFilter, log_context, user_pseudonym
from tests.factories import UserFactory


class Failure(Exception):
    pass


@csrf_exempt
def failing_view(request):
    request.user.pk  # noqa: B018 - the view loaded the user, as most views do
    raise Failure("could not mail ada@example.com")


urlpatterns = [path("fail/", failing_view), path("ok/", lambda request: HttpResponse("ok"))]


class RecordingTransport(Transport):
    """Keeps the events Sentry would send, instead of sending them."""

    def __init__(self):
        super().__init__()
        self.events = []

    def capture_envelope(self, envelope):
        event = envelope.get_event()
        if event is not None:
            self.events.append(event)


@pytest.fixture
def sentry_events():
    transport = RecordingTransport()
    assert sentry_init(
        dsn="https://key@example.invalid/1",
        environment="test",
        traces_sample_rate=0.0,
        transport=transport,
    )
    yield transport.events
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)  # inactive again for the rest of the run


def test_without_a_dsn_nothing_is_initialised():
    assert sentry_init(dsn="", environment="test", traces_sample_rate=0.0) is False
    assert not sentry_sdk.get_client().is_active()  # the do-nothing client


def test_with_a_dsn_django_and_celery_are_integrated_without_personal_data(sentry_events):
    client = sentry_sdk.get_client()

    assert client.is_active()
    assert client.get_integration(DjangoIntegration) is not None
    assert client.get_integration(CeleryIntegration) is not None
    assert client.options["data_collection"]["user_info"] is False
    assert client.options["data_collection"]["http_bodies"] == []
    assert client.options["environment"] == "test"


def _through_wsgi(request) -> str:
    """Serve a RequestFactory request through the WSGI application, as gunicorn does (the
    test client skips the WSGI entry point that Sentry instruments). Returns the status."""
    statuses = []
    response = get_wsgi_application()(
        request.environ, lambda status, headers: statuses.append(status)
    )
    b"".join(response)
    response.close()
    return statuses[0]


@pytest.mark.urls("tests.test_observability")
@pytest.mark.django_db(transaction=True)  # the WSGI handler closes connections after a request
def test_a_failing_request_reaches_sentry_scrubbed(sentry_events, client):
    user = UserFactory(email="ada@example.com")
    client.force_login(user)
    session = client.cookies["sessionid"].value
    request = RequestFactory().post(
        "/fail/?next=ada%40example.com",
        {"email": "ada@example.com", "password": "secret-words"},
        HTTP_AUTHORIZATION="Bearer pf_secret_token",
        HTTP_X_REQUEST_ID="req-42",
        HTTP_COOKIE=f"sessionid={session}",
    )

    assert _through_wsgi(request).startswith("500")

    (event,) = [e for e in sentry_events if e.get("exception")]
    text = json.dumps(event)
    assert "ada@example.com" not in text and "ada%40example.com" not in text
    assert "pf_secret_token" not in text and "secret-words" not in text and session not in text
    request = event["request"]
    assert request["url"].endswith("/fail/") and request["method"] == "POST"
    assert "data" not in request and "cookies" not in request
    assert {name.lower() for name in request["headers"]}.isdisjoint({"authorization", "cookie"})
    assert event["user"] == {"id": user_pseudonym(user.pk)}
    assert event["tags"]["request_id"] == "req-42"
    assert event["exception"]["values"][-1]["value"] == "could not mail [Filtered]"


def test_the_scrubber_keeps_only_the_pseudonym_and_no_personal_data():
    event = {
        "message": "Mail to bob@example.org failed",
        "user": {"id": 7, "email": "bob@example.org", "username": "bob", "ip_address": "1.2.3.4"},
        "request": {
            "url": "https://art.example.com/report/",
            "query_string": "email=bob%40example.org",
            "cookies": {"sessionid": "abc"},
            "data": {"statement": "private words"},
            "headers": {
                "Authorization": "Bearer x",
                "Cookie": "sessionid=abc",
                "X-Forwarded-For": "1.2.3.4",
                "User-Agent": "Firefox",
            },
            "env": {"REMOTE_ADDR": "1.2.3.4", "SERVER_NAME": "web"},
        },
        "breadcrumbs": {"values": [{"message": "login bob@example.org"}]},
    }

    with log_context(user="0123456789abcdef", request_id="r1", job_id="j1"):
        scrubbed = scrub_event(event, {})
    anonymous = scrub_event(event, {})

    assert scrubbed["user"] == {"id": "0123456789abcdef"}
    assert scrubbed["tags"] == {"request_id": "r1", "job_id": "j1"}
    assert scrubbed["message"] == "Mail to [Filtered] failed"
    assert scrubbed["breadcrumbs"]["values"][0]["message"] == "login [Filtered]"
    assert scrubbed["request"] == {
        "url": "https://art.example.com/report/",
        "query_string": "email=[Filtered]",
        "headers": {"User-Agent": "Firefox"},
        "env": {"SERVER_NAME": "web"},
    }
    assert "user" not in anonymous and "tags" not in anonymous
    assert event["user"]["email"] == "bob@example.org"  # the input is left as it was


def _formatter(log_format: str) -> logging.Formatter:
    config = logging_config(log_format=log_format, level="INFO")
    configurator = logging.config.DictConfigurator(config)
    return configurator.configure_formatter(dict(config["formatters"][log_format]))


def _record(message: str) -> logging.LogRecord:
    record = logging.LogRecord("promptfolio.test", logging.WARNING, __file__, 1, message, (), None)
    ContextFilter().filter(record)
    return record


def test_json_lines_carry_every_context_field():
    with log_context(request_id="r1", user="0123456789abcdef", job_id="j1", task_id="t1"):
        inside = json.loads(_formatter("json").format(_record("inside")))
    outside = json.loads(_formatter("json").format(_record("outside")))

    assert {k: inside[k] for k in ("level", "logger", "message")} == {
        "level": "WARNING",
        "logger": "promptfolio.test",
        "message": "inside",
    }
    assert (inside["request_id"], inside["user"], inside["job_id"], inside["task_id"]) == (
        "r1",
        "0123456789abcdef",
        "j1",
        "t1",
    )
    assert inside["time"].endswith("+00:00")
    assert [outside[k] for k in ("request_id", "user", "job_id", "task_id")] == [None] * 4


def test_json_lines_leave_out_celerys_task_arguments():
    record = _record("Task core.tasks.send_email[1] received")
    record.data = {"kwargs": "{'to': ['ada@example.com']}"}

    line = json.loads(_formatter("json").format(record))

    assert "data" not in line and "ada@example.com" not in json.dumps(line)


def test_text_lines_name_the_known_fields_only():
    with log_context(request_id="r1", job_id="j1"):
        line = _formatter("text").format(_record("hello"))

    assert line.endswith("WARNING promptfolio.test: hello [request_id=r1 job_id=j1]")
    assert _formatter("text").format(_record("plain")).endswith("promptfolio.test: plain")


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT must be json or text"):
        logging_config(log_format="xml", level="INFO")
