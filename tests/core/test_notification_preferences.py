"""Notification preferences: per kind, in-app and/or email; required kinds cannot be
silenced; every optional mail carries a one-click unsubscribe (RFC 8058) that a POST with
its signed token honours, for that kind only."""

from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissions.notification_kinds import COMMISSIONS
from core import notifications as registry
from core.models import Notification, NotificationPreference
from core.notifications import GENERAL, Channels, register_notification_kind
from core.services.notification_preferences import notification_preferences_save
from core.services.notifications import notification_send
from disputes.notification_kinds import MODERATION_DECISIONS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "core:notification_preferences"


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """send(user, kind) → (the user's new in-app rows, the mails that left after commit)."""

    def send(user, kind, subject="Quote received"):
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            notification_send(users=[user], subject=subject, body="Body", url="/x/", kind=kind)
        rows = list(Notification.objects.filter(user=user, subject=subject))
        return rows, mail.outbox[before:]

    return send


@pytest.fixture
def own_registry(monkeypatch):
    """Kinds registered in a test vanish after it."""
    monkeypatch.setattr(registry, "_kinds", dict(registry._kinds))


def unsubscribe_url(message) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<") and header.endswith(">")
    return urlsplit(header[1:-1]).path


def test_without_a_row_each_kind_sends_its_defaults(buyer, sent, own_registry):
    register_notification_kind("digest", "Weekly digest", email_default=False)

    rows, mails = sent(buyer, COMMISSIONS)
    assert len(rows) == 1 and [m.to for m in mails] == [[buyer.email]]
    rows, mails = sent(buyer, "digest", subject="Digest")
    assert len(rows) == 1 and mails == []
    assert not NotificationPreference.objects.exists()


def test_email_off_keeps_the_in_app_row_and_other_kinds_mail(buyer, sent):
    notification_preferences_save(
        user=buyer, choices={COMMISSIONS: Channels(in_app=True, email=False)}
    )

    rows, mails = sent(buyer, COMMISSIONS)
    assert len(rows) == 1 and mails == []
    rows, mails = sent(buyer, GENERAL, subject="Something else")
    assert len(rows) == 1 and [m.to for m in mails] == [[buyer.email]]


def test_in_app_off_stops_the_row_but_still_mails(buyer, sent):
    notification_preferences_save(
        user=buyer, choices={COMMISSIONS: Channels(in_app=False, email=True)}
    )

    rows, mails = sent(buyer, COMMISSIONS)
    assert rows == [] and [m.to for m in mails] == [[buyer.email]]


def test_both_off_for_one_of_two_recipients(buyer, creator, django_capture_on_commit_callbacks):
    notification_preferences_save(
        user=buyer, choices={COMMISSIONS: Channels(in_app=False, email=False)}
    )
    with django_capture_on_commit_callbacks(execute=True):
        created = notification_send(users=[buyer, creator], subject="Hi", kind=COMMISSIONS)
    assert [row.user for row in created] == [creator]
    assert [m.to for m in mail.outbox] == [[creator.email]]


def test_required_kinds_ignore_opt_outs_and_carry_no_unsubscribe(buyer, sent):
    notification_preferences_save(
        user=buyer, choices={MODERATION_DECISIONS: Channels(in_app=False, email=False)}
    )
    assert not NotificationPreference.objects.exists()  # nothing to store for a required kind
    # Even a row written some other way is ignored.
    NotificationPreference.objects.create(
        user=buyer, kind=MODERATION_DECISIONS, in_app=False, email=False
    )

    rows, mails = sent(buyer, MODERATION_DECISIONS)
    assert len(rows) == 1 and len(mails) == 1
    assert "List-Unsubscribe" not in mails[0].extra_headers
    assert registry.notification_kind(MODERATION_DECISIONS).reason in mails[0].body


def test_kinds_are_checked(own_registry):
    with pytest.raises(ValueError, match="Unknown notification kind"):
        notification_send(users=[], subject="x", kind="no-such-kind")
    with pytest.raises(ValueError, match="already registered"):
        register_notification_kind(COMMISSIONS, "Something else")
    with pytest.raises(ValueError, match="must say why"):
        register_notification_kind("legal", "Legal", required=True)
    # The same definition again (a repeated ready()) is fine.
    assert register_notification_kind(GENERAL, "Other notices").key == GENERAL


def test_the_page_shows_the_defaults_and_saves_the_choices(client, buyer):
    url = reverse(PAGE)
    client.force_login(buyer)
    page = client.get(url).content.decode()
    assert f'name="email_{COMMISSIONS}" aria-describedby' not in page
    assert f'name="email_{COMMISSIONS}" id="id_email_{COMMISSIONS}" checked' in page
    assert f'for="id_in_app_{COMMISSIONS}"' in page
    assert f'name="email_{MODERATION_DECISIONS}" aria-describedby' in page and "disabled" in page

    # Untick email for commissions and try to untick the required kind (not in the POST).
    data = {f"in_app_{key}": "on" for key in (COMMISSIONS, GENERAL, MODERATION_DECISIONS)}
    data[f"email_{GENERAL}"] = "on"
    response = client.post(url, data)

    assert response.status_code == 302 and response["Location"] == url
    saved = NotificationPreference.objects.filter(user=buyer)
    assert saved.get(kind=COMMISSIONS).email is False
    assert saved.get(kind=COMMISSIONS).in_app is True
    assert saved.get(kind=GENERAL).email is True
    assert not saved.filter(kind=MODERATION_DECISIONS).exists()
    page = client.get(url).content.decode()
    assert f'name="email_{COMMISSIONS}" id="id_email_{COMMISSIONS}">' in page
    assert f'name="in_app_{COMMISSIONS}" id="id_in_app_{COMMISSIONS}" checked' in page
    assert "Notification settings saved." in page


