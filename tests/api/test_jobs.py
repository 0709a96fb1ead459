"""Job endpoints: create (prompt, style, edit), get, list with filters and cursors, cancel,
retry, and errors in one shape."""

import base64
import io

import pytest
from PIL import Image

from generation.models import GenerationJob, JobStatus
from tests.api.conftest import post
from tests.factories import UserFactory
from tests.generation.factories import GenerationJobFactory
from tests.generation.test_styles import make as make_style
from tests.marketplace.factories import make_piece

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("generation_wakeups", "provenance_settings"),
]

JOB = {"prompt": "a lighthouse at dusk", "width": 256, "height": 256, "count": 2, "seed": 7}


def test_create_queues_a_job_with_what_was_asked(
    buyer, as_buyer, generation_wakeups, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(as_buyer, "/api/v1/jobs", JOB)

    assert response.status_code == 201
    body = response.json()
    job = GenerationJob.objects.get(pk=body["id"])
    assert (job.owner, job.prompt, job.count, job.seed) == (buyer, JOB["prompt"], 2, 7)
    assert body["status"] == "queued" and body["queue_position"] == 1
    assert body["web_url"].endswith(f"/jobs/{job.pk}/")
    assert [woken for woken, _ in generation_wakeups] == [str(job.pk)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"width": 256, "height": 256}, "prompt"),
        ({**JOB, "width": 300}, "width"),
        ({**JOB, "count": 99}, "count"),
        ({**JOB, "seed": -1}, "seed"),
        ({**JOB, "engine": "nope"}, "engine"),
        ({**JOB, "steps": 999}, "steps"),
        ({**JOB, "width": "wide"}, "width"),
    ],
)
def test_bad_input_is_one_error_shape_naming_the_field(as_buyer, body, field):
    response = post(as_buyer, "/api/v1/jobs", body)

    assert response.status_code == 400
    assert set(response.json()) == {"code", "message", "field"}
    assert response.json()["code"] == "invalid" and response.json()["field"] == field
    assert not GenerationJob.objects.exists()


