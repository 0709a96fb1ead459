"""Keypoint searches off the request thread (docs/adr/012).

The search needs the whole keypoint index in memory (about 1 GB at 100k pieces), so it runs
in the lookup worker, one process on the `lookup` queue that holds it once, instead of in
every web process. The web request stores the copy's keypoints as a KeypointLookup row and
wakes the worker after commit; the page polls the row. A lost wake-up is re-sent by the
sweeper, which also deletes rows past PROVENANCE_LOOKUP_KEEP_SECONDS.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.wakeups import wake_named_on_queue, wake_named_on_queue_after_commit
from provenance import keypoints as kp
from provenance.models import KeypointLookup
from provenance.selectors.keypoints import keypoint_search

logger = logging.getLogger(__name__)

LOOKUP_TASK = "provenance.tasks.match_keypoints"
LOOKUP_QUEUE = "lookup"
RESEND_AFTER = timedelta(seconds=15)  # a pending row this old lost its wake-up


@transaction.atomic
def keypoint_lookup_start(
    *, query: tuple[kp.Keypoints, kp.Keypoints], recover_manifest: bool
) -> KeypointLookup:
    """Queue the keypoint search of an uploaded copy (`keypoints.extract_both` of it)."""
    lookup = KeypointLookup.objects.create(
        query=kp.pair_to_bytes(query), recover_manifest=recover_manifest
    )
    wake_named_on_queue_after_commit(LOOKUP_TASK, LOOKUP_QUEUE, str(lookup.token))
    return lookup


def keypoint_lookup_run(*, token: uuid.UUID | str) -> bool:
    """Search a pending lookup and store its result; False when there is none to run (done
    already, or purged). Safe to run twice: only the first result is kept."""
    data = (
        KeypointLookup.objects.filter(token=token, finished_at__isnull=True)
        .values_list("query", flat=True)
        .first()
    )
    if data is None:
        return False
    found = keypoint_search(query=kp.pair_from_bytes(bytes(data)))
    stored = KeypointLookup.objects.filter(token=token, finished_at__isnull=True).update(
        results=[[str(piece_id), inliers] for piece_id, inliers in found],
        query=b"",
        finished_at=timezone.now(),
    )
    return bool(stored)


def keypoint_lookups_sweep(*, now=None) -> dict[str, int]:
    """Re-wake pending lookups whose wake-up was lost; delete rows past their keep time."""
    now = now or timezone.now()
    keep = timedelta(seconds=settings.PROVENANCE_LOOKUP_KEEP_SECONDS)
    deleted, _ = KeypointLookup.objects.filter(created_at__lt=now - keep).delete()
    stale = KeypointLookup.objects.filter(
        finished_at__isnull=True, created_at__lt=now - RESEND_AFTER
    ).values_list("token", flat=True)
    resent = sum(wake_named_on_queue(LOOKUP_TASK, LOOKUP_QUEUE, str(token)) for token in stale)
    if deleted or resent:
        logger.info("Keypoint lookups: %d deleted, %d wake-ups re-sent", deleted, resent)
    return {"deleted": deleted, "resent": resent}
