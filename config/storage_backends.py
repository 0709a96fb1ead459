"""S3 storage: private originals whose signed URLs are valid for the browser's host, and
public previews cached for a year where their key is content-addressed.

Inside docker-compose Django reaches the object store as `http://s3:8333`, but a browser
cannot; a presigned URL is only valid for the host it was signed for, so we sign with a
second client bound to the public endpoint (signing is local computation, no network).
"""

from functools import cached_property

from storages.backends.s3 import S3Storage
from storages.utils import clean_name, setting

from core.media import cache_control_for


class PrivateS3Storage(S3Storage):
    def __init__(self, **settings):
        self.public_endpoint_url = settings.pop("public_endpoint_url", "") or setting(
            "S3_PUBLIC_ENDPOINT_URL", ""
        )
        super().__init__(**settings)

    @cached_property
    def _signing_client(self):
        session = self._create_session()
        return session.client(
            "s3",
            endpoint_url=self.public_endpoint_url,
            region_name=self.region_name,
            config=self.client_config,
            use_ssl=self.use_ssl,
            verify=self.verify,
        )

    def url(self, name, parameters=None, expire=None, http_method=None):
        if not self.public_endpoint_url:
            return super().url(name, parameters, expire, http_method)
        name = self._normalize_name(clean_name(name))
        params = dict(parameters or {})
        params["Bucket"] = self.bucket.name
        params["Key"] = name
        return self._signing_client.generate_presigned_url(
            "get_object",
            Params=params,
            ExpiresIn=expire or self.querystring_expire,
            HttpMethod=http_method,
        )


class PublicS3Storage(S3Storage):
    """The previews bucket. A CDN in front of it (PUBLIC_MEDIA_URL, django-storages'
    `custom_domain`) may keep content-addressed objects forever: they are stored with
    `Cache-Control: public, max-age=31536000, immutable`."""

    def get_object_parameters(self, name):
        params = super().get_object_parameters(name)
        cache_control = cache_control_for(name)
        if cache_control and "CacheControl" not in params:
            params["CacheControl"] = cache_control
        return params
