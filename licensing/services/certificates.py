"""Licence certificates as PDF (reportlab): who may use which piece how, since when, under
which terms (version + sha256), whether it was paid, and where to verify it (URL + QR); what
the provenance record proves (who prompted, who edited, human contributions) and that the
licence is a contract, not a claim of copyright in AI output.

The PDF is built on request from the grant's frozen data, so it always shows the current
status (a revoked licence prints as REVOKED) and needs no file storage.
"""

from __future__ import annotations

import io
import logging
from xml.sax.saxutils import escape

from django.conf import settings
from django.urls import reverse
from PIL import Image as PILImage
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from licensing.models import GrantStatus, LicenceGrant
from licensing.selectors.grants import grant_recorded_pieces

logger = logging.getLogger(__name__)

PREVIEW_BOX_MM = 62
QR_SIZE_MM = 34
# The PDF's copy of templates/includes/rights_note.html.
RIGHTS_NOTE = (
    "This certificate records a contractual licence. It makes no claim that copyright exists "
    "in purely AI-generated output: in the United States such material is not protected by "
    "copyright (U.S. Copyright Office, Copyright and Artificial Intelligence, Part 2: "
    "Copyrightability, January 2025; Thaler v. Perlmutter, certiorari denied 2 March 2026), "
    "and it may not be elsewhere. Recorded human contributions may be protected."
)
EXCLUSIVE_MEANING = (
    "Exclusive, by contract: no further licences are sold and the work is withdrawn from "
    "sale; earlier licences stay valid. This is a contractual promise, not a transfer of "
    "copyright."
)


def certificate_verify_url(certificate_id) -> str:
    path = reverse("licensing:certificate_verify", kwargs={"certificate_id": certificate_id})
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/") + path


def money_text(amount: int, currency: str) -> str:
    return f"{currency} {amount // 100:,}.{amount % 100:02d}"


def copies_text(max_copies: int | None) -> str:
    return "unlimited" if max_copies is None else f"up to {max_copies:,}"


def paid_status_text(grant: LicenceGrant) -> str:
    """Paid USD 15.00, Refunded (USD 15.00) or Issued without charge."""
    if grant.order_line_id is None:
        return "Issued without charge"
    price = money_text(grant.price_amount, grant.currency)
    if grant.status == GrantStatus.REFUNDED:
        return f"Refunded ({price})"
    return f"Paid {price}"


def _preview_flowable(grant: LicenceGrant):
    """The piece's public preview, scaled into a box; None when it cannot be read."""
    piece = grant.piece
    if not piece.preview:
        return None
    try:
        with piece.preview.storage.open(piece.preview.name, "rb") as handle:
            data = handle.read()
        with PILImage.open(io.BytesIO(data)) as probe:
            width, height = probe.size
    except (OSError, ValueError):
        logger.warning("Certificate %s: preview of %s unreadable", grant.pk, piece.pk)
        return None
    scale = PREVIEW_BOX_MM * mm / max(width, height)
    return Image(io.BytesIO(data), width=width * scale, height=height * scale)