def test_malformed_json_is_a_400_not_a_500(as_buyer):
    response = as_buyer.post("/api/v1/jobs", "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_someone_else_s_style_is_paid_and_refused_here(as_buyer, creator):
    style = make_style(creator)
    response = post(as_buyer, "/api/v1/jobs", {**JOB, "style": str(style.pk)})
    assert response.status_code == 402 and response.json()["field"] == "style"


def test_a_creator_renders_in_their_own_style(creator, issue_token, api_client):
    style = make_style(creator)
    client = api_client(issue_token(creator))

    response = post(client, "/api/v1/jobs", {"prompt": "a jug", "style": str(style.pk)})

    assert response.status_code == 201, response.json()
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.style_version == style.current_version and job.prompt == "a jug"


def test_get_is_owner_only(buyer, as_buyer):
    mine = GenerationJobFactory(owner=buyer)
    theirs = GenerationJobFactory(owner=UserFactory())

    assert as_buyer.get(f"/api/v1/jobs/{mine.pk}").json()["id"] == str(mine.pk)
    response = as_buyer.get(f"/api/v1/jobs/{theirs.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert as_buyer.get("/api/v1/jobs/not-a-uuid").status_code == 400


def test_list_walks_every_job_once_by_cursor_newest_first(buyer, as_buyer):
    jobs = GenerationJobFactory.create_batch(5, owner=buyer)
    GenerationJobFactory(owner=UserFactory())
    seen, cursor = [], None
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = as_buyer.get("/api/v1/jobs", query).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    expected = sorted(jobs, key=lambda job: (job.created_at, job.pk), reverse=True)
    assert seen == [str(job.pk) for job in expected]


def test_list_filters_by_status_and_prompt(buyer, as_buyer):
    GenerationJobFactory(owner=buyer, status=JobStatus.FAILED, prompt="red fox")
    GenerationJobFactory(owner=buyer, status=JobStatus.SUCCEEDED, prompt="red fox")
    GenerationJobFactory(owner=buyer, status=JobStatus.FAILED, prompt="blue whale")

    page = as_buyer.get("/api/v1/jobs", {"status": "failed", "q": "fox"}).json()

    assert [(item["status"], item["prompt"]) for item in page["items"]] == [("failed", "red fox")]
    assert as_buyer.get("/api/v1/jobs", {"status": "exploded"}).status_code == 400


@pytest.mark.parametrize("cursor", ["garbage", "eyJ0IjogMX0", base64.b64encode(b"[]").decode()])
def test_a_cursor_we_did_not_give_out_is_a_400(as_buyer, cursor):
    response = as_buyer.get("/api/v1/jobs", {"cursor": cursor})
    assert response.status_code == 400 and response.json()["field"] == "cursor"


def test_limit_is_bounded(as_buyer):
    assert as_buyer.get("/api/v1/jobs", {"limit": 0}).json()["field"] == "limit"
    assert as_buyer.get("/api/v1/jobs", {"limit": 101}).status_code == 400


def test_cancel_then_cancel_again_is_a_conflict(buyer, as_buyer):
    job = post(as_buyer, "/api/v1/jobs", JOB).json()

    cancelled = post(as_buyer, f"/api/v1/jobs/{job['id']}/cancel", {})
    again = post(as_buyer, f"/api/v1/jobs/{job['id']}/cancel", {})

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_retry_makes_a_new_job_with_the_same_seed(buyer, as_buyer):
    failed = GenerationJobFactory(
        owner=buyer, status=JobStatus.FAILED, seed=99, engine="embedded", width=256, height=256
    )

    response = post(as_buyer, f"/api/v1/jobs/{failed.pk}/retry", {})

    assert response.status_code == 201
    retry = GenerationJob.objects.get(pk=response.json()["id"])
    assert retry.retry_of == failed and retry.seed == 99
    assert post(as_buyer, f"/api/v1/jobs/{retry.pk}/retry", {}).status_code == 409


def test_an_edit_of_your_piece_is_an_ordinary_job(buyer, as_buyer):
    piece = make_piece(buyer)

    response = post(
        as_buyer, "/api/v1/jobs/edits", {"piece": str(piece.pk), "kind": "upscale", "upscale": 2}
    )

    assert response.status_code == 201, response.json()
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert (job.edit_kind, job.parent_piece, job.upscale_factor) == ("upscale", piece, 2)


def test_an_inpaint_takes_a_base64_png_mask(buyer, as_buyer):
    piece = make_piece(buyer)
    mask = io.BytesIO()
    painted = Image.new("L", (piece.width, piece.height), 0)
    painted.paste(255, (0, 0, piece.width // 2, piece.height // 2))
    painted.save(mask, format="PNG")
    body = {
        "piece": str(piece.pk),
        "kind": "inpaint",
        "prompt": "a red door",
        "strength": 0.8,
        "mask_png_base64": base64.b64encode(mask.getvalue()).decode(),
    }

    response = post(as_buyer, "/api/v1/jobs/edits", body)

    assert response.status_code == 201, response.json()
    assert GenerationJob.objects.get(pk=response.json()["id"]).mask_sha256
    bad = post(as_buyer, "/api/v1/jobs/edits", {**body, "mask_png_base64": "%%%"})
    assert bad.status_code == 400 and bad.json()["field"] == "mask_png_base64"
    full = io.BytesIO()
    Image.new("L", (piece.width, piece.height), 255).save(full, format="PNG")
    whole = {**body, "mask_png_base64": base64.b64encode(full.getvalue()).decode()}
    refused = post(as_buyer, "/api/v1/jobs/edits", whole).json()
    assert refused["field"] == "mask_png_base64" and "whole picture" in refused["message"]


def test_nobody_edits_a_piece_they_do_not_hold(as_buyer, creator):
    piece = make_piece(creator)
    response = post(as_buyer, "/api/v1/jobs/edits", {"piece": str(piece.pk), "kind": "variation"})
    assert response.status_code == 404
    assert not GenerationJob.objects.filter(parent_piece=piece).exists()
