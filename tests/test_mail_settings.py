"""EMAIL_PROVIDER and ANYMAIL_* (config/settings/mail.py): every name maps to a backend that
loads, an unknown one or missing credentials stop the start with the variable to set."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import get_connection

from config.settings.mail import ANYMAIL_PROVIDERS, anymail_settings, email_backend


def test_django_backends_by_name():
    assert email_backend("smtp") == "django.core.mail.backends.smtp.EmailBackend"
    assert email_backend("console") == "django.core.mail.backends.console.EmailBackend"
    assert email_backend("locmem") == "django.core.mail.backends.locmem.EmailBackend"


@pytest.mark.parametrize("provider", sorted(ANYMAIL_PROVIDERS))
def test_each_anymail_provider_names_a_backend_that_starts(provider, settings):
    credentials = {f"ANYMAIL_{name}": "example-key" for name in ANYMAIL_PROVIDERS[provider]}
    settings.ANYMAIL = anymail_settings(provider, credentials)

    backend = get_connection(email_backend(provider))

    assert type(backend).__module__ == f"anymail.backends.{provider}"


def test_an_unknown_provider_is_refused_with_the_known_names():
    with pytest.raises(ImproperlyConfigured) as refused:
        email_backend("mailgnu")

    assert "EMAIL_PROVIDER must be one of" in str(refused.value)
    assert "mailgun" in str(refused.value) and "'mailgnu'" in str(refused.value)


def test_anymail_settings_come_from_anymail_variables_and_need_the_credentials():
    environ = {
        "ANYMAIL_MAILGUN_API_KEY": "key-1",
        "ANYMAIL_MAILGUN_SENDER_DOMAIN": "mg.art.example.com",
        "ANYMAIL_EMPTY": "",
        "MAILGUN_API_KEY": "not ours",
    }

    assert anymail_settings("mailgun", environ) == {
        "MAILGUN_API_KEY": "key-1",
        "MAILGUN_SENDER_DOMAIN": "mg.art.example.com",
    }
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PROVIDER=mailjet needs "):
        anymail_settings("mailjet", environ)
    with pytest.raises(ImproperlyConfigured, match="ANYMAIL_POSTMARK_SERVER_TOKEN"):
        anymail_settings("postmark", {})
    assert anymail_settings("smtp", {}) == {}
