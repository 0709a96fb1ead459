"""Loaded with `-p` before Django starts, so settings see the services chosen here.

It must not import the `config` package (that would pin DJANGO_SETTINGS_MODULE early).

Always: a throwaway VAR_DIR (SQLite file, broker folders, local media) per run.
CI=true: a moto S3 server on 127.0.0.1 (port 0) with private `originals` and public-read
`previews` buckets, selected through the same S3_* variables production uses.
"""

import atexit
import os
import shutil
import tempfile

_var_dir = tempfile.mkdtemp(prefix="promptfolio-test-")
atexit.register(shutil.rmtree, _var_dir, ignore_errors=True)
os.environ["VAR_DIR"] = _var_dir
os.environ.setdefault("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required")


def start_moto_s3() -> str:
    """Start a moto S3 server and return its endpoint URL."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    atexit.register(server.stop)
    return f"http://127.0.0.1:{server._server.server_port}"


def create_buckets(endpoint: str, *, originals: str, previews: str) -> None:
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    s3.create_bucket(Bucket=originals, ACL="private")
    s3.create_bucket(Bucket=previews, ACL="public-read")


_ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
if _ci and not os.environ.get("S3_ENDPOINT_URL"):
    _endpoint = start_moto_s3()
    os.environ.update(
        S3_ENDPOINT_URL=_endpoint,
        S3_BUCKET_ORIGINALS="originals",
        S3_BUCKET_PREVIEWS="previews",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    create_buckets(_endpoint, originals="originals", previews="previews")
