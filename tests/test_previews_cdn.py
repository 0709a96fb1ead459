"""Previews behind a CDN: content-addressed keys cached for a year, URLs on PUBLIC_MEDIA_URL,
originals still signed by the private bucket."""

import hashlib

import boto3
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.test import RequestFactory
from django.utils.module_loading import import_string

from config.settings.storage import local_storages, previews_on_cdn, s3_storages
from core.media import IMMUTABLE_CACHE_CONTROL
from core.views.media import preview_file
from tests.plugins.services import create_buckets, start_moto_s3

CDN = "https://cdn.example.test"
PREVIEW_BYTES = b"preview-bytes"
PREVIEW_KEY = f"previews/{hashlib.sha256(PREVIEW_BYTES).hexdigest()}.jpg"


@pytest.fixture(scope="module")
def s3_endpoint():
    endpoint = start_moto_s3()
    create_buckets(endpoint, originals="cdn-originals", previews="cdn-previews")
    return endpoint


def _s3(endpoint: str, public_media_url: str = "") -> dict:
    config = s3_storages(
        endpoint_url=endpoint,
        originals_bucket="cdn-originals",
        previews_bucket="cdn-previews",
        access_key="testing",
        secret_key="testing",
    )
    config = previews_on_cdn(config, public_media_url=public_media_url)
    return {
        alias: import_string(config[alias]["BACKEND"])(**config[alias]["OPTIONS"])
        for alias in ("default", "previews")
    }


def _cache_control(endpoint: str, key: str) -> str | None:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    return client.head_object(Bucket="cdn-previews", Key=key).get("CacheControl")


def test_content_addressed_previews_are_stored_immutable_and_avatars_are_not(s3_endpoint):
    previews = _s3(s3_endpoint)["previews"]
    preview = previews.save(PREVIEW_KEY, ContentFile(PREVIEW_BYTES))
    avatar = previews.save("avatars/me.png", ContentFile(b"avatar-bytes"))

    assert preview == PREVIEW_KEY
    assert _cache_control(s3_endpoint, preview) == IMMUTABLE_CACHE_CONTROL
    assert _cache_control(s3_endpoint, avatar) is None


def test_preview_urls_use_public_media_url_and_originals_stay_signed(s3_endpoint):
    storages = _s3(s3_endpoint, public_media_url=CDN)
    original = storages["default"].save("pieces/cdn.png", ContentFile(b"original"))

    assert storages["previews"].url(PREVIEW_KEY) == f"{CDN}/{PREVIEW_KEY}"
    signed = storages["default"].url(original)
    assert signed.startswith(f"{s3_endpoint}/cdn-originals/pieces/")
    assert "X-Amz-Signature=" in signed and "X-Amz-Expires=300" in signed


def test_without_public_media_url_previews_come_from_the_bucket(s3_endpoint):
    url = _s3(s3_endpoint)["previews"].url(PREVIEW_KEY)

    assert url.startswith(f"{s3_endpoint}/cdn-previews/previews/")
    assert "X-Amz-Signature" not in url


def test_local_previews_use_public_media_url_and_originals_keep_no_url(tmp_path):
    config = previews_on_cdn(local_storages(tmp_path), public_media_url=f"{CDN}/media/")

    assert config["previews"]["OPTIONS"]["base_url"] == f"{CDN}/media/"
    assert config["default"] == local_storages(tmp_path)["default"]


@pytest.mark.parametrize("url", ["cdn.example.test", "ftp://cdn.example.test", "https://"])
def test_a_public_media_url_that_is_not_http_refuses_to_start(url, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="PUBLIC_MEDIA_URL must be an http"):
        previews_on_cdn(local_storages(tmp_path), public_media_url=url)


def test_local_serving_caches_content_addressed_previews_only(tmp_path, settings):
    settings.STORAGES = {**settings.STORAGES, **local_storages(tmp_path)}
    folder = tmp_path / "previews"
    (folder / "previews").mkdir(parents=True)
    (folder / PREVIEW_KEY).write_bytes(PREVIEW_BYTES)
    (folder / "avatars").mkdir()
    (folder / "avatars" / "me.png").write_bytes(b"avatar-bytes")
    request = RequestFactory().get("/")

    preview = preview_file(request, PREVIEW_KEY)
    avatar = preview_file(request, "avatars/me.png")

    assert preview["Cache-Control"] == IMMUTABLE_CACHE_CONTROL
    assert b"".join(preview.streaming_content) == PREVIEW_BYTES
    assert "Cache-Control" not in avatar


def test_a_stamped_preview_is_named_by_its_content(db, signing_root, settings):
    from tests.provenance.factories import stamped_piece

    settings.PROVENANCE_SIGNING_DIR = signing_root
    piece, _, stamped = stamped_piece(seed=7)

    digest = hashlib.sha256(stamped.preview_bytes).hexdigest()
    assert piece.preview.name == f"previews/{digest}.jpg"
    with piece.preview.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == digest


def test_public_media_url_reaches_preview_urls_and_the_csp_from_the_environment(tmp_path):
    from tests.test_settings import _run

    script = (
        "import django; django.setup(); from django.conf import settings; "
        "from django.core.files.storage import storages; "
        "print(storages['previews'].url('previews/x.jpg')); "
        "print(settings.CONTENT_SECURITY_POLICY)"
    )
    result = _run(
        ["-c", script],
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "VAR_DIR": str(tmp_path),
            "PUBLIC_MEDIA_URL": f"{CDN}/media",
        },
    )

    assert result.returncode == 0, result.stderr
    url, csp = result.stdout.splitlines()[-2:]
    assert url == f"{CDN}/media/previews/x.jpg"
    assert f"img-src 'self' {CDN} data:" in csp
