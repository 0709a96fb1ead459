"""Rules for untrusted upload bytes that are not images: active markup, PDFs, hashes.

One place for each rule, used by every app that takes files (disputes, commissions)."""

from __future__ import annotations

import hashlib
import re
import zlib

from django.core.exceptions import ValidationError

PDF_MAGIC = b"%PDF-"
# Markup a browser or server could execute if the file were ever served or sniffed as a
# document; a real photo, render or PDF never carries it (a polyglot hides it in a chunk or tail).
ACTIVE_MARKUP = (b"<script", b"<html", b"<iframe", b"<!doctype", b"<?php", b"javascript:")
# PDF actions that run code or open something the moment a reader opens the document.
PDF_ACTIONS = frozenset({b"JavaScript", b"JS", b"Launch", b"OpenAction"})
PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
# Bounds on inflating compressed streams (where /JS can hide in an object stream).
PDF_STREAM_MAX_BYTES = 4 * 1024 * 1024
PDF_INFLATE_MAX_BYTES = 32 * 1024 * 1024


def has_active_markup(data: bytes) -> bool:
    lowered = data.lower()
    return any(marker in lowered for marker in ACTIVE_MARKUP)


def upload_sha256(upload) -> str:
    """The hex SHA-256 of an upload's bytes as received (kept for forensics)."""
    digest = hashlib.sha256()
    for block in upload.chunks():
        digest.update(block)
    upload.seek(0)
    return digest.hexdigest()


def _pdf_names(data: bytes) -> set[bytes]:
    """Every name token (`/Name`) with its `#hh` escapes decoded (`/J#53` is `/JS`)."""
    return {
        PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        for match in PDF_NAME.finditer(data)
    }


def _inflated_streams(data: bytes):
    """The decompressed content of each Flate stream, within a total bound."""
    budget = PDF_INFLATE_MAX_BYTES
    for match in PDF_STREAM.finditer(data):
        if budget <= 0:
            return
        try:
            inflated = zlib.decompressobj().decompress(
                match.group(1), min(budget, PDF_STREAM_MAX_BYTES)
            )
        except zlib.error:
            continue  # not Flate (or damaged): its raw bytes were already scanned
        budget -= len(inflated)
        yield inflated


def check_untrusted_pdf(data: bytes) -> None:
    """Refuse a file that starts like a PDF but carries web markup, script or auto-run
    actions (ValidationError, code "active_content"); a plain document passes."""
    if not data.startswith(PDF_MAGIC):
        raise ValidationError("That file is not a PDF.", code="invalid_pdf")
    parts = [data, *_inflated_streams(data)]
    if any(has_active_markup(part) for part in parts):
        raise ValidationError(
            "That PDF contains web page or script content; upload a plain PDF "
            "(print it to PDF again, or send an image of it).",
            code="active_content",
        )
    if any(PDF_ACTIONS & _pdf_names(part) for part in parts):
        raise ValidationError(
            "That PDF contains scripts or actions that run when it is opened "
            "(JavaScript, Launch or OpenAction); upload a plain PDF without them.",
            code="active_content",
        )
