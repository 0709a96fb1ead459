"""The keypoint search runs on the lookup worker: its row is the truth, the message only a
wake-up; lost wake-ups are re-sent, old rows deleted; a real worker answers the page."""

import io
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageOps

from provenance import keypoints as kp
from provenance.models import KeypointLookup
from provenance.services import lookups
from provenance.services.lookups import keypoint_lookup_start, keypoint_lookups_sweep
from tests.provenance.factories import art, stamped_piece


def _aged(lookup: KeypointLookup, seconds: float) -> None:
    KeypointLookup.objects.filter(pk=lookup.pk).update(
        created_at=timezone.now() - timedelta(seconds=seconds)
    )


@pytest.mark.django_db
def test_the_sweeper_resends_lost_wake_ups_and_deletes_old_lookups(monkeypatch, settings):
    woken = []

    def wake(name, queue, token):
        woken.append((queue, token))
        return True  # sent

    monkeypatch.setattr(lookups, "wake_named_on_queue", wake)
    query = kp.extract_both(art(5))
    fresh = keypoint_lookup_start(query=query, recover_manifest=False)
    lost = keypoint_lookup_start(query=query, recover_manifest=False)
    done = keypoint_lookup_start(query=query, recover_manifest=False)
    old = keypoint_lookup_start(query=query, recover_manifest=False)
    _aged(lost, 60)
    KeypointLookup.objects.filter(pk=done.pk).update(finished_at=timezone.now())
    _aged(done, 60)
    _aged(old, settings.PROVENANCE_LOOKUP_KEEP_SECONDS + 1)

    assert keypoint_lookups_sweep() == {"deleted": 1, "resent": 1}
    assert woken == [("lookup", str(lost.token))]
    assert set(KeypointLookup.objects.values_list("pk", flat=True)) == {
        fresh.pk,
        lost.pk,
        done.pk,
    }


@pytest.mark.django_db
def test_a_search_still_pending_after_the_wait_says_so_and_stops_polling(client, settings):
    lookup = keypoint_lookup_start(query=kp.extract_both(art(6)), recover_manifest=False)
    _aged(lookup, settings.PROVENANCE_LOOKUP_WAIT_SECONDS + 1)
    poll = reverse("provenance:verify_keypoints", args=[lookup.token])
    body = client.get(poll, headers={"HX-Request": "true"}).content.decode()
    assert "taking longer than usual" in body and "hx-get" not in body


@pytest.mark.django_db(transaction=True)
def test_the_lookup_worker_answers_the_verify_page(client, creator, celery_worker):
    piece, _, stamped = stamped_piece(owner=creator, seed=66)
    original = Image.open(io.BytesIO(stamped.original_png)).convert("RGB")
    copy = ImageOps.mirror(original.crop((40, 40, 460, 420)))
    buffer = io.BytesIO()
    copy.save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "copy.png"

    response = client.post(reverse("provenance:verify"), {"image": buffer})
    poll = reverse(
        "provenance:verify_keypoints", args=[response.context["keypoint_search"].lookup.token]
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = client.get(poll, headers={"HX-Request": "true"}).context["found"]
        if found.done:
            break
        time.sleep(0.2)
    assert found.done and [m.record.piece_id for m in found.matches] == [piece.id]
