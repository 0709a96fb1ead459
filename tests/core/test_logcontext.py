"""Log context (core.logcontext): request ids from the middleware, the user's pseudonym,
and the ids a task carries from the web request to the worker."""

import logging
import time

import pytest
from celery import shared_task
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from core.logcontext import (
    log_context,
    log_context_current,
    user_pseudonym,
)
from core.middleware import RequestContextMiddleware
from tests.factories import UserFactory
from tests.logcapture import records_of

# What the probe task saw, by task id (the session worker runs in this process).
seen_by_task: dict[str, dict] = {}


@shared_task(name="tests.core.test_logcontext.probe")
def probe() -> None:
    context = log_context_current()
    seen_by_task[context["task_id"]] = context


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sent", "kept"),
    [("edge-7f3a.9_Z", True), ("", False), ("a b", False), ("x" * 65, False), ("é", False)],
)
def test_each_response_names_its_request_id(client, sent, kept):
    response = client.get("/", HTTP_X_REQUEST_ID=sent)

    request_id = response["X-Request-ID"]
    if kept:
        assert request_id == sent
    else:
        assert len(request_id) == 32 and int(request_id, 16) >= 0


@pytest.mark.django_db
def test_lines_of_a_request_carry_its_id_and_the_user_once_loaded():
    user = UserFactory()
    logger = logging.getLogger("tests.logcontext")

    def view(request):
        logger.info("before anything loaded the user")
        request.user.pk  # noqa: B018 - a view that reads the user
        logger.info("after")
        return HttpResponse("ok")

    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="req-1")
    request.user = SimpleLazyObject(lambda: user)
    with records_of("tests.logcontext") as records:
        response = RequestContextMiddleware(view)(request)

    before, after = records
    assert (before.request_id, before.user) == ("req-1", None)
    assert (after.request_id, after.user) == ("req-1", user_pseudonym(user.pk))
    assert response["X-Request-ID"] == "req-1"
    assert log_context_current()["request_id"] is None  # nothing leaks past the request


def test_the_pseudonym_is_stable_per_account_and_keyed(settings):
    first, again, other = user_pseudonym(41), user_pseudonym(41), user_pseudonym(42)
    settings.SECRET_KEY = "another-deployment-" + "k" * 40

    assert first == again != other
    assert len(first) == 16 and int(first, 16) >= 0
    assert user_pseudonym(41) != first  # another secret key, another pseudonym


def test_unknown_fields_are_refused():
    with pytest.raises(ValueError, match="email"), log_context(email="ada@example.com"):
        pass


@pytest.mark.django_db(transaction=True)
def test_a_task_published_in_a_request_logs_its_ids_in_the_worker(celery_worker):
    with log_context(request_id="req-7", user="0123456789abcdef", job_id="ignored"):
        task_id = probe.delay().id

    deadline = time.monotonic() + 20
    while task_id not in seen_by_task and time.monotonic() < deadline:
        time.sleep(0.05)
    assert seen_by_task[task_id] == {
        "request_id": "req-7",
        "user": "0123456789abcdef",
        "job_id": None,  # the worker sets its own job ids
        "task_id": task_id,
    }


def test_an_inline_task_keeps_the_callers_ids_and_gives_them_back():
    with log_context(request_id="req-8"):
        result = probe.apply()
        after = log_context_current()

    assert seen_by_task[result.id]["request_id"] == "req-8"
    assert seen_by_task[result.id]["task_id"] == result.id
    assert after == {"request_id": "req-8", "user": None, "job_id": None, "task_id": None}