def test_the_page_needs_a_login_and_a_csrf_token(client, buyer):
    url = reverse(PAGE)
    assert client.get(url)["Location"].startswith(reverse("account_login"))
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(buyer)
    assert strict.post(url, {f"email_{COMMISSIONS}": ""}).status_code == 403
    assert not NotificationPreference.objects.exists()


def test_the_pages_query_count_does_not_grow_with_the_kinds(client, buyer, own_registry):
    client.force_login(buyer)
    client.get(reverse(PAGE))  # warm the session and caches

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(PAGE)).status_code == 200
        return len(captured)

    before = queries()
    for number in range(5):
        register_notification_kind(f"extra{number}", f"Extra {number}")
    assert queries() == before


def test_the_notifications_and_profile_pages_link_to_the_settings(client, buyer):
    client.force_login(buyer)
    for page in ("core:notifications", "profile"):
        assert reverse(PAGE) in client.get(reverse(page)).content.decode()


def test_every_optional_mail_carries_one_click_unsubscribe(buyer, sent, settings):
    _, mails = sent(buyer, COMMISSIONS)
    headers = mails[0].extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = headers["List-Unsubscribe"][1:-1]
    assert link.startswith(f"{settings.SITE_URL.rstrip('/')}/unsubscribe/")
    assert link in mails[0].body  # the footer has the same link
    assert mails[0].body.startswith("Body\n\n")


def test_a_one_click_post_turns_off_that_kind_by_email_only(buyer, creator, sent):
    _, mails = sent(buyer, COMMISSIONS)
    url = unsubscribe_url(mails[0])
    mail_client = Client(enforce_csrf_checks=True)  # no session, no CSRF token: a mail client

    response = mail_client.post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert "no more emails about “Commissions and briefs”" in response.content.decode()
    assert list(NotificationPreference.objects.values_list("user", "kind", "in_app", "email")) == [
        (buyer.pk, COMMISSIONS, True, False)
    ]
    rows, mails = sent(buyer, COMMISSIONS, subject="Again")
    assert len(rows) == 1 and mails == []
    assert len(sent(buyer, GENERAL, subject="Other")[1]) == 1  # other kinds still mail
    assert len(sent(creator, COMMISSIONS, subject="Creator")[1]) == 1  # other people too
    assert mail_client.post(url).status_code == 200  # a second click changes nothing
    assert NotificationPreference.objects.count() == 1


def test_unsubscribing_keeps_a_saved_in_app_choice(buyer, sent):
    notification_preferences_save(
        user=buyer, choices={COMMISSIONS: Channels(in_app=False, email=True)}
    )
    _, mails = sent(buyer, COMMISSIONS)

    assert Client().post(unsubscribe_url(mails[0])).status_code == 200
    preference = NotificationPreference.objects.get(user=buyer, kind=COMMISSIONS)
    assert (preference.in_app, preference.email) == (False, False)


def test_a_get_only_asks(buyer, sent):
    _, mails = sent(buyer, COMMISSIONS)

    response = Client().get(unsubscribe_url(mails[0]))

    assert response.status_code == 200
    body = response.content.decode()
    assert '<form method="post">' in body and "Unsubscribe</button>" in body
    assert not NotificationPreference.objects.exists()


def test_forged_or_broken_links_get_a_400_and_change_nothing(buyer):
    salt = "core.notification-unsubscribe"
    genuine = signing.dumps({"user": buyer.pk, "kind": COMMISSIONS}, salt=salt)
    tokens = [
        "junk",
        genuine[:-2] + ("aa" if not genuine.endswith("aa") else "bb"),  # tampered signature
        signing.dumps({"user": buyer.pk, "kind": COMMISSIONS}, salt="another.salt"),
        signing.dumps({"user": str(buyer.pk), "kind": COMMISSIONS}, salt=salt),
        signing.dumps(["not", "a", "dict"], salt=salt),
        signing.dumps({"user": buyer.pk, "kind": "gone"}, salt=salt),
        signing.dumps({"user": buyer.pk, "kind": MODERATION_DECISIONS}, salt=salt),
        signing.dumps({"user": 2**40, "kind": COMMISSIONS}, salt=salt),
    ]
    client = Client()
    for token in tokens:
        url = reverse("core:notification_unsubscribe", kwargs={"token": token})
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 400, token
            assert 'role="alert"' in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_a_link_for_an_inactive_account_still_unsubscribes():
    user = UserFactory()
    token = signing.dumps(
        {"user": user.pk, "kind": COMMISSIONS}, salt="core.notification-unsubscribe"
    )
    user.is_active = False
    user.save(update_fields=["is_active"])

    url = reverse("core:notification_unsubscribe", kwargs={"token": token})
    assert Client().post(url).status_code == 200
    assert NotificationPreference.objects.get(user=user).email is False
