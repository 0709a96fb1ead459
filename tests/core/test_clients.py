"""The client's address behind N trusted proxies, with forged X-Forwarded-For headers."""

import pytest
from django.test import RequestFactory

from core.clients import client_address


def request(remote="10.0.0.9", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request("203.0.113.5", forwarded="1.2.3.4")) == "203.0.113.5"


@pytest.mark.parametrize(
    ("hops", "forwarded", "client"),
    [
        (1, "198.51.100.7", "198.51.100.7"),
        # The client wrote "1.2.3.4" itself; our one proxy appended what it saw.
        (1, "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        (1, "1.2.3.4,5.6.7.8 , 198.51.100.7", "198.51.100.7"),
        (2, "1.2.3.4, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (2, "::1, 2001:db8::7, 10.0.0.2", "2001:db8::7"),
    ],
)
def test_behind_proxies_the_client_is_the_nth_entry_from_the_right(
    settings, hops, forwarded, client
):
    settings.TRUSTED_PROXY_COUNT = hops
    assert client_address(request(forwarded=forwarded)) == client


@pytest.mark.parametrize("forwarded", [None, "", "not-an-address", " , "])
def test_a_missing_short_or_garbled_header_falls_back_to_the_peer(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request("10.0.0.9", forwarded=forwarded)) == "10.0.0.9"


def test_fewer_entries_than_proxies_trusts_none_of_them(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(request("10.0.0.9", forwarded="1.2.3.4")) == "10.0.0.9"
