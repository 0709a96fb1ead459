"""Object storage: local folders by default, two S3 buckets when S3 settings are present.

`default` holds private originals (signed, short-lived URLs on S3; an authorised Django view
locally). `previews` holds public, watermarked previews and avatars.
"""

from pathlib import Path

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
            "BACKEND": "storages.backends.s3.S3Storage",
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
