"""Provenance: who made each piece and how, an append-only hash-chained ledger, a pHash index.

The ledger is append-only twice over: the model layer refuses updates and deletes (save on
an existing row, instance delete, queryset update/delete), and a database trigger (migration
0002) refuses UPDATE and DELETE from any client, raw SQL included.
"""

import uuid

from django.conf import settings
from django.db import models

from provenance import ledger as chain

WATERMARK_ID_MAX = 2**32 - 1


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a ledger entry."""


class EditKind(models.TextChoices):
    """How an edited piece came from its source (generation.engines.EDIT_KINDS + upload)."""

    VARIATION = "variation", "Variation"
    IMAGE = "image", "Image to image"
    INPAINT = "inpaint", "Inpainting"
    UPSCALE = "upscale", "Upscale"
    UPLOAD = "upload", "Upload"


class ProvenanceRecord(models.Model):
    """Everything needed to say who made a piece and how, frozen when the piece is saved."""

    piece = models.OneToOneField(
        "generation.Piece", on_delete=models.PROTECT, primary_key=True, related_name="provenance"
    )
    job = models.ForeignKey("generation.GenerationJob", on_delete=models.PROTECT, related_name="+")
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="provenance_records"
    )
    creator_name = models.CharField(max_length=120, help_text="Public name when it was made.")
    rights_holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="held_records",
        help_text="Who holds the rights after a dispute transfer (else the creator).",
    )
    prompt = models.TextField(max_length=1000)
    prompt_public = models.BooleanField(default=False)
    negative_prompt = models.TextField(max_length=1000, blank=True)
    seed = models.BigIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    steps = models.PositiveSmallIntegerField()
    guidance = models.FloatField(null=True, blank=True)
    style_version = models.ForeignKey(
        "generation.StyleVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Commissioned in a creator style: `prompt` is the commissioner's text.",
    )
    style_params_sha256 = models.CharField(
        max_length=64, blank=True, help_text="The style version's recipe hash when it was made."
    )
    engine_name = models.CharField(max_length=40)
    engine_version = models.CharField(max_length=80)
    engine_weights_hash = models.CharField(max_length=128, blank=True)

    sha256 = models.CharField(max_length=64, db_index=True, help_text="Of the stored original.")
    output_sha256 = models.CharField(
        max_length=64, help_text="Of the engine's RGB output before marking (for reproduce)."
    )
    pixel_sha256 = models.CharField(max_length=64, help_text="Of the RGB pixels (post-mark).")
    phash = models.BigIntegerField(help_text="imagehash pHash as a signed 64-bit integer.")
    iscc_code = models.CharField(
        max_length=64,
        blank=True,
        help_text="ISCC image code (ISO 24138) of the marked pixels; blank on older records.",
    )
    watermark_id = models.BigIntegerField(unique=True)
    c2pa_manifest_id = models.CharField(max_length=200)
    signer_fingerprint = models.CharField(max_length=64, blank=True)
    ledger_anchor = models.CharField(max_length=64, help_text="Ledger head when it was signed.")
    licence_summary = models.CharField(max_length=300)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="edits",
        help_text="The piece this one was edited from (itself perhaps an edit).",
    )
    edit_kind = models.CharField(max_length=16, choices=EditKind.choices, blank=True)
    edit = models.JSONField(
        default=dict, blank=True, help_text="strength, upscale, mask_sha256, upload_sha256."
    )
    human_contribution = models.JSONField(
        default=list,
        blank=True,
        help_text="What a person contributed (parent, mask, upload), apart from the model.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "licensing_provenancerecord"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(edit_kind__in=["", *EditKind.values]),
                name="provenance_edit_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(parent__isnull=True) | ~models.Q(edit_kind=""),
                name="provenance_parent_has_edit_kind",
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("piece")), name="provenance_not_own_parent"
            ),
            models.CheckConstraint(
                condition=models.Q(watermark_id__gte=0, watermark_id__lte=WATERMARK_ID_MAX),
                name="provenance_watermark_32bit",
            ),
            models.CheckConstraint(
                condition=~models.Q(sha256="") & ~models.Q(c2pa_manifest_id=""),
                name="provenance_hash_and_manifest_set",
            ),
        ]

    def __str__(self) -> str:
        return f"Provenance of {self.piece_id}"


class PhashIndex(models.Model):
    """pHash of a piece plus its four 16-bit chunks, each indexed (multi-index hashing).

    Any stored hash within Hamming distance 4·r + 3 of a query shares a chunk within
    distance r with it (pigeonhole), so probing chunk values is complete up to that radius:
    r = 0 (exact chunk match, 4 index lookups) guarantees distance ≤ 3; r = 1 (17 values per
    chunk) guarantees ≤ 7. See provenance/phash.py.
    """

    piece = models.OneToOneField(
        "generation.Piece", on_delete=models.CASCADE, primary_key=True, related_name="phash_entry"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    phash = models.BigIntegerField()
    c0 = models.PositiveIntegerField(db_index=True)
    c1 = models.PositiveIntegerField(db_index=True)
    c2 = models.PositiveIntegerField(db_index=True)
    c3 = models.PositiveIntegerField(db_index=True)

    class Meta:
        db_table = "licensing_phashindex"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(c0__lte=0xFFFF, c1__lte=0xFFFF, c2__lte=0xFFFF, c3__lte=0xFFFF),
                name="phash_chunks_16bit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.piece_id}: {self.phash & 0xFFFFFFFFFFFFFFFF:016x}"


class KeypointFingerprint(models.Model):
    """A piece's keypoints (provenance.keypoints: positions and ORB descriptors), which find
    it from cropped, mirrored, rotated or recoloured copies. The increasing id lets each
    process's in-memory index load only rows added since it last looked."""

    id = models.BigAutoField(primary_key=True)
    piece = models.OneToOneField(
        "generation.Piece", on_delete=models.CASCADE, related_name="keypoints"
    )
    data = models.BinaryField()
    count = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.count} keypoints of piece {self.piece_id}"


