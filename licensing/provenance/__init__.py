"""Provenance building blocks with no database access: signing identity, XMP, C2PA manifests,
invisible watermark, perceptual hashes and the ledger's hash chain."""
