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


def test_seed_has_four_tiers_with_v1_terms_v2_derivatives_and_v3_rights_wording(tiers):
    assert list(Tier.objects.values_list("code", flat=True)) == [
        "personal",
        "standard",
        "extended",
        "exclusive",
    ]
    standard = terms_current(tier=Tier.objects.get(code="standard"))
    assert standard.version == 3
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
    derivative_rules = {
        code: (terms.derivatives, terms.derivative_resale)
        for code, terms in ((tier.code, terms_current(tier=tier)) for tier in Tier.objects.all())
    }
    assert derivative_rules == {
        "personal": (False, False),
        "standard": (True, False),
        "extended": (True, True),
        "exclusive": (True, True),
    }
    v1 = TermsVersion.objects.get(tier__code="standard", version=1)
    v2 = TermsVersion.objects.get(tier__code="standard", version=2)
    assert (v1.derivatives, v1.derivative_resale) == (False, False)
    assert standard.body.startswith("PROMPTFOLIO STANDARD LICENCE, VERSION 3\n")
    assert v1.body in v2.body.replace("VERSION 2", "VERSION 1", 1)
    assert v2.body in standard.body.replace("VERSION 3", "VERSION 2", 1)
    assert "7. Derivatives. The Licensee may make edited versions" in standard.body
    assert "8. What the record shows." in standard.body


def test_editing_terms_publishes_a_new_version_and_old_grants_keep_their_hash(
    tiers, creator, buyer
):
    listing = published_listing(creator)
    tier = Tier.objects.get(code="standard")
    current = terms_current(tier=tier)
    grant = licence_grant_issue(order_line=paid_line(listing=listing, buyer=buyer), licensee=buyer)

    newer = terms_publish_new_version(
        tier=tier, body=current.body + "\n\n8. New clause.", max_copies=250_000, actor=creator
    )

    assert (newer.version, newer.max_copies, newer.summary, newer.merchandise) == (
        4,
        250_000,
        current.summary,
        False,
    )
    assert (newer.derivatives, newer.derivative_resale) == (True, False)  # copied
    assert newer.sha256 == hashlib.sha256(newer.body.encode()).hexdigest() != current.sha256
    assert terms_current(tier=tier) == newer
    grant.refresh_from_db()
    assert (grant.terms_id, grant.terms_version, grant.terms_sha256) == (
        current.pk,
        3,
        current.sha256,
    )
    current.refresh_from_db()
    assert current.max_copies == 500_000  # untouched

    other = UserFactory()
    later = licence_grant_issue(order_line=paid_line(listing=listing, buyer=other), licensee=other)
    assert (later.terms_version, later.terms_sha256) == (4, newer.sha256)


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
    assert TermsVersion.objects.filter(tier=tier).count() == 3


@pytest.mark.parametrize("source", ["abc", "-1", "1e400", str(2**70), ""])
def test_admin_add_page_with_a_malformed_source_id_is_a_blank_form(tiers, client, source):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get(reverse("admin:licensing_termsversion_add"), {"from": source})

    assert page.status_code == 200
    assert TermsVersion.objects.get(tier__code="personal", version=2).summary not in (
        page.content.decode()
    )


def test_admin_publishes_a_new_version_and_shows_saved_ones_read_only(tiers, client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    v3 = TermsVersion.objects.get(tier__code="personal", version=3)

    add_url = reverse("admin:licensing_termsversion_add")
    page = client.get(add_url, {"from": v3.pk})
    assert page.status_code == 200
    assert v3.summary in page.content.decode()

    response = client.post(
        add_url,
        {
            "tier": v3.tier_id,
            "summary": v3.summary,
            "body": v3.body + "\n\n9. Clarified.",
            "commercial": "",
            "max_copies": "",
            "merchandise": "",
            "derivatives": "",
            "derivative_resale": "",
            "indemnity_amount": "0",
            "indemnity_currency": "USD",
            "transfers_copyright": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    v4 = TermsVersion.objects.get(tier=v3.tier, version=4)
    assert v4.body.endswith("9. Clarified.") and v4.created_by == admin
    change = client.get(reverse("admin:licensing_termsversion_change", args=[v4.pk]))
    assert change.status_code == 200
    assert '<textarea name="body"' not in change.content.decode()
    assert "Publish a new version based on this one" in change.content.decode()
