"""Failed logins slow the guessing client down and never lock the owner out; wrong
second-factor codes slow down per account; allauth's own limits say how long they have left."""

import time
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from core.ratelimits import RateLimited, allauth_retry_after
from marketplace.services.login_throttle import (
    code_attempt_start,
    code_succeeded,
    login_attempt_start,
)
from tests.concurrency import run_in_threads
from tests.factories import UserFactory, totp_code

pytestmark = pytest.mark.django_db

ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.LOGIN_FREE_FAILURES = 3
    settings.LOGIN_CLIENT_FREE_FAILURES = 6
    settings.LOGIN_FIRST_DELAY_SECONDS = 2
    settings.LOGIN_MAX_DELAY_SECONDS = 60


def _login(client, email, password, **headers):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **headers)


def _wait(now, *, email="victim@example.com", ip=ATTACKER):
    """0 when an attempt at `now` may go ahead (it is then counted), else the wait it got."""
    try:
        login_attempt_start(email=email, ip=ip, now=now)
    except RateLimited as refused:
        return refused.retry_after
    return 0


def test_delays_grow_per_account_and_client_up_to_the_cap():
    now = 1_000_000.0
    assert [_wait(now) for _ in range(4)] == [0, 0, 0, 2]  # three free, then wait
    waits = []
    for _ in range(6):
        waits.append(_wait(now))  # refused: the previous attempt was just now
        now += waits[-1]
        assert _wait(now) == 0  # allowed once that wait has passed
    assert waits == [2, 4, 8, 16, 32, 60]
    assert _wait(now, ip=OWNER) == 0


def test_a_refused_attempt_is_not_counted():
    now = 1_000_000.0
    for _ in range(3):
        _wait(now)
    assert [_wait(now + 1) for _ in range(5)] == [1] * 5
    assert _wait(now + 2) == 0  # still the first delay: the refusals added nothing
    assert _wait(now + 2) == 4


def test_parallel_wrong_passwords_cannot_all_pass_the_check():
    now = 1_000_000.0
    for _ in range(3):
        _wait(now)
    later = now + 3600 - 1  # long after the last attempt: any single attempt would pass

    results = run_in_threads(lambda _: _wait(later), 12, atomic=False)

    assert results.count(0) == 1, results
    assert all(isinstance(wait, int) and wait > 0 for wait in results if wait != 0), results


def test_attacker_hammering_a_victim_gets_429_while_the_owner_signs_in(password):
    victim = UserFactory(email="victim@example.com")
    attacker, owner = Client(REMOTE_ADDR=ATTACKER), Client(REMOTE_ADDR=OWNER)
    for _ in range(3):
        assert _login(attacker, victim.email, "guess-1234").status_code == 200

    refused = _login(attacker, victim.email, password)  # even the right password, from there

    assert refused.status_code == 429
    assert refused["Retry-After"] == "2"
    page = refused.content.decode()
    assert "Too many failed sign-in attempts" in page and 'role="alert"' in page
    assert "_auth_user_id" not in attacker.session
    assert _login(owner, victim.email, password).status_code == 302
    assert int(owner.session["_auth_user_id"]) == victim.pk


def test_a_client_guessing_many_accounts_is_slowed_but_others_are_not(password):
    users = [UserFactory() for _ in range(7)]
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for user in users[:6]:
        _login(attacker, user.email, "guess-1234")

    assert _login(attacker, users[6].email, "guess-1234").status_code == 429
    assert _login(Client(REMOTE_ADDR=OWNER), users[6].email, password).status_code == 302


def test_a_success_clears_only_its_own_account_counter(password):
    own = UserFactory()
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for user in [UserFactory() for _ in range(5)]:
        _login(attacker, user.email, "guess-1234")
    assert _login(attacker, own.email, password).status_code == 302
    attacker.post(reverse("account_logout"))

    # Logging into one's own account between guesses does not reset the client's failures.
    assert _login(attacker, "someone@example.com", "guess-1234").status_code == 200
    assert _login(attacker, "else@example.com", "guess-1234").status_code == 429


