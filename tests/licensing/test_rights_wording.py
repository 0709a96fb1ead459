"""Honest rights wording (terms v3, licensing 0012): the licence offers, the certificate (page
and PDF) and the provenance verify page say what the record proves (who prompted, who edited,
human contributions, the contractual licence) and claim no copyright in AI output; "exclusive"
is a contractual promise. Grants sold before v3 keep their version; new ones get v3."""

import re

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from licensing.models import TermsVersion, Tier
from licensing.services.certificates import certificate_pdf
from licensing.services.grants import licence_grant_issue, licence_offers_set
from licensing.services.terms import terms_current
from tests.factories import UserFactory
from tests.licensing.licences import paid_line, published_listing, rights_wording
from tests.licensing.test_certificates import pdf_text

pytestmark = pytest.mark.django_db

# Claims of ownership or of copyright in the output that no page may make any more.
OWNERSHIP_CLAIMS = re.compile(
    r"you own|yours alone|ownership is recorded|transfer of ownership|transfers? ownership|"
    r"buy-out|bought outright|all rights reserved|copyright (is )?(assigned|transferred) to|"
    r"owner of the copyright|copyright holder|clear ownership",
    re.IGNORECASE,
)
NO_COPYRIGHT_CLAIM = "makes no claim that copyright exists in purely AI-generated output"


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def listing(tiers, creator, no_embedding_tasks):
    listing = published_listing(creator, title="Harbour lights")
    licence_offers_set(
        listing=listing, actor=creator, offers={"standard": 1500, "exclusive": 90000}
    )
    return listing


def grant_for(listing, tier_code="standard", amount=1500):
    buyer = UserFactory()
    line = paid_line(listing=listing, buyer=buyer, tier_code=tier_code, amount=amount)
    return licence_grant_issue(order_line=line, licensee=buyer)


def test_every_tier_has_v3_with_the_record_clause_and_exclusive_is_a_promise(tiers):
    for tier in Tier.objects.all():
        terms = terms_current(tier=tier)
        assert terms.version == 3 and rights_wording.MARKER in terms.body
        assert terms.body.startswith(f"PROMPTFOLIO {tier.name.upper()} LICENCE, VERSION 3\n")
        assert not OWNERSHIP_CLAIMS.search(terms.summary)
    exclusive = Tier.objects.get(code="exclusive")
    terms = terms_current(tier=exclusive)
    assert exclusive.name == "Exclusive"
    assert f"0. Grant. {rights_wording.EXCLUSIVE_GRANT}" in terms.body
    assert "transfer of ownership" not in terms.body and "BUY-OUT" not in terms.body
    assert terms.summary == rights_wording.EXCLUSIVE_SUMMARY
    assert (terms.derivatives, terms.transfers_copyright) == (True, True)  # facts copied
    v1 = TermsVersion.objects.get(tier=exclusive, version=1)
    assert "transfer of ownership" in v1.body  # what was sold under v1 stays as it was


def test_grants_sold_before_v3_keep_their_version_and_new_ones_get_v3(client, listing):
    with connection.cursor() as cursor:  # the database as it was before licensing 0012
        cursor.execute(f"DELETE FROM {TermsVersion._meta.db_table} WHERE version = 3")
    Tier.objects.filter(code="exclusive").update(name="Exclusive buy-out")
    old = grant_for(listing)
    v2 = TermsVersion.objects.get(tier__code="standard", version=2)

    rights_wording.publish(apps, None)
    rights_wording.publish(apps, None)  # idempotent: no v4
    new = grant_for(listing)

    v3 = TermsVersion.objects.get(tier__code="standard", version=3)
    assert not TermsVersion.objects.filter(version=4).exists()
    assert (old.terms_id, old.terms_version, old.terms_sha256) == (v2.pk, 2, v2.sha256)
    assert (new.terms_id, new.terms_version, new.terms_sha256) == (v3.pk, 3, v3.sha256)
    for grant, terms in ((old, v2), (new, v3)):
        url = reverse("licensing:certificate_verify", args=[grant.certificate.pk])
        page = client.get(url).content.decode()
        assert f"version {terms.version}, sha256 <code>{terms.sha256}</code>" in page
        text, _ = pdf_text(certificate_pdf(grant=grant))
        assert f"terms version {terms.version}" in text and terms.sha256 in text


def test_listing_offers_say_exclusive_is_a_contractual_promise(client, listing, buyer):
    client.force_login(buyer)
    page = visible_text(client.get(reverse("listing_detail", args=[listing.pk])).content.decode())

    assert "Exclusive is a contractual promise" in page
    assert "no further licences are sold and the work is withdrawn from sale" in page
    assert NO_COPYRIGHT_CLAIM in page and "Thaler v. Perlmutter" in page
    assert not OWNERSHIP_CLAIMS.search(page)


def test_certificate_page_and_pdf_state_what_the_record_proves(client, listing, creator):
    grant = grant_for(listing, tier_code="exclusive", amount=90000)
    page = visible_text(
        client.get(
            reverse("licensing:certificate_verify", args=[grant.certificate.pk])
        ).content.decode()
    )
    text, _ = pdf_text(certificate_pdf(grant=grant))
    text = re.sub(r"\s+", " ", text)

    for rendered in (page, text):
        assert f"prompt written by {creator.public_name}" in rendered
        assert "A person wrote the prompt; the model made every pixel." in rendered
        assert "Exclusive terms, version 3" in rendered
        assert "no further licences are sold and the work is withdrawn from sale" in rendered
        assert "makes no claim that copyright exists in purely AI-generated output" in rendered
        assert not OWNERSHIP_CLAIMS.search(rendered)
    assert "exclusive by contract" in page
    assert "contractual promise, not a transfer of copyright" in text
    verify = client.get(reverse("provenance:verify_piece", args=[grant.piece_id]))
    ledger = visible_text(verify.content.decode())
    assert "Licensed (exclusive, terms v3)" in ledger
    assert "Exclusive licence granted (a contractual promise; terms v3)" in ledger
    assert "Transferred" not in ledger and not OWNERSHIP_CLAIMS.search(ledger)


def test_verify_page_states_who_prompted_and_claims_no_copyright(client, listing, creator):
    piece = listing.pieces.get()
    html = client.get(reverse("provenance:verify_piece", args=[piece.pk])).content.decode()
    page = visible_text(html)

    assert f"Prompt written by {creator.public_name}" in page
    assert "Human contribution A person wrote the prompt; the model made every pixel." in page
    assert "contractual permission under versioned terms" in page
    assert NO_COPYRIGHT_CLAIM in page
    assert not OWNERSHIP_CLAIMS.search(page)


def test_home_page_promises_provenance_and_licences_not_ownership(client):
    page = visible_text(client.get(reverse("home")).content.decode())

    assert "clear provenance and clear licences" in page
    assert not OWNERSHIP_CLAIMS.search(page)
