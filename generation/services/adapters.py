"""LoRA adapters of a style version: checked at upload from headers alone (the web process
loads no weights), kept in private storage, and copied to a local cache on the worker,
verified by sha256, before the engine loads them."""

import hashlib
import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.files import File

from core.errors import ApplicationError
from generation.engines import AdapterRef
from generation.engines.adapters import (
    AdapterIncompatible,
    AdapterInvalid,
    Shapes,
    check_adapter,
    denoiser_shapes,
    read_header,
)
from generation.engines.registry import import_class
from generation.models import GenerationJob, StyleAdapter, StyleVersion
from generation.models.styles import adapters_upload_to
from generation.services.engines import engine_config

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
MAX_ADAPTERS = 4
MAX_SCALE = 2.0  # as the StyleAdapter constraint
EMBEDDED_REFUSAL = (
    "The embedded engine maps a style to its own style parameters; LoRA adapters need a "
    "diffusers engine."
)


class AdapterUnavailable(ValueError):
    """The stored file no longer matches its recorded sha256: never load it."""


@dataclass(frozen=True)
class AdapterUpload:
    """One adapter a creator attaches to a version: the file as uploaded and its weight."""

    name: str
    file: File
    scale: float = 1.0


@dataclass(frozen=True)
class CheckedAdapter:
    upload: AdapterUpload
    sha256: str
    size: int


def adapter_max_bytes() -> int:
    return int(getattr(settings, "STYLE_ADAPTER_MAX_BYTES", DEFAULT_MAX_BYTES))


def adapter_key(pairs: Iterable[tuple[str, float]]) -> str:
    """One value per adapter set (sha256 and scale), so unequal sets never share a batch."""
    items = sorted(f"{sha}:{float(scale)!r}" for sha, scale in pairs)
    return hashlib.sha256("\n".join(items).encode()).hexdigest() if items else ""


def adapters_check(*, uploads: Sequence[AdapterUpload], engine: str) -> list[CheckedAdapter]:
    """Refuse anything but safetensors LoRAs within the size limit that fit the engine's
    denoiser; raise ApplicationError (field "adapters") naming the file and the reason."""
    if not uploads:
        return []
    if len(uploads) > MAX_ADAPTERS:
        raise ApplicationError(f"Attach at most {MAX_ADAPTERS} adapters.", field="adapters")
    base = _engine_base_shapes(engine)
    checked = [_check_one(upload, base, engine) for upload in uploads]
    if len({adapter.sha256 for adapter in checked}) < len(checked):
        raise ApplicationError("The same adapter file is attached twice.", field="adapters")
    return checked


def _engine_base_shapes(engine: str) -> Shapes:
    entry = engine_config()[engine]
    cls = import_class(entry["class"])
    if not cls.supports_adapters:
        message = EMBEDDED_REFUSAL if cls.name == "embedded" else f"{engine} takes no adapters."
        raise ApplicationError(message, field="adapters")
    checkpoint = Path(str(entry.get("options", {}).get("checkpoint", ""))).expanduser()
    try:
        return _denoiser_shapes(str(checkpoint), _mtime(checkpoint))
    except (OSError, ValueError) as error:
        raise ApplicationError(
            f"Adapters cannot be checked against {engine} now ({error}).", field="adapters"
        ) from None


def _mtime(checkpoint: Path) -> float:
    return max((p.stat().st_mtime for p in checkpoint.glob("*/*.safetensors")), default=0.0)


@lru_cache(maxsize=8)
def _denoiser_shapes(checkpoint: str, mtime: float) -> Shapes:
    """Cached per checkpoint and its files' mtime: a swapped checkpoint is read again."""
    return denoiser_shapes(Path(checkpoint))


