"""Image-to-image from one's own picture in the browser: the commission page's link, a
refused file kept out with the reason shown, then a real picture remade on the worker, the
result in the grid and its verify page saying a person uploaded the starting picture."""

import hashlib
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from generation.models import GenerationJob
from tests.browser.test_commission_journey import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def png(tmp_path, name: str, size=(300, 200)) -> tuple:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(buffer, format="PNG")
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path, hashlib.sha256(buffer.getvalue()).hexdigest()


def test_upload_a_picture_and_remake_it(
    live_server, page, screenshot, celery_worker, scripted_engine, settings, signing_root, tmp_path
):
    settings.PROVENANCE_SIGNING_DIR = signing_root
    settings.GENERATION_PROGRESS_INTERVAL = 0
    user = UserFactory()
    log_in(page, live_server, user)
    page.get_by_role("link", name="Commission", exact=True).click()
    page.get_by_role("link", name="Start from a picture").click()

    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("these are my notes, not a picture")
    page.get_by_label("Your picture").set_input_files(str(not_an_image))
    page.get_by_label("Prompt", exact=True).fill("a blue wall, painted in oils")
    page.get_by_label("Engine").select_option("scripted")
    page.get_by_role("button", name="Make an image from my picture").click()
    expect(page.get_by_role("alert")).to_contain_text("That file is not an image we can read.")
    assert not GenerationJob.objects.exists()

    picture, sha256 = png(tmp_path, "wall.png")
    page.get_by_label("Your picture").set_input_files(str(picture))
    page.get_by_label("Strength").fill("0.7")
    screenshot("from-picture-form")
    page.get_by_role("button", name="Make an image from my picture").click()

    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]+/$"))
    expect(page.locator("#job-status")).to_have_attribute("data-status", "succeeded", timeout=30000)
    expect(page.get_by_role("img", name=re.compile("AI-generated image"))).to_have_count(1)
    screenshot("from-picture-succeeded")
    job = GenerationJob.objects.get(owner=user)
    assert (job.edit_kind, job.strength, job.source_sha256) == ("image", 0.7, sha256)

    page.goto(f"{live_server.url}/verify/{job.pieces.get().pk}/")
    expect(page.get_by_text(re.compile("uploaded the starting picture"))).to_be_visible()
    screenshot("from-picture-verify")
