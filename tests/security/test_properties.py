"""Property tests (hypothesis) against the JSON endpoints, the Stripe webhook and the
commission form: whatever arrives, the answer is never a 500, and a refusal writes nothing.
"""

import json

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from generation.engines import MAX_PROMPT_CHARS
from generation.models import GenerationJob
from payments.models import WebhookEvent
from tests.factories import UserFactory
from tests.generation.factories import GenerationJobFactory
from tests.payments.conftest import WEBHOOK_SECRET, sign

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    # allow_subnormal=False: the embedded engine turns on flush-to-zero process-wide (speed),
    # after which Hypothesis cannot produce subnormal floats in this process.
    st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=False),
    text,
)
# Plausible values twice as often as hostile ones: form fields are strings on the wire, and
# the valid branch (a job is created) must be exercised too.
prompts = st.one_of(
    st.just("a lighthouse at dusk, watercolor"),
    st.text(min_size=1, max_size=60),
    st.text(min_size=0, max_size=MAX_PROMPT_CHARS + 40),
    st.sampled_from(["", " ", "\x00", "a\x00b", "<script>alert(1)</script>", "🎨" * 200]),
)
sizes = st.one_of(
    st.sampled_from(["512x512", "256x256", "768x512"]),
    st.sampled_from(["512x512", "1024x1024", "0x0", "512", "x", "", "512x512x512"]),
    st.builds(lambda w, h: f"{w}x{h}", st.integers(-10, 5000), st.integers(-10, 5000)),
    text,
)


def numbers(*valid: str):
    return st.one_of(
        st.sampled_from(valid),
        st.sampled_from(valid),
        st.integers(min_value=-(2**66), max_value=2**66).map(str),
        st.sampled_from(["", "1e3", "NaN", "-0", "0x10", " 3 ", "٣"]),
        text,
    )


@pytest.fixture
def webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return WEBHOOK_SECRET


@PROPERTY
@given(
    prompt=prompts,
    negative=prompts,
    size=sizes,
    count=numbers("1", "2", "4"),
    steps=numbers("", "8", "20"),
    seed=numbers("", "0", "42", "4294967295"),
)
@example(prompt="a fox", negative="", size="512x512", count="2", steps="", seed="7")
def test_commission_form_never_500s_and_a_refusal_creates_no_job(
    client, prompt, negative, size, count, steps, seed
):
    owner = UserFactory()  # a fresh owner per example: the active-jobs limit never interferes
    client.force_login(owner)
    before = GenerationJob.objects.count()
    data = {"prompt": prompt, "negative_prompt": negative, "engine": "embedded", "size": size}
    data.update(count=count, steps=steps, seed=seed)

    response = client.post(reverse("commission"), data)

    assert response.status_code in (302, 400)
    event(f"commission answered {response.status_code}")
    if response.status_code == 302:
        job = GenerationJob.objects.get(owner=owner)
        assert response.url == reverse("job_detail", args=[job.pk])
        assert GenerationJob.objects.count() == before + 1
        assert job.prompt == prompt.strip() and job.count == int(count)
    else:
        assert 'role="alert"' in response.content.decode()  # the form says what is wrong
        assert GenerationJob.objects.count() == before


@PROPERTY
@given(job_id=st.uuids(), own=st.booleans())
def test_job_status_api_answers_the_owner_and_404s_everyone_else(client, job_id, own):
    owner = UserFactory()
    job = GenerationJobFactory(owner=owner)
    client.force_login(owner if own else UserFactory())

    response = client.get(reverse("api_job_status", args=[job.pk]))
    missing = client.get(reverse("api_job_status", args=[job_id]))

    assert missing.status_code == 404
    if own:
        assert response.status_code == 200
        body = response.json()
        assert body["id"] == str(job.pk) and body["status"] == job.status
        assert set(body["progress"]) == {"step", "total"}
    else:
        assert response.status_code == 404


@PROPERTY
@given(path=st.text(alphabet=st.characters(codec="ascii", exclude_characters="/?#"), max_size=40))
def test_job_status_api_with_a_junk_id_is_a_404(client, path):
    client.force_login(UserFactory())
    response = client.get(f"/api/jobs/{path}/")
    assert response.status_code == 404


event_ids = st.one_of(st.text(min_size=1, max_size=40).map(lambda s: f"evt_{s}"), anything)
events = st.fixed_dictionaries(
    {"id": event_ids, "type": st.one_of(st.sampled_from(["checkout.session.completed"]), anything)},
    optional={
        "data": st.one_of(
            anything, st.fixed_dictionaries({"object": st.dictionaries(text, anything)})
        ),
        "object": st.just("event"),
    },
)


@PROPERTY
@given(payload=events, signed=st.sampled_from(["valid", "wrong_secret", "stale", "none"]))
def test_stripe_webhook_never_500s_and_stores_only_signed_well_formed_events(
    client, webhook_secret, payload, signed
):
    body = json.dumps(payload).encode()
    headers = {}
    if signed == "valid":
        headers["HTTP_STRIPE_SIGNATURE"] = sign(body)
    elif signed == "wrong_secret":
        headers["HTTP_STRIPE_SIGNATURE"] = sign(body, secret="whsec_forged")
    elif signed == "stale":
        headers["HTTP_STRIPE_SIGNATURE"] = sign(body, timestamp=1_000_000_000)
    before = WebhookEvent.objects.count()

    response = client.post(
        reverse("stripe_webhook"), data=body, content_type="application/json", **headers
    )

    well_formed = isinstance(payload["id"], str) and isinstance(payload["type"], str)
    if signed == "valid" and well_formed:
        assert response.status_code == 200
        stored = WebhookEvent.objects.filter(event_id=payload["id"]).exists()
        assert stored and WebhookEvent.objects.count() - before in (0, 1)
    else:
        assert response.status_code == 400
        assert WebhookEvent.objects.count() == before


@PROPERTY
@given(body=st.binary(max_size=300))
def test_stripe_webhook_with_garbage_bodies_is_a_400(client, webhook_secret, body):
    response = client.post(
        reverse("stripe_webhook"),
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body),
    )
    assert response.status_code in (200, 400)
    if response.status_code == 200:  # the garbage happened to be a valid event
        event = json.loads(body)
        assert isinstance(event["id"], str) and isinstance(event["type"], str)


@PROPERTY
@given(
    params=st.dictionaries(
        st.sampled_from(["q", "category", "tag", "min_price", "max_price", "tier", "sort", "page"]),
        st.one_of(text, numbers("1", "2", "10")),
        max_size=5,
    )
)
def test_browse_filters_never_500(client, params):
    response = client.get(reverse("listing_browse"), params)
    assert response.status_code in (200, 400)
