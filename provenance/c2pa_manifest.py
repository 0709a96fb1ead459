"""C2PA manifests: build ours, sign offline with c2pa-python, read back and validate.

The manifest says: created by an AI model (c2pa.created + trainedAlgorithmicMedia), by which
engine, for which piece, after which ledger entry (the anchor), under which licence. An edit
opens its parent as a "parentOf" ingredient (carrying the parent's own signed manifest, so
the chain back to the first generation travels in the file) and then says c2pa.edited;
an upload only says c2pa.opened. C2PA requires the first action to be created or opened,
and an opened action to name its ingredient.

It cannot carry the hash of the ledger's own "created" entry for the piece: that entry
commits to the sha256 of the signed file, which contains the manifest. So the binding runs
both ways instead: the file's C2PA hard binding covers the pixels and our assertion names
the piece id and the pixel sha256; the ledger's "created" entry names the file sha256 and
the manifest id.

Two soft bindings (C2PA 2.x "Soft Binding") point back at us from a copy whose manifest was
stripped: our invisible watermark's id and the ISCC image code. A reader that finds either
can fetch the manifest store we keep (`manifest_store`, served by the verify page).
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import c2pa

from . import iscc, watermark
from .identity import SigningIdentity
from .xmp import TRAINED_ALGORITHMIC_MEDIA

ASSERTION_LABEL = "com.promptfolio.provenance"
PARENT_INGREDIENT = "parent"
MAX_CHAIN = 32  # ingredient links read back from one file
_NO_THUMBNAIL = c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}})
SOFT_BINDING_LABEL = "c2pa.soft-binding"  # c2pa numbers repeats: c2pa.soft-binding__1, …
WATERMARK_ALG = "com.promptfolio.watermark.dwtdctsvd.v1"  # ours, reverse-domain named
ISCC_ALG = "io.iscc.v0"  # the C2PA soft-binding registry's entry for ISO 24138 ISCC
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_STORE_CHUNK = b"caBX"  # where c2pa puts the JUMBF manifest store in a PNG


def build_manifest(
    *,
    title: str,
    claim_generator: str,
    claim_generator_version: str,
    engine: dict[str, Any],
    assertion: dict[str, Any],
    mime_type: str = "image/png",
    source_type: str = TRAINED_ALGORITHMIC_MEDIA,
    edit_kind: str | None = None,
    soft_bindings: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """Our manifest; with `edit_kind` it opens the PARENT_INGREDIENT that `sign` adds."""
    return {
        "claim_generator_info": [{"name": claim_generator, "version": claim_generator_version}],
        "title": title,
        "format": mime_type,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {"actions": _actions(engine, source_type, edit_kind)},
            },
            {"label": ASSERTION_LABEL, "data": assertion},
            *soft_bindings,
        ],
    }


def soft_binding(alg: str, value: bytes) -> dict[str, Any]:
    """One whole-asset soft binding assertion (empty scope), its value base64 as c2pa wants."""
    block = {"scope": {}, "value": base64.b64encode(value).decode("ascii")}
    return {"label": SOFT_BINDING_LABEL, "data": {"alg": alg, "blocks": [block]}}


def soft_bindings(*, watermark_id: int, iscc_code: str) -> list[dict[str, Any]]:
    """Our two: the watermark id as its BITS big-endian bytes (as stamped), and the ISCC."""
    mark = watermark_id.to_bytes(watermark.BITS // 8, "big")
    return [soft_binding(WATERMARK_ALG, mark), soft_binding(ISCC_ALG, iscc.code_bytes(iscc_code))]


def _actions(engine: dict[str, Any], source_type: str, edit_kind: str | None) -> list[dict]:
    agent = {"name": str(engine.get("name", "")), "version": str(engine.get("version", ""))}
    if edit_kind is None:
        created = {"action": "c2pa.created", "digitalSourceType": source_type}
        return [{**created, "softwareAgent": agent}]
    opened = {"action": "c2pa.opened", "parameters": {"ingredientIds": [PARENT_INGREDIENT]}}
    if edit_kind == "upload":
        return [{**opened, "digitalSourceType": source_type}]
    edited = {"action": "c2pa.edited", "digitalSourceType": source_type, "softwareAgent": agent}
    return [opened, edited]


def sniff_mime(data: bytes) -> str | None:
    """The MIME type c2pa needs, from the file's first bytes (PNG, JPEG or WebP)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class _SignerCache:
    """One c2pa Signer per identity and timestamp authority (creating one parses the PEMs;
    signing reuses it). With a TSA every signature asks it for an RFC 3161 token, so the
    signature stays verifiable after the leaf expires (ADR 011)."""

    def __init__(self) -> None:
        self._signers: dict[tuple[bytes, bytes, str], c2pa.Signer] = {}

    def get(self, identity: SigningIdentity) -> c2pa.Signer:
        key = (identity.chain_pem, identity.key_pem, identity.tsa_url)
        signer = self._signers.get(key)
        if signer is None:
            info = c2pa.C2paSignerInfo(
                c2pa.C2paSigningAlg.ES256,
                identity.chain_pem,
                identity.key_pem,
                identity.tsa_url.encode("ascii") if identity.tsa_url else None,
            )
            signer = self._signers[key] = c2pa.Signer.from_info(info)
        return signer


