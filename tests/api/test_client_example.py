"""The README's Python client, run as written against a live server and a real worker."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from PIL import Image

from api.services.tokens import token_create
from generation.models import GenerationJob, JobStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

README = Path(django_settings.BASE_DIR) / "README.md"


def readme_client() -> dict:
    """The README's first python block that defines `commission`, executed."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    [code] = [block for block in blocks if "def commission(" in block]
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    return namespace


def test_the_readme_client_submits_waits_and_downloads(
    live_server, celery_worker, settings, signing_root, tmp_path
):
    settings.PROVENANCE_SIGNING_DIR = signing_root
    settings.GENERATION_PROGRESS_INTERVAL = 0
    user = UserFactory()
    token = token_create(user=user, name="readme", scopes=["read", "generate"]).plaintext

    originals = readme_client()["commission"](live_server.url, token, "a red fox in snow")

    job = GenerationJob.objects.get(owner=user)
    assert job.status == JobStatus.SUCCEEDED and job.prompt == "a red fox in snow"
    [png] = originals
    path = tmp_path / "original.png"
    path.write_bytes(png)
    assert Image.open(path).size == (256, 256)
    assert png == job.pieces.get().original.open("rb").read()