def _qr(url: str) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    size = QR_SIZE_MM * mm
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=20, spaceAfter=2 * mm),
        "h": ParagraphStyle("h", parent=base["Heading3"], spaceBefore=3 * mm, spaceAfter=1 * mm),
        "body": ParagraphStyle("body", parent=base["BodyText"], fontSize=9.5, leading=12.5),
        "small": ParagraphStyle("small", parent=base["BodyText"], fontSize=8, leading=10),
        "mono": ParagraphStyle("mono", parent=base["BodyText"], fontName="Courier", fontSize=8),
        "status": ParagraphStyle("status", parent=base["Heading2"], spaceAfter=1 * mm),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def certificate_pdf(*, grant: LicenceGrant) -> bytes:
    """Render the certificate of a grant (with its certificate row) to PDF bytes."""
    certificate = grant.certificate
    terms = grant.terms
    styles = _styles()
    verify_url = certificate_verify_url(certificate.pk)
    status = {
        GrantStatus.ACTIVE: "VALID: this licence is active",
        GrantStatus.REVOKED: "REVOKED: this licence is no longer valid",
        GrantStatus.REFUNDED: "REFUNDED: this licence is no longer valid",
    }[grant.status]
    piece_ids = [str(piece.pk) for piece in grant.pieces.all()] or [str(grant.piece_id)]

    facts = [
        ("Certificate", str(certificate.pk)),
        ("Licensee", f"{grant.licensee.public_name} <{grant.licensee.email}>"),
        ("Work", grant.work_title),
        ("Piece id" if len(piece_ids) == 1 else "Piece ids", ", ".join(piece_ids)),
        ("Licence", f"{grant.tier.name} (terms version {grant.terms_version})"),
        ("Issued", grant.issued_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("Payment", paid_status_text(grant)),
    ]
    if grant.order_ref:
        facts.append(("Order", grant.order_ref))
    if grant.revoked_at is not None:
        facts.append(("Revoked", grant.revoked_at.strftime("%Y-%m-%d %H:%M UTC")))
    fact_rows = [[_p(label, styles["small"]), _p(value, styles["body"])] for label, value in facts]
    fact_table = Table(fact_rows, colWidths=[24 * mm, 86 * mm])
    fact_table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
            ]
        )
    )
    preview = _preview_flowable(grant) or _p("(preview unavailable)", styles["small"])
    head = Table([[fact_table, preview]], colWidths=[112 * mm, 66 * mm])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))

    rights = [
        f"Commercial use: {'yes' if terms.commercial else 'no (personal, non-commercial only)'}",
        f"Copies: {copies_text(terms.max_copies)}",
        f"Merchandise for resale: {'allowed' if terms.merchandise else 'not allowed'}",
        f"Edited versions: {derivatives_text(terms)}",
        "Indemnity: "
        + (
            money_text(terms.indemnity_amount, terms.indemnity_currency)
            if terms.indemnity_amount
            else "none"
        ),
    ]
    if grant.exclusive:
        rights.append(EXCLUSIVE_MEANING)
    verify = Table(
        [
            [
                [
                    _p("Verify this certificate", styles["h"]),
                    _p(verify_url, styles["mono"]),
                    _p(
                        "Scan the code or open the address: it shows whether this licence is "
                        "still valid, without personal data.",
                        styles["small"],
                    ),
                ],
                _qr(verify_url),
            ]
        ],
        colWidths=[140 * mm, 38 * mm],
    )
    verify.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))

    story = [
        _p("Promptfolio licence certificate", styles["title"]),
        _p(status, styles["status"]),
        head,
        _p("What you may do", styles["h"]),
        _p(terms.summary, styles["body"]),
        *[_p(f"- {line}", styles["body"]) for line in rights],
        _p("What the record shows", styles["h"]),
        *_record_paragraphs(grant, styles),
        _p("Terms", styles["h"]),
        _p(
            f"{grant.tier.name} licence terms, version {grant.terms_version}. "
            "The full text is the one whose SHA-256 is:",
            styles["body"],
        ),
        _p(grant.terms_sha256, styles["mono"]),
        Spacer(1, 2 * mm),
        verify,
        Spacer(1, 3 * mm),
        _p(
            "The licensed work is AI-generated; its files carry a signed C2PA manifest, XMP "
            "'trained algorithmic media' marking and an invisible watermark.",
            styles["small"],
        ),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=f"Licence certificate {certificate.pk}",
        author="Promptfolio",
        subject=f"{grant.tier.name} licence",
    )
    document.build(story)
    return buffer.getvalue()


def _record_paragraphs(grant: LicenceGrant, styles: dict[str, ParagraphStyle]) -> list:
    """Who prompted or edited each piece and what a person contributed, then the note."""
    lines = [
        f"- Piece {item.piece_id}: {'edit made by' if item.edited else 'prompt written by'} "
        f"{item.person}. {item.contribution}"
        for item in grant_recorded_pieces(grant=grant)
    ]
    lines.append(f"- The licence granted: {grant.tier.name} terms, version {grant.terms_version}.")
    return [_p(line, styles["body"]) for line in lines] + [_p(RIGHTS_NOTE, styles["small"])]


def derivatives_text(terms) -> str:
    """What the certificate says about edits (variations, inpaints, upscales) of the work."""
    if not terms.derivatives:
        return "not allowed"
    return "allowed, and may be sold" if terms.derivative_resale else "allowed, not for resale"