_signers = _SignerCache()


def sign(
    data: bytes,
    manifest: dict[str, Any],
    identity: SigningIdentity,
    *,
    mime_type: str,
    parent: bytes | None = None,
    parent_title: str = "",
) -> tuple[bytes, str]:
    """Embed a signed manifest into `data`; returns (signed bytes, active manifest label).

    `parent` (a file, its manifest included) becomes the "parentOf" ingredient.
    """
    destination = io.BytesIO()
    with c2pa.Context(_NO_THUMBNAIL) as context, c2pa.Builder(manifest, context=context) as b:
        if parent is not None:
            ingredient = {
                "title": parent_title,
                "relationship": "parentOf",
                "label": PARENT_INGREDIENT,
            }
            b.add_ingredient(ingredient, sniff_mime(parent) or "image/png", io.BytesIO(parent))
        b.sign(_signers.get(identity), mime_type, io.BytesIO(data), destination)
    signed = destination.getvalue()
    status = read(signed, mime_type=mime_type)
    if status.label is None or status.state not in ("Valid", "Trusted"):
        raise RuntimeError(f"Freshly signed manifest does not validate: {status.failures}")
    return signed, status.label


@dataclass(frozen=True)
class ChainLink:
    """One parentOf ingredient read from a file: the picture an edit started from."""

    title: str
    piece_id: str  # our assertion's piece id, "" for someone else's or a bare file
    actions: tuple[str, ...]  # its own manifest's actions, e.g. ("c2pa.created",)
    signer: str = ""


@dataclass(frozen=True)
class ManifestStatus:
    state: str  # "Trusted", "Valid", "Invalid" or "Missing"
    label: str | None = None
    assertion: dict[str, Any] = field(default_factory=dict)
    actions: list[dict[str, Any]] = field(default_factory=list)
    signer: str = ""
    failures: list[str] = field(default_factory=list)
    chain: list[ChainLink] = field(default_factory=list)  # parent, grandparent, …
    soft_bindings: list[tuple[str, bytes]] = field(default_factory=list)  # (alg, value)

    @property
    def ok(self) -> bool:
        return self.state in ("Valid", "Trusted")


