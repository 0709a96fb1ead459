import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from licensing.models import GrantStatus
from licensing.services.certificates import certificate_pdf
from licensing.services.grants import licence_grant_issue, licence_grant_revoke, licence_offers_set
from tests.factories import UserFactory
from tests.licensing.licences import paid_line, published_listing

pytestmark = pytest.mark.django_db


@pytest.fixture
def grant(tiers, creator, buyer, no_embedding_tasks):
    listing = published_listing(creator, title="Harbour lights")
    licence_offers_set(listing=listing, actor=creator, offers={"standard": 1500})
    line = paid_line(listing=listing, buyer=buyer, amount=1500)
    return licence_grant_issue(order_line=line, licensee=buyer)


def pdf_text(data: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"[ \t]+", " ", text), reader


def test_certificate_pdf_states_the_licence(grant, buyer):
    text, reader = pdf_text(certificate_pdf(grant=grant))

    certificate = grant.certificate
    assert len(reader.pages) == 1
    assert "Promptfolio licence certificate" in text
    assert "VALID: this licence is active" in text
    assert str(certificate.pk) in text
    assert buyer.email in text and buyer.public_name in text
    assert str(grant.piece_id) in text
    assert "Harbour lights" in text
    assert "Standard (terms version 3)" in text
    assert "Edited versions: allowed, not for resale" in text
    assert "500,000 printed copies" in text  # plain-language rights (terms summary)
    assert "Copies: up to 500,000" in text
    assert "Merchandise for resale: not allowed" in text
    assert "Indemnity: USD 10,000.00" in text
    assert grant.terms_sha256 in text
    assert grant.issued_at.strftime("%Y-%m-%d") in text
    assert "Payment\nPaid USD 15.00" in text
    assert f"Order\n{grant.order_line.order_id}" in text
    assert f"https://promptfolio.test/certificates/{certificate.pk}/" in text
    images = reader.pages[0].images
    assert len(images) == 1  # the piece preview (the QR code is vector art)
    assert images[0].image.size[0] > 100


def test_revoked_and_refunded_certificates_say_so(grant, moderator):
    licence_grant_revoke(grant=grant, reason="Chargeback", actor=moderator, refunded=True)
    grant.refresh_from_db()
    text, _ = pdf_text(certificate_pdf(grant=grant))
    assert "REFUNDED: this licence is no longer valid" in text
    assert "Refunded (USD 15.00)" in text
    assert "Revoked" in text and grant.revoked_at.strftime("%Y-%m-%d") in text


def test_certificate_download_is_for_the_licensee_only(client, grant, buyer, creator):
    url = reverse("licensing:certificate_pdf", args=[grant.pk])
    assert client.get(url).status_code == 302  # log in first

    for stranger in (creator, UserFactory(), UserFactory(is_staff=True)):
        client.force_login(stranger)
        assert client.get(url).status_code == 404

    client.force_login(buyer)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"promptfolio-licence-{grant.certificate.pk}.pdf" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF")
    text, _ = pdf_text(response.content)
    assert buyer.email in text


def test_verify_page_shows_validity_without_private_data(client, grant, buyer):
    url = reverse("licensing:certificate_verify", args=[grant.certificate.pk])
    assert grant.certificate.get_absolute_url() == url

    response = client.get(url)

    assert response.status_code == 200
    body = response.content.decode()
    assert "<strong>Valid.</strong>" in body
    assert "Standard" in body and str(grant.piece_id) in body
    assert grant.terms_sha256 in body
    assert grant.issued_at.strftime("%-d %b %Y") in body
    assert buyer.email not in body and buyer.public_name not in body
    assert "15.00" not in body and "1500" not in body
    assert str(grant.order_line.order_id) not in body
    assert response["X-Robots-Tag"] == "noindex"


@pytest.mark.parametrize(
    ("refunded", "state"),
    [(False, "<strong>Revoked.</strong>"), (True, "<strong>Refunded.</strong>")],
)
def test_revocation_is_visible_on_the_verify_page(client, grant, moderator, refunded, state):
    url = reverse("licensing:certificate_verify", args=[grant.certificate.pk])
    assert "<strong>Valid.</strong>" in client.get(url).content.decode()

    licence_grant_revoke(grant=grant, reason="Dispute upheld", actor=moderator, refunded=refunded)

    body = client.get(url).content.decode()
    assert state in body
    assert "<strong>Valid.</strong>" not in body
    assert "Dispute upheld" not in body  # the reason is not public


def test_unknown_certificate_is_404(client, tiers):
    url = reverse("licensing:certificate_verify", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(url).status_code == 404


def test_admin_revokes_with_a_reason_through_the_service(client, grant):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    changelist = reverse("admin:licensing_licencegrant_changelist")
    selection = {"action": "revoke_with_reason", "_selected_action": [str(grant.pk)]}

    ask = client.post(changelist, selection)
    assert ask.status_code == 200
    assert 'name="reason"' in ask.content.decode()
    grant.refresh_from_db()
    assert grant.status == GrantStatus.ACTIVE

    done = client.post(changelist, {**selection, "apply": "1", "reason": "Fraudulent order"})

    assert done.status_code == 302
    grant.refresh_from_db()
    assert (grant.status, grant.reason) == ("revoked", "Fraudulent order")
    assert grant.events.last().actor == admin
    verify = client.get(reverse("licensing:certificate_verify", args=[grant.certificate.pk]))
    assert "<strong>Revoked.</strong>" in verify.content.decode()
