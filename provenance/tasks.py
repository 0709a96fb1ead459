"""Celery entry points of provenance: thin, they take ids and call services."""

from celery import shared_task

from provenance.services.lookups import keypoint_lookup_run, keypoint_lookups_sweep


@shared_task(name="provenance.tasks.match_keypoints", acks_late=True)
def match_keypoints(token: str) -> None:
    """Search one verify-page upload's keypoints (on the `lookup` queue, whose worker holds
    the keypoint index)."""
    keypoint_lookup_run(token=token)


@shared_task(name="provenance.tasks.sweep_lookups")
def sweep_lookups() -> None:
    keypoint_lookups_sweep()
