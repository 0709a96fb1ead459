"""Publish the next terms version of every tier with the derivatives term (P13 edits).

What each tier allows (docs/adr/006-edits-and-derivative-rights.md):
- personal: no edited versions;
- standard: edited versions for the licensee's own licensed use, not for resale;
- extended and exclusive: edited versions, which may also be sold or licensed on.

Grants keep the version they were sold under, so every grant issued before this (version 1)
allows no derivatives. A tier whose latest version already states the term is left alone,
so this is idempotent and runs again after a test database flush (licensing.apps).
"""

import hashlib

from django.db import migrations
from django.db.models import Max

MARKER = "7. Derivatives."

RULES = {
    "personal": (False, False),
    "standard": (True, False),
    "extended": (True, True),
    "exclusive": (True, True),
}

CLAUSE = {
    (False, False): (
        "The Licensee must not make edited versions of the Work (variations, image-to-image "
        "or inpainted versions, upscales) on Promptfolio or elsewhere."
    ),
    (True, False): (
        "The Licensee may make edited versions of the Work (variations, image-to-image or "
        "inpainted versions, upscales) and use them as this licence allows the Work itself. "
        "Edited versions must not be sold, licensed or offered for download to others."
    ),
    (True, True): (
        "The Licensee may make edited versions of the Work (variations, image-to-image or "
        "inpainted versions, upscales), use them as this licence allows the Work itself, and "
        "sell or license those edited versions to others, including on Promptfolio. Their "
        "provenance records name the Work as their source."
    ),
}


def publish(apps, schema_editor, using: str = "default"):
    if schema_editor is not None:
        using = schema_editor.connection.alias
    Tier = apps.get_model("licensing", "Tier")
    TermsVersion = apps.get_model("licensing", "TermsVersion")
    for code, (derivatives, resale) in RULES.items():
        tier = Tier.objects.using(using).filter(code=code).first()
        latest = (
            TermsVersion.objects.using(using).filter(tier=tier).order_by("-version").first()
            if tier
            else None
        )
        if latest is None or MARKER in latest.body:
            continue
        version = (
            TermsVersion.objects.using(using).filter(tier=tier).aggregate(n=Max("version"))["n"]
            + 1
        )
        body = latest.body.replace(f"VERSION {latest.version}\n", f"VERSION {version}\n", 1)
        body = f"{body}\n\n{MARKER} {CLAUSE[(derivatives, resale)]}"
        TermsVersion.objects.using(using).create(
            tier=tier,
            version=version,
            summary=latest.summary,
            body=body,
            sha256=hashlib.sha256(body.encode("utf-8")).hexdigest(),
            commercial=latest.commercial,
            max_copies=latest.max_copies,
            merchandise=latest.merchandise,
            derivatives=derivatives,
            derivative_resale=resale,
            indemnity_amount=latest.indemnity_amount,
            indemnity_currency=latest.indemnity_currency,
            transfers_copyright=latest.transfers_copyright,
        )


def unpublish(apps, schema_editor):
    """Going back removes the versions published here that no grant was sold under (0010's
    reverse drops the columns that state the term); a sold one stays, as terms must."""
    TermsVersion = apps.get_model("licensing", "TermsVersion")
    TermsVersion.objects.using(schema_editor.connection.alias).filter(
        body__contains=MARKER, grants__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("licensing", "0010_terms_derivatives")]

    operations = [migrations.RunPython(publish, unpublish)]
