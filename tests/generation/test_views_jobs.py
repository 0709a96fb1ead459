import pytest
from django.urls import reverse
from django.utils import timezone

from generation.models import GenerationJob, JobStatus
from generation.selectors.workers import job_waiting_for_worker
from generation.services.batch import batch_run
from generation.services.workers import EngineLoadReport, WorkerIdentity, worker_heartbeat
from tests.factories import UserFactory
from tests.generation.factories import GenerationJobFactory

pytestmark = pytest.mark.django_db
DIFFUSERS = "generation.engines.diffusers_engine.DiffusersEngine"


def commission_data(**overrides):
    data = {
        "prompt": "lighthouse on a cliff at sunset, watercolor",
        "negative_prompt": "people",
        "engine": "embedded",
        "size": "512x512",
        "count": "2",
        "steps": "",
        "seed": "",
    }
    data.update(overrides)
    return data


def test_commission_page_requires_login(client):
    response = client.get(reverse("commission"))

    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_commission_creates_a_job_and_redirects_to_it(client, buyer, generation_wakeups):
    client.force_login(buyer)

    response = client.post(reverse("commission"), commission_data(seed="123"))

    job = GenerationJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("job_detail", kwargs={"job_id": job.pk})
    assert (job.owner, job.seed, job.count, job.width, job.negative_prompt) == (
        buyer,
        123,
        2,
        512,
        "people",
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"prompt": ""}, "This field is required."),
        ({"prompt": "x" * 5000}, "Ensure this value has at most 1000 characters"),
        ({"size": "333x333"}, "Select a valid choice"),
        ({"steps": "500"}, "Steps must be between 1 and 50; got 500."),
        ({"count": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"seed": "-4"}, "Ensure this value is greater than or equal to 0."),
        ({"seed": "abc"}, "Enter a whole number."),
        ({"engine": "nope"}, "Select a valid choice"),
    ],
)
def test_commission_bad_input_is_a_form_error(client, buyer, overrides, message):
    client.force_login(buyer)

    response = client.post(reverse("commission"), commission_data(**overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not GenerationJob.objects.exists()


def test_job_pages_are_private_to_their_owner(client, buyer):
    job = GenerationJobFactory(owner=buyer)
    client.force_login(UserFactory())

    for name in ("job_detail", "job_status", "api_job_status"):
        assert client.get(reverse(name, kwargs={"job_id": job.pk})).status_code == 404
    for name in ("job_cancel", "job_retry"):
        assert client.post(reverse(name, kwargs={"job_id": job.pk})).status_code == 404
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED


def test_queued_job_page_shows_queue_position_and_polls(client, buyer):
    GenerationJobFactory()
    job = GenerationJobFactory(owner=buyer)
    client.force_login(buyer)

    page = client.get(reverse("job_detail", kwargs={"job_id": job.pk})).content.decode()

    assert "position 2 in the queue" in page
    assert "people take turns image by image" in page
    assert 'data-watch-url="' in page and 'data-watch-interval="1"' in page
    assert reverse("job_status", kwargs={"job_id": job.pk}) in page


def test_a_queued_job_no_live_worker_serves_says_it_waits_for_one(client, buyer, settings):
    settings.GENERATION_ENGINES = {
        **settings.GENERATION_ENGINES,
        "sdxl": {"class": DIFFUSERS, "label": "SDXL 1.0", "options": {"checkpoint": "/x"}},
    }
    job = GenerationJobFactory(owner=buyer, engine="sdxl")
    serving = EngineLoadReport(served=("embedded",))
    worker_heartbeat(worker=WorkerIdentity("gpu@a", "a", 1, timezone.now()), report=serving)
    client.force_login(buyer)

    fragment = client.get(reverse("job_status", kwargs={"job_id": job.pk})).content.decode()

    assert "position 1 in the queue" in fragment
    assert "Waiting for a worker for model SDXL 1.0" in fragment
    assert "s left" not in fragment
    worker_heartbeat(
        worker=WorkerIdentity("gpu@b", "b", 2, timezone.now()),
        report=EngineLoadReport(served=("sdxl",)),
    )
    fragment = client.get(reverse("job_status", kwargs={"job_id": job.pk})).content.decode()
    assert "Waiting for a worker" not in fragment and "s left" in fragment


def test_the_waiting_line_is_only_for_queued_jobs(buyer):
    running = GenerationJobFactory(
        owner=buyer, engine="gone", status=JobStatus.RUNNING, lease_expires_at=timezone.now()
    )
    queued = GenerationJobFactory(owner=buyer, engine="gone")

    assert job_waiting_for_worker(job=running) is None
    assert job_waiting_for_worker(job=queued) == (
        "Waiting for a worker for model gone: none is running right now. "
        "Your job stays in the queue and starts when one is."
    )


def test_finished_job_stops_polling_and_shows_results(client, buyer, scripted_engine):
    job = GenerationJobFactory(owner=buyer, count=2)
    batch_run(job_id=job.pk, worker="w")
    client.force_login(buyer)

    fragment = client.get(reverse("job_status", kwargs={"job_id": job.pk})).content.decode()

    assert "data-watch-url" not in fragment
    assert fragment.count("AI-generated image") == 2
    data = client.get(reverse("api_job_status", kwargs={"job_id": job.pk})).json()
    assert data["status"] == "succeeded" and len(data["pieces"]) == 2
    assert data["progress"] == {"step": 4, "total": 4}


def test_cancel_and_retry_buttons(client, buyer, generation_wakeups):
    job = GenerationJobFactory(owner=buyer, engine="embedded", width=256, height=256)
    client.force_login(buyer)

    response = client.post(reverse("job_cancel", kwargs={"job_id": job.pk}))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED

    response = client.post(reverse("job_retry", kwargs={"job_id": job.pk}))
    retry = GenerationJob.objects.exclude(pk=job.pk).get()
    assert response.url == reverse("job_detail", kwargs={"job_id": retry.pk})
    assert retry.retry_of == job and retry.status == JobStatus.QUEUED


def test_cancel_of_a_finished_job_shows_a_message(client, buyer):
    job = GenerationJobFactory(owner=buyer, status=JobStatus.SUCCEEDED)
    client.force_login(buyer)

    response = client.post(reverse("job_cancel", kwargs={"job_id": job.pk}), follow=True)

    assert "This job has already succeeded." in response.content.decode()


def test_job_list_filters_and_uses_constant_queries(client, buyer, django_assert_max_num_queries):
    GenerationJobFactory.create_batch(3, owner=buyer, prompt="forest of birches")
    GenerationJobFactory.create_batch(12, owner=buyer, prompt="ocean", status=JobStatus.FAILED)
    GenerationJobFactory(prompt="forest of someone else")
    client.force_login(buyer)

    with django_assert_max_num_queries(8):
        page = client.get(reverse("job_list"), {"q": "forest"}).content.decode()
    assert page.count("forest of birches") == 3 and "someone else" not in page

    failed = client.get(reverse("job_list"), {"status": "failed"}).content.decode()
    assert failed.count(">ocean</a>") == 12


def test_pick_and_original_download_are_owner_only(client, buyer, scripted_engine):
    job = GenerationJobFactory(owner=buyer)
    batch_run(job_id=job.pk, worker="w")
    piece = job.pieces.get()
    client.force_login(UserFactory())

    assert client.get(reverse("piece_original", kwargs={"piece_id": piece.pk})).status_code == 404
    assert client.post(reverse("piece_pick", kwargs={"piece_id": piece.pk})).status_code == 404

    client.force_login(buyer)
    download = client.get(reverse("piece_original", kwargs={"piece_id": piece.pk}))
    assert download.status_code in (200, 302)
    if download.status_code == 302:
        assert "X-Amz-Signature=" in download.url
    else:
        assert b"".join(download.streaming_content).startswith(b"\x89PNG")
    response = client.post(
        reverse("piece_pick", kwargs={"piece_id": piece.pk}),
        {"picked": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert "★ Picked" in response.content.decode()
    piece.refresh_from_db()
    assert piece.picked_at is not None


def test_queue_position_in_the_api_follows_the_fair_order(client, buyer):
    heavy = [GenerationJobFactory(owner=buyer, count=8) for _ in range(3)]
    GenerationJobFactory()  # someone else's single image, queued last
    client.force_login(buyer)

    body = client.get(reverse("api_job_status", kwargs={"job_id": heavy[-1].pk})).json()

    assert body["queue_position"] == 4  # behind its own two and the other person's image


def test_the_job_page_and_its_json_say_what_the_engine_could_not_draw(client, buyer):
    job = GenerationJobFactory(owner=buyer, engine="embedded", prompt="a red fox in snow")
    client.force_login(buyer)

    page = client.get(reverse("job_detail", kwargs={"job_id": job.pk})).content.decode()
    body = client.get(reverse("api_job_status", kwargs={"job_id": job.pk})).json()

    assert "What the model understood" in page and "Cannot draw" in page
    assert "fox" in body["prompt_reading"]["unknown"]
    assert "diffusers" in body["prompt_reading"]["note"]


def test_an_open_vocabulary_engine_shows_no_reading_section(client, buyer, scripted_engine):
    job = GenerationJobFactory(owner=buyer, prompt="a red fox in snow")
    client.force_login(buyer)

    page = client.get(reverse("job_detail", kwargs={"job_id": job.pk})).content.decode()
    body = client.get(reverse("api_job_status", kwargs={"job_id": job.pk})).json()

    assert "What the model understood" not in page
    assert body["prompt_reading"]["open_vocabulary"] is True
    assert body["prompt_reading"]["unknown"] == []
