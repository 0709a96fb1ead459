"""A request with thousands of parameters answers 400 on every URL, with DEBUG on or off."""

from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.security.test_form_properties import url_patterns, urls_for

pytestmark = pytest.mark.django_db

MANY = {f"field{i}": str(i) for i in range(3000)}  # DATA_UPLOAD_MAX_NUMBER_FIELDS is 1000
ENCODED = urlencode(MANY)
FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_thousands_of_parameters_answer_400_everywhere(world, settings, debug):
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    client.force_login(world["users"]["owner"])
    urls = [url for name, pattern in url_patterns() for url in urls_for(name, pattern, world)]
    answers = {}

    for url in urls:
        answers[f"GET {url}"] = client.get(url, QUERY_STRING=ENCODED).status_code
        answers[f"POST {url}"] = client.post(url, ENCODED, content_type=FORM).status_code

    assert {request for request, status in answers.items() if status != 400} == set()
    assert len(answers) == 2 * len(set(urls)) > 200


def test_the_400_page_says_nothing_was_done(client):
    response = client.post("/verify/", MANY)  # multipart, as a browser sends a file form

    assert response.status_code == 400
    assert "nothing was done" in response.content.decode()


def test_a_normal_request_still_reads_its_parameters(client):
    assert client.get("/browse/", {"q": "lighthouse", "page": "1"}).status_code == 200
