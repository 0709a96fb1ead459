"""The piece's edit page: panels per kind, the engine's limits shown, errors next to the
field with nothing stored, and a queued edit landing on its job page."""

import base64
import io

import pytest
from django.urls import reverse
from PIL import Image

from generation.models import GenerationJob
from tests.factories import UserFactory
from tests.generation.factories import scripted_piece

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(scripted_engine, generation_wakeups, settings, signing_root):
    settings.PROVENANCE_SIGNING_DIR = signing_root


@pytest.fixture
def piece(buyer):
    return scripted_piece(buyer)


def painted_mask(size=(256, 256)) -> str:
    image = Image.new("L", size, 0)
    image.paste(255, (100, 100, 160, 160))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_the_edit_page_shows_every_panel_and_the_painter_script(client, buyer, piece):
    client.force_login(buyer)

    page = client.get(reverse("piece_edit", args=[piece.pk])).content.decode()

    for title in ("Variations", "Image-to-image", "Inpainting", "Upscaling"):
        assert f">{title}</h2>" in page
    assert '<script src="/static/js/mask-painter.js" defer></script>' in page
    assert "<script>" not in page
    assert 'data-target="id_inpaint-mask_data"' in page
    assert '<label for="id_inpaint-mask">…or upload a mask (PNG)</label>' in page


def test_an_edit_the_model_cannot_do_is_greyed_out_with_the_reason(client, buyer, piece, settings):
    settings.GENERATION_ENGINES = {
        **settings.GENERATION_ENGINES,
        "scripted": {
            "class": "tests.generation.doubles.ScriptedEngine",
            "label": "Sketchy",
            "options": {"edit_kinds": ["variation", "image", "inpaint"]},
        },
    }
    client.force_login(buyer)

    page = client.get(reverse("piece_edit", args=[piece.pk])).content.decode()

    reason = "Upscaling is not available for model Sketchy."
    assert f'<p class="muted" id="edit-upscale-unavailable">{reason}</p>' in page
    assert '<button type="button" disabled aria-describedby="edit-upscale-unavailable">' in page
    assert 'name="upscale-upscale"' not in page


def test_a_variation_lands_on_its_job_page(client, buyer, piece):
    client.force_login(buyer)

    response = client.post(
        reverse("piece_edit", args=[piece.pk]),
        {"kind": "variation", "variation-strength": "0.4"},
    )

    job = GenerationJob.objects.get(parent_piece=piece)
    assert response.status_code == 302
    assert response.url == reverse("job_detail", args=[job.pk])
    assert (job.edit_kind, job.strength) == ("variation", 0.4)
    page = client.get(response.url).content.decode()
    assert "Variation of" in page and 'id="job-status"' in page


def test_a_painted_mask_is_decoded_and_stored(client, buyer, piece):
    client.force_login(buyer)

    response = client.post(
        reverse("piece_edit", args=[piece.pk]),
        {
            "kind": "inpaint",
            "inpaint-strength": "0.8",
            "inpaint-prompt": "a red door",
            "inpaint-mask_data": painted_mask(),
        },
    )

    assert response.status_code == 302
    job = GenerationJob.objects.get(parent_piece=piece)
    assert (job.edit_kind, job.prompt) == ("inpaint", "a red door")
    assert job.mask.name == f"masks/{job.pk}.png" and job.mask_sha256


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "variation", "variation-strength": "3"}, "variation-strength", "less than or"),
        ({"kind": "inpaint", "inpaint-strength": "0.5"}, "inpaint-mask", "Paint the area"),
        (
            {
                "kind": "inpaint",
                "inpaint-strength": "0.5",
                "inpaint-mask_data": painted_mask((64, 64)),
            },
            "inpaint-mask",
            "The mask is 64x64; the picture is 256x256.",
        ),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_stores_nothing(
    client, buyer, piece, data, field, message
):
    client.force_login(buyer)

    response = client.post(reverse("piece_edit", args=[piece.pk]), data)

    assert response.status_code == 400
    page = response.content.decode()
    errors = page.split(f'id="id_{field}-errors"')[1].split("</div>")[0]
    assert message in errors
    assert not GenerationJob.objects.filter(parent_piece=piece).exists()


def test_someone_elses_piece_has_no_edit_page(client, piece):
    client.force_login(UserFactory())

    assert client.get(reverse("piece_edit", args=[piece.pk])).status_code == 404
    response = client.post(
        reverse("piece_edit", args=[piece.pk]), {"kind": "variation", "variation-strength": "0.4"}
    )
    assert response.status_code == 404
    assert not GenerationJob.objects.filter(parent_piece=piece).exists()
