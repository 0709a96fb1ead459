"""Object storage: local folders by default, two S3 buckets when S3 settings are present.

`default` holds private originals (signed, short-lived URLs on S3; an authorised Django view
locally). `previews` holds public, watermarked previews and avatars; with PUBLIC_MEDIA_URL
their URLs are built on that base (a CDN in front of the previews bucket or folder), while
originals keep their signed URLs from the private bucket.
"""

from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from config.env import env_int, env_str


def s3_storages(
    *,
    endpoint_url: str,
    originals_bucket: str,
    previews_bucket: str,
    access_key: str,
    secret_key: str,
    region: str = "us-east-1",
    public_endpoint_url: str = "",
    signed_url_seconds: int = 300,
) -> dict:
    common = {
        "endpoint_url": endpoint_url,
        "access_key": access_key,
        "secret_key": secret_key,
        "region_name": region,
        "addressing_style": "path",
        "signature_version": "s3v4",
        "file_overwrite": False,
    }
    return {
        "default": {
            "BACKEND": "config.storage_backends.PrivateS3Storage",
            "OPTIONS": {
                **common,
                "public_endpoint_url": public_endpoint_url,
                "bucket_name": originals_bucket,
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": signed_url_seconds,
            },
        },
        "previews": {
            "BACKEND": "config.storage_backends.PublicS3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": previews_bucket,
                "default_acl": "public-read",
                "querystring_auth": False,
            },
        },
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }


def local_storages(media_root: Path) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media_root / "originals"), "base_url": None},
        },
        "previews": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media_root / "previews"), "base_url": "/media/previews/"},
        },
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }


def storages_from_env(media_root: Path) -> dict:
    endpoint = env_str("S3_ENDPOINT_URL")
    if not endpoint:
        return local_storages(media_root)
    return s3_storages(
        endpoint_url=endpoint,
        originals_bucket=env_str("S3_BUCKET_ORIGINALS", "originals"),
        previews_bucket=env_str("S3_BUCKET_PREVIEWS", "previews"),
        access_key=env_str("AWS_ACCESS_KEY_ID"),
        secret_key=env_str("AWS_SECRET_ACCESS_KEY"),
        region=env_str("AWS_S3_REGION_NAME", "us-east-1"),
        public_endpoint_url=env_str("S3_PUBLIC_ENDPOINT_URL"),
        signed_url_seconds=env_int("S3_SIGNED_URL_SECONDS", 300),
    )


def media_origin(public_media_url: str) -> str:
    """`scheme://host[:port]` of PUBLIC_MEDIA_URL (for the CSP's img-src)."""
    parts = urlsplit(public_media_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfigured(
            f"PUBLIC_MEDIA_URL must be an http(s) URL, not {public_media_url!r}"
        )
    return f"{parts.scheme}://{parts.netloc}"


def previews_on_cdn(storages: dict, *, public_media_url: str) -> dict:
    """Build preview URLs on PUBLIC_MEDIA_URL: S3 keys `previews/x.jpg` at
    `<PUBLIC_MEDIA_URL>/previews/x.jpg` (django-storages' custom domain), local files at
    `<PUBLIC_MEDIA_URL>/x.jpg` (the CDN's origin is this site's /media/previews/).
    The originals' storage is left alone."""
    if not public_media_url:
        return storages
    media_origin(public_media_url)  # refuses a URL that is not http(s)
    previews = storages["previews"]
    if previews["BACKEND"].endswith("FileSystemStorage"):
        options = {"base_url": public_media_url.rstrip("/") + "/"}
    else:
        parts = urlsplit(public_media_url)
        options = {
            "custom_domain": (parts.netloc + parts.path).rstrip("/"),
            "url_protocol": f"{parts.scheme}:",
        }
    cdn = {**previews, "OPTIONS": {**previews["OPTIONS"], **options}}
    return {**storages, "previews": cdn}