def read(data: bytes, *, mime_type: str, trust_root_pem: bytes | None = None) -> ManifestStatus:
    """Validate the manifest in `data`. With our roots as trust anchors (one PEM bundle: the
    current root and the retired ones, `SigningIdentity.trust_anchors_pem`), a good one is
    Trusted."""
    context = None
    if trust_root_pem:
        context = c2pa.Context(
            c2pa.Settings.from_dict(
                {
                    "verify": {"verify_trust": True},
                    "trust": {"trust_anchors": trust_root_pem.decode("ascii")},
                }
            )
        )
    try:
        with c2pa.Reader(mime_type, io.BytesIO(data), context=context) as reader:
            store = json.loads(reader.json())
    except c2pa.C2paError as exc:
        if "ManifestNotFound" in type(exc).__name__ or "no JUMBF" in str(exc):
            return ManifestStatus(state="Missing")
        return ManifestStatus(state="Invalid", failures=[str(exc)])
    finally:
        if context is not None:
            context.close()
    label = store.get("active_manifest")
    manifest = store.get("manifests", {}).get(label, {})
    assertion, actions = _our_assertion_and_actions(manifest)
    results = store.get("validation_results", {}).get("activeManifest", {})
    failures = [
        f"{item.get('code')}: {item.get('explanation', '')}"
        for item in results.get("failure", [])
        if not (item.get("code") == "signingCredential.untrusted" and not trust_root_pem)
    ]
    return ManifestStatus(
        state=str(store.get("validation_state", "Invalid")),
        label=label,
        assertion=assertion,
        actions=actions,
        signer=_signer(manifest),
        failures=failures,
        chain=_parent_chain(store, manifest),
        soft_bindings=_read_soft_bindings(manifest),
    )


def _read_soft_bindings(manifest: dict[str, Any]) -> list[tuple[str, bytes]]:
    """(alg, decoded value) of each soft binding block; a value that is not base64 is left out."""
    found = []
    for item in manifest.get("assertions", []):
        if str(item.get("label", "")).split("__")[0] != SOFT_BINDING_LABEL:
            continue
        data = item.get("data", {})
        for block in data.get("blocks", []):
            try:
                value = base64.b64decode(str(block.get("value", "")), validate=True)
            except binascii.Error:
                continue
            found.append((str(data.get("alg", "")), value))
    return found


def manifest_store(data: bytes) -> bytes | None:
    """The JUMBF manifest store embedded in a PNG (its caBX chunk's data), or None.

    Served as application/c2pa for a copy that lost its own (c2pa.Reader reads it back).
    """
    if not data.startswith(_PNG_SIGNATURE):
        return None
    position = len(_PNG_SIGNATURE)
    while position + 8 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        if kind == _PNG_STORE_CHUNK:
            return data[position + 8 : position + 8 + length]
        if kind == b"IEND":
            break
        position += 12 + length  # length, type, data, crc
    return None


def _signer(manifest: dict[str, Any]) -> str:
    return str(manifest.get("signature_info", {}).get("common_name", ""))


def _our_assertion_and_actions(manifest: dict[str, Any]) -> tuple[dict, list[dict]]:
    assertion: dict[str, Any] = {}
    actions: list[dict[str, Any]] = []
    for item in manifest.get("assertions", []):
        if item.get("label") == ASSERTION_LABEL:
            assertion = item.get("data", {})
        elif str(item.get("label", "")).startswith("c2pa.actions"):
            actions.extend(item.get("data", {}).get("actions", []))
    return assertion, actions


def _piece_id(assertion: dict[str, Any]) -> str:
    """Our assertion's piece id when it is a well-formed UUID (pages link to it), else ""."""
    try:
        return str(uuid.UUID(str(assertion.get("piece_id", ""))))
    except ValueError:
        return ""


def _parent_chain(store: dict[str, Any], manifest: dict[str, Any]) -> list[ChainLink]:
    """Follow each manifest's parentOf ingredient to the manifest it carries, to the root."""
    manifests, chain, seen = store.get("manifests", {}), [], set()
    while len(chain) < MAX_CHAIN:
        parent = next(
            (i for i in manifest.get("ingredients", []) if i.get("relationship") == "parentOf"),
            None,
        )
        if parent is None:
            break
        label = parent.get("active_manifest")
        manifest = manifests.get(label, {}) if label not in seen else {}
        seen.add(label)
        assertion, actions = _our_assertion_and_actions(manifest)
        chain.append(
            ChainLink(
                title=str(parent.get("title", "")),
                piece_id=_piece_id(assertion),
                actions=tuple(str(a.get("action", "")) for a in actions),
                signer=_signer(manifest),
            )
        )
    return chain
