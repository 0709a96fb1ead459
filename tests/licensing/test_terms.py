import hashlib

import pytest
from django.urls import reverse

from core.errors import ApplicationError
from licensing.models import ImmutableError, TermsVersion, Tier
from licensing.services.grants import licence_grant_issue
from licensing.services.terms import terms_current, terms_publish_new_version
from tests.factories import UserFactory
from tests.licensing.licences import paid_line, published_listing

pytestmark = pytest.mark.django_db


def test_seed_has_four_tiers_with_v1_terms(tiers):
    assert list(Tier.objects.values_list("code", flat=True)) == [
        "personal",
        "standard",
        "extended",
        "exclusive",
    ]
    standard = terms_current(tier=Tier.objects.get(code="standard"))
    assert standard.version == 1
    assert standard.sha256 == hashlib.sha256(standard.body.encode()).hexdigest()
    assert (standard.commercial, standard.max_copies, standard.merchandise) == (
        True,
        500_000,
        False,
    )
    assert standard.indemnity_amount == 1_000_000
    extended = terms_current(tier=Tier.objects.get(code="extended"))
    assert (extended.max_copies, extended.merchandise, extended.indemnity_amount) == (
        None,
        True,
        25_000_000,
    )
    personal = terms_current(tier=Tier.objects.get(code="personal"))
    assert personal.commercial is False
    exclusive = Tier.objects.get(code="exclusive")
    assert exclusive.exclusive is True
    assert terms_current(tier=exclusive).transfers_copyright is True


def test_editing_terms_publishes_a_new_version_and_old_grants_keep_their_hash(
    tiers, creator, buyer
):
    listing = published_listing(creator)
    tier = Tier.objects.get(code="standard")
    v1 = terms_current(tier=tier)
    grant = licence_grant_issue(order_line=paid_line(listing=listing, buyer=buyer), licensee=buyer)

    v2 = terms_publish_new_version(
        tier=tier, body=v1.body + "\n\n7. New clause.", max_copies=250_000, actor=creator
    )

    assert (v2.version, v2.max_copies, v2.summary, v2.merchandise) == (
        2,
        250_000,
        v1.summary,
        False,
    )
    assert v2.sha256 == hashlib.sha256(v2.body.encode()).hexdigest() != v1.sha256
    assert terms_current(tier=tier) == v2
    grant.refresh_from_db()
    assert (grant.terms_id, grant.terms_version, grant.terms_sha256) == (v1.pk, 1, v1.sha256)
    v1.refresh_from_db()
    assert v1.max_copies == 500_000  # untouched

    other = UserFactory()
    later = licence_grant_issue(order_line=paid_line(listing=listing, buyer=other), licensee=other)
    assert (later.terms_version, later.terms_sha256) == (2, v2.sha256)


def test_terms_versions_cannot_be_changed_or_deleted(tiers):
    terms = TermsVersion.objects.get(tier__code="standard", version=1)
    terms.body = "Anything goes."
    with pytest.raises(ImmutableError):
        terms.save()
    with pytest.raises(ImmutableError):
        TermsVersion.objects.filter(pk=terms.pk).update(body="Anything goes.")
    with pytest.raises(ImmutableError):
        terms.delete()
    with pytest.raises(ImmutableError):
        TermsVersion.objects.filter(pk=terms.pk).delete()
    terms.refresh_from_db()
    assert terms.sha256 == hashlib.sha256(terms.body.encode()).hexdigest()
    assert terms.body.startswith("PROMPTFOLIO STANDARD LICENCE, VERSION 1")


def test_empty_terms_are_refused(tiers):
    tier = Tier.objects.get(code="personal")
    with pytest.raises(ApplicationError, match="cannot be empty"):
        terms_publish_new_version(tier=tier, body="  \r\n ")
    assert TermsVersion.objects.filter(tier=tier).count() == 1


def test_admin_publishes_a_new_version_and_shows_saved_ones_read_only(tiers, client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    v1 = TermsVersion.objects.get(tier__code="personal", version=1)

    add_url = reverse("admin:licensing_termsversion_add")
    page = client.get(add_url, {"from": v1.pk})
    assert page.status_code == 200
    assert v1.summary in page.content.decode()

    response = client.post(
        add_url,
        {
            "tier": v1.tier_id,
            "summary": v1.summary,
            "body": v1.body + "\n\n7. Clarified.",
            "commercial": "",
            "max_copies": "",
            "merchandise": "",
            "indemnity_amount": "0",
            "indemnity_currency": "USD",
            "transfers_copyright": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    v2 = TermsVersion.objects.get(tier=v1.tier, version=2)
    assert v2.body.endswith("7. Clarified.") and v2.created_by == admin
    change = client.get(reverse("admin:licensing_termsversion_change", args=[v2.pk]))
    assert change.status_code == 200
    assert '<textarea name="body"' not in change.content.decode()
    assert "Publish a new version based on this one" in change.content.decode()
