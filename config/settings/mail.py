"""Which backend delivers mail: EMAIL_PROVIDER names it (docs/logging.md, "Mail").

"console", "locmem" and "smtp" are Django's own backends; the others are django-anymail's
API backends for email service providers, configured by ANYMAIL_<SETTING> variables (e.g.
ANYMAIL_POSTMARK_SERVER_TOKEN becomes ANYMAIL["POSTMARK_SERVER_TOKEN"]). A name we do not
know, or a provider without its credentials, stops every process at start.
"""

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

DJANGO_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
# Anymail providers and the ANYMAIL settings each cannot send without (Amazon SES takes
# boto3's usual credentials: AWS_* variables or the instance role).
ANYMAIL_PROVIDERS = {
    "amazon_ses": (),
    "brevo": ("BREVO_API_KEY",),
    "mailgun": ("MAILGUN_API_KEY",),
    "mailjet": ("MAILJET_API_KEY", "MAILJET_SECRET_KEY"),
    "postmark": ("POSTMARK_SERVER_TOKEN",),
    "resend": ("RESEND_API_KEY",),
    "sparkpost": ("SPARKPOST_API_KEY",),
}
ANYMAIL_PREFIX = "ANYMAIL_"


def email_backend(provider: str) -> str:
    """The EMAIL_BACKEND dotted path for `provider`."""
    if provider in DJANGO_BACKENDS:
        return DJANGO_BACKENDS[provider]
    if provider in ANYMAIL_PROVIDERS:
        return f"anymail.backends.{provider}.EmailBackend"
    known = ", ".join(sorted([*DJANGO_BACKENDS, *ANYMAIL_PROVIDERS]))
    raise ImproperlyConfigured(f"EMAIL_PROVIDER must be one of {known}; got {provider!r}")


def anymail_settings(provider: str, environ: Mapping[str, str]) -> dict[str, str]:
    """ANYMAIL from the ANYMAIL_* variables; refuses a provider missing its credentials."""
    settings = {
        name.removeprefix(ANYMAIL_PREFIX): value
        for name, value in environ.items()
        if name.startswith(ANYMAIL_PREFIX) and value
    }
    missing = [name for name in ANYMAIL_PROVIDERS.get(provider, ()) if name not in settings]
    if missing:
        variables = ", ".join(f"{ANYMAIL_PREFIX}{name}" for name in missing)
        raise ImproperlyConfigured(f"EMAIL_PROVIDER={provider} needs {variables}")
    return settings
