"""The "Start from a picture" page: linked from the commission page, errors next to their
field with nothing stored, and a queued job landing on its job page."""

import io

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from generation.models import GenerationJob
from tests.generation.factories import scripted_piece
from tests.provenance.factories import art

pytestmark = pytest.mark.django_db
URL = reverse("commission_from_picture")


@pytest.fixture(autouse=True)
def _setup(scripted_engine, generation_wakeups, settings, signing_root):
    settings.PROVENANCE_SIGNING_DIR = signing_root


def png(image: Image.Image) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("mine.png", buffer.getvalue(), content_type="image/png")


def form_data(**changes) -> dict:
    data = {"prompt": "a winter version", "strength": "0.5", "engine": "scripted", "size": ""}
    return {**data, **changes}


def test_the_commission_page_links_to_the_upload_form(client, buyer):
    client.force_login(buyer)

    commission = client.get(reverse("commission")).content.decode()
    page = client.get(URL).content.decode()

    assert f'href="{URL}"' in commission and "Start from a picture" in commission
    assert 'enctype="multipart/form-data"' in page
    assert 'accept="image/png,image/jpeg,image/webp"' in page
    assert "Closest to the picture&#x27;s shape" in page
    assert 'name="count"' not in page and "<script>" not in page


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302 and "login" in response["Location"]


def test_an_upload_queues_a_job_and_lands_on_its_page(client, buyer):
    client.force_login(buyer)

    response = client.post(URL, {**form_data(), "image": png(art(5, (256, 256)))})

    job = GenerationJob.objects.get(owner=buyer)
    assert response.status_code == 302
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert (job.edit_kind, job.strength, job.prompt) == ("image", 0.5, "a winter version")
    assert storages["default"].exists(job.source_upload.name)
    page = client.get(response["Location"]).content.decode()
    assert "Image to image of your uploaded picture, strength 0.5" in page


def test_the_job_page_links_an_uploaded_piece_of_ours(client, buyer):
    mine = scripted_piece(buyer, seed=41)
    with storages["default"].open(mine.original.name, "rb") as handle:
        upload = SimpleUploadedFile("mine.png", handle.read())
    client.force_login(buyer)

    response = client.post(URL, {**form_data(), "image": upload})

    page = client.get(response["Location"]).content.decode()
    assert "of your uploaded picture (" in page
    assert reverse("piece_edit", args=[mine.pk]) in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"strength": "1.5"}, "strength", "less than or equal to 1"),
        ({"image": "not a picture"}, "image", "not an image we can read"),
        ({"image": None}, "image", "This field is required"),
    ],
)
def test_bad_input_shows_its_error_next_to_the_field_and_stores_nothing(
    client, buyer, changes, field, message
):
    client.force_login(buyer)
    data = {**form_data(), "image": png(art(6, (64, 64)))}
    data.update(changes)
    if data["image"] is None:
        del data["image"]
    elif isinstance(data["image"], str):
        data["image"] = SimpleUploadedFile("x.png", data["image"].encode())

    response = client.post(URL, data)

    assert response.status_code == 400
    page = response.content.decode()
    errors = page.split(f'id="id_{field}-errors"', 1)[1].split("</div>", 1)[0]
    assert message in errors
    assert not GenerationJob.objects.filter(owner=buyer).exists()


def test_another_creators_piece_is_refused_naming_why(client, buyer, creator):
    theirs = scripted_piece(creator, seed=40)
    with storages["default"].open(theirs.original.name, "rb") as handle:
        data = handle.read()
    client.force_login(buyer)

    response = client.post(URL, {**form_data(), "image": SimpleUploadedFile("theirs.png", data)})

    assert response.status_code == 400
    errors = response.content.decode().split('id="id_image-errors"', 1)[1]
    assert "another creator&#x27;s Promptfolio piece" in errors.split("</div>", 1)[0]
    assert not GenerationJob.objects.filter(owner=buyer).exists()
