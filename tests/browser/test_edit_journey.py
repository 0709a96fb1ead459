"""Editing a piece in the browser: open one of your images, paint a mask on the canvas with
the keyboard and the mouse, submit an inpaint, watch the job run on the worker and see the
result in the job's grid."""

import re

import pytest
from django.core.files.storage import storages
from PIL import Image
from playwright.sync_api import expect

from generation.models import GenerationJob
from tests.browser.test_commission_journey import log_in
from tests.factories import UserFactory
from tests.generation.factories import scripted_piece

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_paint_a_mask_and_inpaint(
    live_server, page, screenshot, celery_worker, scripted_engine, settings, signing_root
):
    settings.PROVENANCE_SIGNING_DIR = signing_root
    settings.GENERATION_PROGRESS_INTERVAL = 0
    user = UserFactory()
    parent = scripted_piece(user, seed=3)
    log_in(page, live_server, user)

    page.goto(f"{live_server.url}/jobs/{parent.job_id}/")
    page.get_by_role("link", name="Edit", exact=True).click()
    page.wait_for_url(re.compile(rf".*/pieces/{parent.pk}/edit/$"))
    panel = page.locator("#edit-inpaint")
    canvas = panel.get_by_role("img", name="Mask painter")

    # Keyboard: Space paints at the cursor (the centre), arrows drag the brush while held.
    canvas.focus()
    page.keyboard.press("+")
    page.keyboard.down(" ")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.keyboard.up(" ")
    expect(panel.locator("[data-status]")).to_contain_text("1 stroke. Brush 36 px at 160, 128.")
    # Mouse: a short drag in the top-left corner, then undone.
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + 40, box["y"] + 20)
    page.mouse.up()
    expect(panel.locator("[data-status]")).to_contain_text("2 strokes")
    panel.get_by_role("button", name="Undo").click()
    expect(panel.locator("[data-status]")).to_contain_text("1 stroke.")
    panel.get_by_label("Strength").fill("0.8")
    panel.get_by_label("New prompt (optional)").fill("a red door in the wall")
    screenshot("edit-mask-painted")
    panel.get_by_role("button", name="Repaint the masked area").click()

    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]+/$"))
    expect(page.get_by_text("Inpaint of")).to_be_visible()
    expect(page.locator("#job-status")).to_have_attribute("data-status", "succeeded", timeout=30000)
    expect(page.get_by_role("img", name=re.compile("AI-generated image"))).to_have_count(1)
    screenshot("edit-inpaint-succeeded")

    job = GenerationJob.objects.get(owner=user, edit_kind="inpaint")
    assert job.prompt == "a red door in the wall" and job.strength == 0.8
    assert job.pieces.get().parent == parent
    with storages["default"].open(job.mask.name) as handle:
        mask = Image.open(handle).convert("L")
    assert mask.size == (256, 256)
    assert mask.getpixel((128, 128)) == 255 and mask.getpixel((160, 128)) == 255
    assert mask.getpixel((20, 12)) == 0 and mask.getpixel((250, 250)) == 0  # undone, unpainted

    # The new piece's public verify page shows where it came from: the parent, linked.
    child = job.pieces.get()
    page.goto(f"{live_server.url}/verify/{child.pk}/")
    history = page.get_by_role("list", name="Edit history")
    expect(history).to_contain_text(re.compile("inpaint", re.IGNORECASE))
    expect(history.locator(f'a[href="/verify/{parent.pk}/"]')).to_have_count(1)
    screenshot("edit-verify-chain")
