"""What tests read back from object storage."""

from django.core.files.storage import storages


def stored_names(prefix: str, alias: str = "default") -> list[str]:
    """File names under `prefix`. A folder is only a key prefix on S3, so list it rather than
    ask whether it exists; none yet is an empty list."""
    try:
        return storages[alias].listdir(prefix)[1]
    except FileNotFoundError:
        return []
