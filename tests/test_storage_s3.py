"""Object storage against a real S3 API (moto server): ACLs, signed URLs, public previews."""

import urllib.error
import urllib.request
import uuid

import pytest
from django.core.files.base import ContentFile
from django.utils.module_loading import import_string

from config.settings.storage import s3_storages
from tests.plugins.services import create_buckets, start_moto_s3


@pytest.fixture(scope="module")
def s3_endpoint():
    endpoint = start_moto_s3()
    create_buckets(endpoint, originals="t-originals", previews="t-previews")
    return endpoint


def _storages(endpoint: str, public_endpoint: str = "") -> dict:
    config = s3_storages(
        endpoint_url=endpoint,
        originals_bucket="t-originals",
        previews_bucket="t-previews",
        access_key="testing",
        secret_key="testing",
        public_endpoint_url=public_endpoint,
    )
    return {
        alias: import_string(config[alias]["BACKEND"])(**config[alias]["OPTIONS"])
        for alias in ("default", "previews")
    }


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_originals_are_private_and_reachable_only_by_signed_url(s3_endpoint):
    originals = _storages(s3_endpoint)["default"]
    name = originals.save(f"pieces/{uuid.uuid4()}.png", ContentFile(b"original-bytes"))

    signed = originals.url(name)

    assert "X-Amz-Signature=" in signed and "X-Amz-Expires=300" in signed
    assert _status(signed) == 200
    assert _status(f"{s3_endpoint}/t-originals/{name}") == 403


def test_previews_are_public_without_signature(s3_endpoint):
    previews = _storages(s3_endpoint)["previews"]
    name = previews.save(f"previews/{uuid.uuid4()}.png", ContentFile(b"preview-bytes"))

    url = previews.url(name)

    assert "X-Amz-Signature" not in url
    assert _status(url) == 200


def test_files_are_never_overwritten(s3_endpoint):
    originals = _storages(s3_endpoint)["default"]
    first = originals.save("pieces/same.png", ContentFile(b"a"))
    second = originals.save("pieces/same.png", ContentFile(b"b"))

    assert first != second
    assert originals.open(first).read() == b"a"


def test_signed_urls_use_the_public_endpoint_when_set(s3_endpoint):
    originals = _storages(s3_endpoint, public_endpoint="http://objects.example.test:8333")[
        "default"
    ]
    name = originals.save("pieces/public.png", ContentFile(b"x"))

    url = originals.url(name)

    assert url.startswith("http://objects.example.test:8333/t-originals/pieces/")
    assert "X-Amz-Signature=" in url
