"""Erasing what a person uploaded for their edits when they close their account.

The masks they painted and the pictures they uploaded to start from are theirs, not the
model's: their bytes go with the account. The job rows keep the file names and sha256 that
provenance records cite, so the history stays legible; `manage.py reproduce` then says it
can no longer read the edit's source. Storage is not transactional, so the files are
deleted once the erasure commits.
"""

from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Q

from generation.models import GenerationJob


def job_sources_erase(*, user) -> int:
    """Delete `user`'s stored masks and uploaded source pictures after commit; returns how
    many files will go."""
    jobs = GenerationJob.objects.filter(owner=user).filter(~Q(mask="") | ~Q(source_upload=""))
    names = [
        name
        for mask, upload in jobs.values_list("mask", "source_upload")
        for name in (mask, upload)
        if name
    ]

    def delete() -> None:
        storage = storages["default"]
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)
    return len(names)