def _check_one(upload: AdapterUpload, base: Shapes, engine: str) -> CheckedAdapter:
    if not 0 < upload.scale <= MAX_SCALE:
        raise ApplicationError(
            f"An adapter's strength is above 0 and at most {MAX_SCALE:g}.", field="adapter_scale"
        )
    size, limit = upload.file.size, adapter_max_bytes()
    if size > limit:
        raise ApplicationError(
            f"{upload.name} is {_size(size)}; adapters may be at most {_size(limit)}.",
            field="adapters",
        )
    upload.file.seek(0)
    try:
        check_adapter(read_header(upload.file, size), base)
    except AdapterInvalid as error:
        raise ApplicationError(f"{upload.name} {error}.", field="adapters") from None
    except AdapterIncompatible as error:
        raise ApplicationError(
            f"{upload.name} does not fit {engine}: {error}.", field="adapters"
        ) from None
    digest = hashlib.sha256()
    upload.file.seek(0)
    for chunk in upload.file.chunks():
        digest.update(chunk)
    upload.file.seek(0)
    return CheckedAdapter(upload=upload, sha256=digest.hexdigest(), size=size)


def _size(size: int) -> str:
    mib = 1024 * 1024
    return f"{size / 1024:.0f} KiB" if size < mib else f"{size / mib:.1f} MiB"


def adapters_attach(
    *, version: StyleVersion, checked: Sequence[CheckedAdapter], written: list[str]
) -> list[StyleAdapter]:
    """Store the checked files privately as the (just saved) version's adapters. Called in
    the version's transaction; the version's own history row says how many it has.

    Storage is not transactional, so the names of the files this call writes go into
    `written`: the caller deletes them if its transaction fails (`adapter_files_delete`).
    A file the style already has (same sha256: the same bytes under the same name) is
    reused, never written again, so a failure cannot delete an earlier version's file."""
    adapters = []
    for item in checked:
        adapter = StyleAdapter(
            style_version=version,
            name=item.upload.name[:100],
            sha256=item.sha256,
            size=item.size,
            scale=item.upload.scale,
        )
        name = adapters_upload_to(adapter, "")
        if adapter.file.storage.exists(name):
            adapter.file.name = name
        else:
            adapter.file.save(f"{item.sha256}.safetensors", item.upload.file, save=False)
            written.append(adapter.file.name)
        adapter.full_clean()
        adapter.save(force_insert=True)
        adapters.append(adapter)
    return adapters


def adapter_files_delete(names: list[str]) -> None:
    """Remove adapter files whose rows were rolled back."""
    storage = StyleAdapter._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


def job_adapter_refs(*, job: GenerationJob) -> tuple[AdapterRef, ...]:
    """The AdapterRefs of a job's style version (a batch shares one set)."""
    return version_adapter_refs(version=job.style_version) if job.adapter_key else ()


def version_adapter_refs(*, version: StyleVersion | None) -> tuple[AdapterRef, ...]:
    """A version's adapters as local files the engine can load, verified by sha256."""
    if version is None or not version.adapter_key:
        return ()
    return tuple(
        AdapterRef(name=a.name, path=str(_materialise(a)), sha256=a.sha256, scale=a.scale)
        for a in version.adapters.order_by("sha256")
    )


def adapter_cache_dir() -> Path:
    return Path(getattr(settings, "STYLE_ADAPTER_CACHE_DIR", settings.VAR_DIR / "adapters"))


def _materialise(adapter: StyleAdapter) -> Path:
    """`<cache>/<sha256>.safetensors`, copied from storage once and verified; the name is the
    hash, so a file there was verified when it was written (the rename is atomic)."""
    cache = adapter_cache_dir()
    path = cache / f"{adapter.sha256}.safetensors"
    if path.is_file():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    part = cache / f".{adapter.sha256}.{uuid.uuid4().hex}.part"
    digest = hashlib.sha256()
    try:
        with adapter.file.open("rb") as source, part.open("wb") as target:
            for chunk in source.chunks():
                digest.update(chunk)
                target.write(chunk)
        if digest.hexdigest() != adapter.sha256:
            raise AdapterUnavailable(
                f"adapter {adapter.name}'s stored file does not match its sha256"
            )
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return path
