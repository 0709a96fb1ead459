"""Production guardrails: defaults that suit a laptop but lose data, mail or money in production.

The settings module calls `refuse_unsafe_production` last when DJANGO_ENV=production, so every
process that loads settings (gunicorn, runserver, Celery workers and beat, each manage.py
command) stops at start with one error that lists every problem and the variable to set,
instead of a system check that gunicorn and Celery never run.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from provenance.identity import LEAF_CHAIN, LEAF_KEY, ROOT_CERT

# Files a signing process reads (the root's private key may live offline).
SIGNING_FILES = (ROOT_CERT, LEAF_CHAIN, LEAF_KEY)
# The command that creates the signing identity must start without one.
SIGNING_INIT_COMMAND = "init_signing"
# Mail backends that never deliver to anyone.
UNDELIVERED_MAIL = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


def _signing_problem(directory: Path) -> str | None:
    missing = [name for name in SIGNING_FILES if not (directory / name).is_file()]
    if not missing:
        return None
    return (
        f"PROVENANCE_SIGNING_DIR: the signing keys are missing in {directory} "
        f"({', '.join(missing)}); run `manage.py init_signing` once, or point "
        "PROVENANCE_SIGNING_DIR at the folder that holds them."
    )


def production_problems(values: Mapping[str, Any], *, command: str = "") -> list[str]:
    """Each unsafe production setting as "VARIABLE: what is wrong; what to set"."""
    problems = []
    if values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3":
        problems.append(
            "DATABASE_URL: the database is SQLite (one file, one writer); "
            "set DATABASE_URL=postgres://user:password@host:5432/name."
        )
    if values["CELERY_BROKER_URL"].startswith("filesystem://"):
        problems.append(
            "CELERY_BROKER_URL: the broker is the filesystem broker (one machine, no "
            "redelivery); set CELERY_BROKER_URL=redis://host:6379/0."
        )
    if values["CACHES"]["default"]["BACKEND"].endswith(".locmem.LocMemCache"):
        problems.append(
            "CACHE_URL: the cache is local memory (each process counts limits and logins "
            "alone); set CACHE_URL=redis://host:6379/1."
        )
    if values["EMAIL_BACKEND"] in UNDELIVERED_MAIL:
        problems.append(
            f"EMAIL_PROVIDER: email goes to the {values['EMAIL_BACKEND'].rsplit('.', 2)[-2]} "
            "backend, not to people; set EMAIL_PROVIDER=smtp with EMAIL_HOST (and EMAIL_PORT, "
            "EMAIL_HOST_USER, EMAIL_HOST_PASSWORD), or an API provider such as "
            "EMAIL_PROVIDER=postmark with its ANYMAIL_* credentials."
        )
    if not values["STRIPE_SECRET_KEY"] and not values["PAYMENTS_DISABLED"]:
        problems.append(
            "STRIPE_SECRET_KEY: no Stripe key, so checkout would fall back to the local test "
            'gateway, where anyone can "pay" without money; set STRIPE_SECRET_KEY=sk_live_… '
            "and STRIPE_WEBHOOK_SECRET=whsec_…, or PAYMENTS_DISABLED=true to run without payments."
        )
    if values["STRIPE_SECRET_KEY"] and not values["STRIPE_WEBHOOK_SECRET"]:
        problems.append(
            "STRIPE_WEBHOOK_SECRET: STRIPE_SECRET_KEY is set without it, so no payment "
            "would ever be confirmed; set STRIPE_WEBHOOK_SECRET=whsec_… from Stripe."
        )
    if command != SIGNING_INIT_COMMAND:
        problems.append(_signing_problem(Path(values["PROVENANCE_SIGNING_DIR"])))
    return [problem for problem in problems if problem]


def refuse_unsafe_production(values: Mapping[str, Any], *, command: str = "") -> None:
    """Raise ImproperlyConfigured naming every problem, or return when there is none."""
    problems = production_problems(values, command=command)
    if problems:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise ImproperlyConfigured(
            f"DJANGO_ENV=production refuses to start with {len(problems)} unsafe "
            f"setting(s):\n{listed}"
        )