class KeypointLookup(models.Model):
    """One verify-page upload's keypoint search. The lookup worker, which holds the keypoint
    index once, runs it (provenance.services.lookups); the web request only stores the
    copy's keypoints here. The uploaded picture itself is never kept: the keypoints are
    emptied once searched, and rows go after PROVENANCE_LOOKUP_KEEP_SECONDS."""

    token = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    query = models.BinaryField()  # keypoints.pair_to_bytes of the copy; b"" once searched
    # The page found neither a manifest nor a mark or fingerprint: the best keypoint match's
    # stored manifest is shown as recovered from our records.
    recover_manifest = models.BooleanField(default=False)
    results = models.JSONField(default=list)  # [[piece id, agreeing matches], ...], best first
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"keypoint lookup {self.token}"


class LedgerKind(models.TextChoices):
    CREATED = "created", "Created"
    LISTED = "listed", "Listed"
    LICENSED = "licensed", "Licensed"
    TRANSFERRED = "transferred", "Transferred"
    DISPUTED = "disputed", "Disputed"
    REVOKED = "revoked", "Revoked"


class LedgerQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Ledger entries are append-only; they cannot be updated.")

    def delete(self):
        raise AppendOnlyError("Ledger entries are append-only; they cannot be deleted.")

    def in_chain_order(self):
        return self.order_by("seq")


class LedgerEntry(models.Model):
    """One event in the global hash chain. Never updated, never deleted."""

    seq = models.PositiveBigIntegerField(unique=True)
    piece = models.ForeignKey(
        "generation.Piece", on_delete=models.PROTECT, related_name="ledger_entries"
    )
    kind = models.CharField(max_length=16, choices=LedgerKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    # Unique prev_hash: two appends racing from the same predecessor cannot both commit.
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        db_table = "licensing_ledgerentry"
        ordering = ["seq"]
        verbose_name_plural = "ledger entries"
        indexes = [models.Index(fields=["piece", "seq"], name="ledger_piece_seq_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=LedgerKind.values), name="ledger_kind_valid"
            ),
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="ledger_seq_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.piece_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Ledger entries are append-only; they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Ledger entries are append-only; they cannot be deleted.")

    @property
    def description(self) -> str:
        """The kind, and for dispute entries what happened: filed, decided (and the outcome)
        or the remedy applied, so a case reads as steps rather than repeated "Disputed"."""
        label = self.get_kind_display()
        step = self.data.get("event") or self.data.get("remedy") if self.data else None
        if self.kind != LedgerKind.DISPUTED or not step:
            return label
        text = str(step).replace("_", " ")
        if self.data.get("outcome"):
            text += f": {str(self.data['outcome']).replace('_', ' ')}"
        return f"{label} ({text})"

    def payload(self) -> dict:
        return chain.entry_payload(
            seq=self.seq,
            prev_hash=self.prev_hash,
            kind=self.kind,
            piece_id=str(self.piece_id),
            actor_id=self.actor_id,
            created_at=self.created_at,
            data=self.data,
        )


class LedgerHead(models.Model):
    """Single row (id = 1) locked by every append, so appends are serialised."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=chain.GENESIS)

    class Meta:
        db_table = "licensing_ledgerhead"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="ledger_head_single")]

    def __str__(self) -> str:
        return f"Ledger head #{self.seq}"
