"""XMP packets marking an image as AI-generated (IPTC DigitalSourceType), and their carriers.

PNG: an iTXt chunk keyed "XML:com.adobe.xmp" (Pillow ignores `xmp=` for PNG).
JPEG: Pillow writes the APP1 XMP segment from `xmp=`; WebP: the XMP chunk, likewise.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.etree import ElementTree as ET  # noqa: S405 - we only parse our own packets

from PIL import Image
from PIL.PngImagePlugin import PngInfo

TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
XMP_KEY = "XML:com.adobe.xmp"

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
}


@dataclass(frozen=True)
class XmpFields:
    creator: str
    piece_url: str
    piece_id: str
    credit: str = "Promptfolio"
    usage_terms: str = "Licensed through Promptfolio; see the piece URL for licence terms."


def _esc(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def build_packet(fields: XmpFields) -> str:
    """An XMP packet (UTF-8 text) with DigitalSourceType, creator and the piece URL."""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        f'    xmlns:dc="{NS["dc"]}"\n'
        f'    xmlns:Iptc4xmpExt="{NS["Iptc4xmpExt"]}"\n'
        f'    xmlns:Iptc4xmpCore="{NS["Iptc4xmpCore"]}"\n'
        f'    xmlns:xmpRights="{NS["xmpRights"]}"\n'
        f'    xmlns:photoshop="{NS["photoshop"]}"\n'
        f'    Iptc4xmpExt:DigitalSourceType="{TRAINED_ALGORITHMIC_MEDIA}"\n'
        f'    xmpRights:WebStatement="{_esc(fields.piece_url)}"\n'
        f'    photoshop:Credit="{_esc(fields.credit)}"\n'
        f'    dc:identifier="urn:uuid:{_esc(fields.piece_id)}">\n'
        f"   <dc:creator><rdf:Seq><rdf:li>{_esc(fields.creator)}</rdf:li></rdf:Seq></dc:creator>\n"
        "   <xmpRights:UsageTerms><rdf:Alt>"
        f'<rdf:li xml:lang="x-default">{_esc(fields.usage_terms)}</rdf:li>'
        "</rdf:Alt></xmpRights:UsageTerms>\n"
        '   <Iptc4xmpCore:CreatorContactInfo rdf:parseType="Resource">'
        f"<Iptc4xmpCore:CiUrlWork>{_esc(fields.piece_url)}</Iptc4xmpCore:CiUrlWork>"
        "</Iptc4xmpCore:CreatorContactInfo>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )


def encode_png(image: Image.Image, packet: str, *, compress_level: int = 3) -> bytes:
    info = PngInfo()
    info.add_itxt(XMP_KEY, packet)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, compress_level=compress_level)
    return buffer.getvalue()


def encode_jpeg(image: Image.Image, packet: str, *, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(
        buffer, format="JPEG", quality=quality, xmp=packet.encode("utf-8"), optimize=True
    )
    return buffer.getvalue()


def read_packet(data: bytes) -> str | None:
    """The XMP packet embedded in PNG (iTXt), JPEG (APP1) or WebP bytes, if any."""
    with Image.open(io.BytesIO(data)) as image:
        if image.format == "PNG":
            value = image.info.get(XMP_KEY)  # Pillow exposes iTXt text by key
            return str(value) if value is not None else None
        raw = image.info.get("xmp")
        if raw is None:
            return None
        return raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)


def parse_packet(packet: str) -> dict[str, str]:
    """The fields we write, read back from a packet (for tests and the verify page)."""
    body = packet[packet.index("<x:xmpmeta") : packet.rindex("</x:xmpmeta>") + 12]
    root = ET.fromstring(body)  # noqa: S314 - packets come from our own files
    description = root.find("rdf:RDF/rdf:Description", NS)
    if description is None:
        return {}

    def attr(prefix: str, name: str) -> str:
        return description.get(f"{{{NS[prefix]}}}{name}", "")

    creator = description.find("dc:creator/rdf:Seq/rdf:li", NS)
    work_url = description.find("Iptc4xmpCore:CreatorContactInfo/Iptc4xmpCore:CiUrlWork", NS)
    return {
        "digital_source_type": attr("Iptc4xmpExt", "DigitalSourceType"),
        "web_statement": attr("xmpRights", "WebStatement"),
        "identifier": attr("dc", "identifier"),
        "credit": attr("photoshop", "Credit"),
        "creator": creator.text if creator is not None and creator.text else "",
        "piece_url": work_url.text if work_url is not None and work_url.text else "",
    }