def test_behind_one_proxy_clients_are_told_apart_and_forged_entries_do_not_help(settings, password):
    settings.TRUSTED_PROXY_COUNT = 1
    victim = UserFactory(email="victim@example.com")
    proxy = Client(REMOTE_ADDR="10.0.0.2")  # every request arrives from the TLS proxy
    for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        _login(proxy, victim.email, "guess-1234", HTTP_X_FORWARDED_FOR=f"{forged}, {ATTACKER}")

    rotated = _login(proxy, victim.email, "guess", HTTP_X_FORWARDED_FOR=f"9.9.9.9, {ATTACKER}")
    assert rotated.status_code == 429
    owner = Client(REMOTE_ADDR="10.0.0.2")
    assert _login(owner, victim.email, password, HTTP_X_FORWARDED_FOR=OWNER).status_code == 302


@pytest.fixture
def clock(monkeypatch):
    """One settable wall clock for allauth's rate limits and our reading of them."""
    now = [1_000_000.0]
    fake = SimpleNamespace(time=lambda: now[0], monotonic=time.monotonic, sleep=time.sleep)
    monkeypatch.setattr("allauth.core.internal.ratelimit.time", fake)
    monkeypatch.setattr("core.ratelimits.time", fake)
    return now


def test_signup_and_password_reset_limits_answer_429_with_the_wait_left(settings, clock):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/5m/ip"}
    settings.ACCOUNT_RATE_LIMITS["reset_password"] = "2/m/ip"
    client = Client(REMOTE_ADDR=ATTACKER)
    for n in range(2):
        client.post(reverse("account_signup"), {"email": f"n{n}@example.com"})
        client.post(reverse("account_reset_password"), {"email": f"n{n}@example.com"})
        clock[0] += 10
    clock[0] += 20  # 40 s after the first of each pair

    for url, wait in ((reverse("account_signup"), 260), (reverse("account_reset_password"), 20)):
        refused = client.post(url, {"email": "more@example.com"})
        assert refused.status_code == 429, url
        assert refused["Retry-After"] == str(wait), url
        page = refused.content.decode()
        assert "Too many attempts from your connection." in page
        assert f"Please try again in {wait} seconds." in page
    assert (
        Client(REMOTE_ADDR=OWNER)
        .post(reverse("account_signup"), {"email": "fine@example.com"})
        .status_code
        == 200
    )


def test_a_per_address_reset_limit_tells_the_wait_of_that_address(settings, clock):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS}
    settings.ACCOUNT_RATE_LIMITS["reset_password"] = "50/m/ip,1/10m/key"
    client = Client(REMOTE_ADDR=ATTACKER)
    client.post(reverse("account_reset_password"), {"email": "Victim@example.com"})
    clock[0] += 100

    refused = client.post(reverse("account_reset_password"), {"email": "victim@example.com"})

    assert refused.status_code == 429 and refused["Retry-After"] == "500"


def test_a_limit_whose_history_cannot_be_read_tells_its_configured_period(settings, rf):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "confirm_email": "1/3m/key"}
    request = rf.post("/accounts/confirm-email/k/")
    request.resolver_match = SimpleNamespace(url_name="account_confirm_email")

    assert allauth_retry_after(request) == 180
    request.resolver_match = SimpleNamespace(url_name="somewhere_else")
    assert allauth_retry_after(request) == 60


def test_wrong_second_factor_codes_wait_longer_per_account_from_any_address(password):
    moderator = UserFactory(moderator=True)
    attacker = Client()
    response = _login(attacker, moderator.email, password)
    assert response.url == reverse("mfa_authenticate")

    answers = [
        attacker.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code for _ in range(4)
    ]

    assert answers == [200, 200, 200, 429]  # three free wrong codes, then a wait
    refused = attacker.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "_auth_user_id" not in attacker.session
    elsewhere = Client(REMOTE_ADDR=OWNER)  # another address changes nothing: same account
    _login(elsewhere, moderator.email, password)
    assert elsewhere.post(reverse("mfa_authenticate"), {"code": totp_code()}).status_code == 429


def test_a_right_code_clears_the_account_s_wrong_codes():
    now = 1_000_000.0
    for _ in range(3):
        code_attempt_start(user_id=7, now=now)
    code_succeeded(user_id=7)

    for _ in range(3):
        code_attempt_start(user_id=7, now=now)  # free again
    with pytest.raises(RateLimited) as refused:
        code_attempt_start(user_id=7, now=now)
    assert refused.value.retry_after == 2
    code_attempt_start(user_id=8, now=now)  # another account is not affected
