"""Settings driven by environment variables, with embedded defaults that need no server.

Nothing set → SQLite, local folders for media, a filesystem Celery broker, console email.
DATABASE_URL, CELERY_BROKER_URL and S3_ENDPOINT_URL select the real services.
DJANGO_ENV=production turns on the HTTPS/cookie hardening checked by `check --deploy`, and
refuses to start while any embedded default is still in use (config/guardrails.py).
"""

import os
import re
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str
from config.guardrails import refuse_unsafe_production
from config.observability import logging_config, sentry_init
from config.settings.engines import engines_from_file
from config.settings.mail import anymail_settings, email_backend
from config.settings.storage import media_origin, previews_on_cdn, storages_from_env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DJANGO_ENV = env_str("DJANGO_ENV", "local")
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env_bool("DJANGO_DEBUG", False)


def _local_secret_key() -> str:
    """A per-checkout key kept in var/ so embedded runs never share a hard-coded secret."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env_str("DJANGO_SECRET_KEY") or (None if PRODUCTION else _local_secret_key())
if not SECRET_KEY:
    raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_ENV=production")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# Reverse proxies in front of the app that append to X-Forwarded-For (core/clients.py):
# 0 = clients connect directly; 1 = one TLS proxy (docker-compose.yml). Too high lets
# clients forge their address; too low makes every client look like the proxy.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",  # allauth.mfa templates
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "allauth",  # accounts: email login, verification, MFA (settings under "Accounts" below)
    "allauth.account",
    "allauth.mfa",
    "ninja",  # the API docs page's bundled Swagger UI (no CDN)
    # The floors, ground first (docs/architecture.md): each may import only those above it here.
    "core",
    "provenance",
    "generation",
    "marketplace",
    "licensing",
    "payments",
    "commissions",
    "disputes",
    "webhooks",
    "api",
    "demo",  # demo data through every floor's services (bin/run)
]

MIDDLEWARE = [
    "core.middleware.RequestContextMiddleware",  # first: every later log line has its id
    "core.middleware.RequestMetricsMiddleware",  # counts and times every response
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.BoundedParametersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "core.middleware.ModeratorMfaMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "core.middleware.RateLimitedMiddleware",
    "payments.middleware.PaymentsUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process and the local worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared cache (login throttling, counts, "more like this"): Redis when CACHE_URL is set,
# otherwise per-process memory.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("CACHE_URL")}
        if env_str("CACHE_URL")
        # Room for the page cache's pages (the default 300 entries would churn).
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    )
}
# Whole public pages served to signed-out visitors from that cache (core.pagecache); 0 = off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 20)
# Live fragments answer unchanged polls with 304 from a version in that cache (core.watch).
# Only a cache every process shares can carry a worker's change to the web process.
WATCH_ETAGS = env_bool("WATCH_ETAGS", bool(env_str("CACHE_URL")))
# With a shared cache, sessions are read from it and written through to the database: a
# page load saves a query, and core.watch serves a job's progress as a patch only while the
# poller's session is still there (logging out deletes it). A per-process cache would keep
# a logged-out session alive in the other processes, so without one sessions stay in the
# database alone.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if env_str("CACHE_URL")
    else "django.contrib.sessions.backends.db"
)

AUTH_USER_MODEL = "marketplace.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "profile"
LOGOUT_REDIRECT_URL = "home"

# --- Accounts (django-allauth; README "Accounts") ------------------------------------------
ACCOUNT_ADAPTER = "marketplace.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "marketplace.forms.accounts.SignupExtraForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Promptfolio] "
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# Requests per client address (core.clients, the same address as every other limit) or per
# email ("key"), in allauth's "count/period/per" form; a refusal answers 429 (templates/429.html).
# Failed logins are not here: marketplace.services.login_throttle delays them per account and
# client and per client, so an attacker's failures never lock the owner out.
ACCOUNT_RATE_LIMITS = {
    "login": env_str("RATE_LIMIT_LOGIN", "30/m/ip"),
    "login_failed": False,
    "signup": env_str("RATE_LIMIT_SIGNUP", "10/m/ip,50/h/ip"),
    "reset_password": env_str("RATE_LIMIT_RESET_PASSWORD", "10/m/ip,3/m/key,10/h/key"),
    "reset_password_from_key": env_str("RATE_LIMIT_RESET_PASSWORD_FROM_KEY", "20/m/ip"),
    "confirm_email": env_str("RATE_LIMIT_CONFIRM_EMAIL", "1/3m/key"),
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Growing delays after failed logins: free attempts, then the first delay doubling per
# failure up to the cap; counters forget after the window. Per (account, client) and, with
# more free attempts, per client (marketplace/services/login_throttle.py).
LOGIN_FREE_FAILURES = env_int("LOGIN_FREE_FAILURES", 5)
LOGIN_CLIENT_FREE_FAILURES = env_int("LOGIN_CLIENT_FREE_FAILURES", 20)
LOGIN_FIRST_DELAY_SECONDS = env_int("LOGIN_FIRST_DELAY_SECONDS", 2)
LOGIN_MAX_DELAY_SECONDS = env_int("LOGIN_MAX_DELAY_SECONDS", 15 * 60)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 60 * 60)

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# Wrong codes get the login throttle's growing delays, per account (marketplace/forms/mfa.py).
MFA_FORMS = {
    "authenticate": "marketplace.forms.mfa.ThrottledAuthenticateForm",
    "reauthenticate": "marketplace.forms.mfa.ThrottledReauthenticateForm",
}
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Promptfolio"
# Browsers treat http://localhost as secure; other plain-HTTP origins only outside production.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env_bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", not PRODUCTION)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = storages_from_env(MEDIA_ROOT)
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# Uploads: keep request bodies bounded; avatars have their own stricter limit in the form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
AVATAR_MAX_BYTES = env_int("AVATAR_MAX_BYTES", 2 * 1024 * 1024)
AVATAR_MAX_PIXELS = 4096 * 4096

# --- Celery -----------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "control", "processed"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
else:
    # Longer than the longest job; restore unacked tasks promptly after a worker dies.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
# Every periodic task, in one place.
CELERY_BEAT_SCHEDULE = {
    "sweep-generation-jobs": {"task": "generation.tasks.sweep_jobs", "schedule": 30.0},
    "requeue-stale-webhooks": {"task": "payments.requeue_stale_webhooks", "schedule": 60.0},
    # Owed automatic refunds and creator transfers whose wake-up was lost (2 min grace).
    "requeue-owed-money": {"task": "payments.requeue_owed_money", "schedule": 60.0},
    "dispute-reminders": {"task": "disputes.send_dispute_reminders", "schedule": 3600.0},
    # Settles finished commission jobs (1 min grace) and auto-accepts overdue deliveries.
    "commissions-sweep": {"task": "commissions.sweep", "schedule": 60.0},
    "expire-idempotency-records": {
        "task": "api.tasks.expire_idempotency_records",
        "schedule": 3600.0,
    },
    # Webhook retries fall due from 30 s apart; also re-wakes deliveries whose wake-up was lost.
    "webhooks-sweep": {"task": "webhooks.sweep_deliveries", "schedule": 15.0},
    # Listings whose counter-notice waiting period ended come back (idempotent).
    "takedown-restorations": {"task": "disputes.restore_countered_listings", "schedule": 900.0},
    # Re-sends lost keypoint-lookup wake-ups and deletes old lookups.
    "sweep-keypoint-lookups": {"task": "provenance.tasks.sweep_lookups", "schedule": 30.0},
}

# --- Generation engines -----------------------------------------------------------------
GENERATION_LEASE_SECONDS = env_int("GENERATION_LEASE_SECONDS", 120)
GENERATION_PROGRESS_INTERVAL = 0.25
# The stamping stage behind the engine loop (docs/adr/005-stamping-stage.md): processes that
# stamp (default: every core) and how many rendered batches may wait there at once.
GENERATION_STAMP_PROCESSES = env_int("GENERATION_STAMP_PROCESSES", os.cpu_count() or 1)
GENERATION_STAGE_BATCHES = env_int("GENERATION_STAGE_BATCHES", 2)
# Each person's GPU allowance (generation/services/quotas.py).
GENERATION_MAX_ACTIVE_JOBS = env_int("GENERATION_MAX_ACTIVE_JOBS", 10)
GENERATION_IMAGES_PER_DAY = env_int("GENERATION_IMAGES_PER_DAY", 400)
# The prompt policy (generation/services/prompt_policy/): names refused next to sexual or
# defamatory terms (real people) or outright (artists), on top of the Protected names the
# operators keep in the admin. Entries: a name, or {"name": ..., "kind": "real_person" |
# "artist"}. The defaults are public figures often targeted by sexual deepfakes.
PROMPT_POLICY_PROTECTED_NAMES: list = [
    "Taylor Swift",
    "Scarlett Johansson",
    "Emma Watson",
    "Gal Gadot",
    "Jennifer Lawrence",
    "Billie Eilish",
    "Selena Gomez",
    "Alexandria Ocasio-Cortez",
    "Kamala Harris",
    "Donald Trump",
    "Joe Biden",
    "Vladimir Putin",
    "Xi Jinping",
]
# Rules of its own (dicts with id, category, explanation, terms, patterns, with_terms,
# negative_terms, allow, unless) and built-in rule ids switched off.
PROMPT_POLICY_EXTRA_RULES: list = []
PROMPT_POLICY_DISABLED_RULES: list = []
# The public API (api/): requests a minute, per token and per person across all tokens.
API_RATE_LIMIT_PER_TOKEN = env_int("API_RATE_LIMIT_PER_TOKEN", 120)
API_RATE_LIMIT_PER_USER = env_int("API_RATE_LIMIT_PER_USER", 300)
API_MAX_TOKENS_PER_USER = env_int("API_MAX_TOKENS_PER_USER", 10)
API_ORIGINAL_URL_SECONDS = env_int("API_ORIGINAL_URL_SECONDS", 300)
GENERATION_DEFAULT_ENGINE = env_str("GENERATION_DEFAULT_ENGINE", "embedded")
# A job's wake-up goes to its engine's queue, gpu.<engine> (generation.services.jobs.enqueue);
# this route only catches a bare run_generation.delay() that names none.
CELERY_TASK_ROUTES = {
    "generation.tasks.run_generation": {"queue": f"gpu.{GENERATION_DEFAULT_ENGINE}"},
    # The verify page's keypoint searches: one worker holds the index (docs/adr/012).
    "provenance.tasks.match_keypoints": {"queue": "lookup"},
}
GENERATION_ENGINES: dict = {
    "embedded": {
        "class": "generation.engines.embedded.EmbeddedEngine",
        "options": {"device": env_str("GENERATION_DEVICE", "cpu")},
    },
}
if env_str("GENERATION_DIFFUSERS_PATH"):
    GENERATION_ENGINES["diffusers"] = {
        "class": "generation.engines.diffusers_engine.DiffusersEngine",
        "options": {
            "checkpoint": env_str("GENERATION_DIFFUSERS_PATH"),
            "dtype": env_str("GENERATION_DIFFUSERS_DTYPE", "auto"),
            "compile": env_bool("GENERATION_DIFFUSERS_COMPILE", False),
            "device": env_str("GENERATION_DEVICE", "cpu"),
        },
    }
# The operator's registry of further engines and checkpoints (config/settings/engines.py).
GENERATION_ENGINES.update(engines_from_file(env_str("GENERATION_ENGINES_FILE")))
# Which engines this worker process loads and serves (on Celery queues gpu.<name>).
GENERATION_WORKER_ENGINES = env_list("GENERATION_WORKER_ENGINES", list(GENERATION_ENGINES))
# Workers write a heartbeat row this often; one silent for the stale window counts as gone.
GENERATION_WORKER_HEARTBEAT_SECONDS = float(env_int("GENERATION_WORKER_HEARTBEAT_SECONDS", 15))
GENERATION_WORKER_STALE_SECONDS = env_int("GENERATION_WORKER_STALE_SECONDS", 60)
# LoRA adapters a style version attaches (generation/services/adapters.py): the largest file
# accepted, and where workers keep verified local copies (<sha256>.safetensors).
STYLE_ADAPTER_MAX_BYTES = env_int("STYLE_ADAPTER_MAX_BYTES", 256 * 1024 * 1024)
STYLE_ADAPTER_CACHE_DIR = Path(env_str("STYLE_ADAPTER_CACHE_DIR", str(VAR_DIR / "adapters")))

# --- Provenance ---------------------------------------------------------------------------
# The signing identity (root CA + P-256 leaf) lives outside the repo. Embedded runs create it
# on first use; production runs `manage.py init_signing` at deploy and fails loudly without it.
PROVENANCE_SIGNING_DIR = Path(env_str("PROVENANCE_SIGNING_DIR", str(VAR_DIR / "signing")))
PROVENANCE_SIGNING_AUTO_INIT = not PRODUCTION
# An RFC 3161 timestamp authority every signature asks for a token, so manifests stay
# verifiable after the signing certificate expires (ADR 011); empty = none. Rotate the leaf
# with `manage.py rotate_signing`.
PROVENANCE_TSA_URL = env_str("PROVENANCE_TSA_URL").strip()
_http_url = r"https?://[\w.-]+(:\d+)?(/[!-~]*)?"
if PROVENANCE_TSA_URL and not re.fullmatch(_http_url, PROVENANCE_TSA_URL, flags=re.ASCII):
    raise ImproperlyConfigured(
        f"PROVENANCE_TSA_URL must be an http(s) URL of an RFC 3161 timestamp authority, "
        f"or empty; got {PROVENANCE_TSA_URL!r}"
    )
PROVENANCE_CLAIM_GENERATOR = "Promptfolio"
PROVENANCE_CLAIM_GENERATOR_VERSION = "0.1.0"
PHASH_NEAR_DUPLICATE_DISTANCE = env_int("PHASH_NEAR_DUPLICATE_DISTANCE", 6)
PHASH_NEAR_DUPLICATE_ACTION = env_str("PHASH_NEAR_DUPLICATE_ACTION", "block")
PROVENANCE_VERIFY_MAX_BYTES = 8 * 1024 * 1024
PROVENANCE_VERIFY_MAX_PIXELS = 4096 * 4096
# Keypoint searches run on the lookup worker (provenance.services.lookups): the page says a
# search is taking long after WAIT seconds; a lookup's row (its result) is deleted after KEEP.
PROVENANCE_LOOKUP_WAIT_SECONDS = env_int("PROVENANCE_LOOKUP_WAIT_SECONDS", 30)
PROVENANCE_LOOKUP_KEEP_SECONDS = env_int("PROVENANCE_LOOKUP_KEEP_SECONDS", 3600)
# /verify/ uploads decode an image and search every fingerprint: each client address, and
# each signed-in person on any address, may send this many per window (429 beyond).
VERIFY_RATE_LIMIT_PER_CLIENT = env_int("VERIFY_RATE_LIMIT_PER_CLIENT", 10)
VERIFY_RATE_LIMIT_PER_USER = env_int("VERIFY_RATE_LIMIT_PER_USER", 20)
VERIFY_RATE_LIMIT_SECONDS = env_int("VERIFY_RATE_LIMIT_SECONDS", 60)

# --- Payments ---------------------------------------------------------------------------
# Without a Stripe key the local test gateway completes checkouts (clearly labelled); never
# in production, which needs the keys or PAYMENTS_DISABLED=true (no gateway, checkout says
# "payments are not available").
PAYMENTS_DISABLED = env_bool("PAYMENTS_DISABLED", False)
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE")
PLATFORM_FEE_PERCENT = env_int("PLATFORM_FEE_PERCENT", 20)
# Checkout sessions a person may open a minute (each one is a Stripe API call and an order).
CHECKOUT_RATE_LIMIT_PER_MINUTE = env_int("CHECKOUT_RATE_LIMIT_PER_MINUTE", 10)
# Attempts a stored provider event gets before it is failed for a moderator to retry.
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8)

# --- Disputes and takedowns (disputes/services/takedowns.py) -------------------------------
# A counter-noticed listing comes back this many business days (Mon–Fri) after the
# counter-notice unless the claimant reports a court action; 17 U.S.C. §512(g)(2)(C) allows
# 10 to 14: every process refuses to start outside that range (and the service re-checks).
TAKEDOWN_RESTORE_BUSINESS_DAYS = env_int("TAKEDOWN_RESTORE_BUSINESS_DAYS", 10)
if not 10 <= TAKEDOWN_RESTORE_BUSINESS_DAYS <= 14:
    raise RuntimeError("TAKEDOWN_RESTORE_BUSINESS_DAYS must be 10 to 14 (17 U.S.C. §512(g))")

# --- Notice and action (EU DSA; disputes/services/notices.py, complaints.py, misuse.py) ---
# An anonymous reporter confirms their address within this many seconds; each client address
# may send NOTICE_RATE_LIMIT_PER_CLIENT anonymous notices per window (429 beyond).
NOTICE_CONFIRM_MAX_AGE_SECONDS = env_int("NOTICE_CONFIRM_MAX_AGE_SECONDS", 2 * 24 * 3600)
NOTICE_RATE_LIMIT_PER_CLIENT = env_int("NOTICE_RATE_LIMIT_PER_CLIENT", 5)
NOTICE_RATE_LIMIT_SECONDS = env_int("NOTICE_RATE_LIMIT_SECONDS", 3600)
# Complaints against a decision are accepted this many days after it (Art. 20: six months).
COMPLAINT_WINDOW_DAYS = env_int("COMPLAINT_WINDOW_DAYS", 182)
# Repeat misuse (Art. 23): upheld restrictions within the window before an automatic warning
# and an automatic suspension; manifestly unfounded notices before a reporter's notices stop
# being processed (for the same window).
MISUSE_WARN_AFTER = env_int("MISUSE_WARN_AFTER", 1)
MISUSE_SUSPEND_AFTER = env_int("MISUSE_SUSPEND_AFTER", 3)
MISUSE_UNFOUNDED_NOTICES_AFTER = env_int("MISUSE_UNFOUNDED_NOTICES_AFTER", 3)
MISUSE_WINDOW_DAYS = env_int("MISUSE_WINDOW_DAYS", 180)

# --- Outbound webhooks (webhooks/delivery.py, docs/webhooks.md) ---------------------------
# Private, loopback, link-local and metadata addresses are refused unless this is on (a dev
# or embedded setup posting to a local receiver); plain http only when allowed.
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False)
WEBHOOKS_ALLOW_HTTP = env_bool("WEBHOOKS_ALLOW_HTTP", DEBUG)
WEBHOOKS_CONNECT_TIMEOUT = float(env_int("WEBHOOKS_CONNECT_TIMEOUT", 5))
WEBHOOKS_READ_TIMEOUT = float(env_int("WEBHOOKS_READ_TIMEOUT", 10))
WEBHOOKS_MAX_RESPONSE_BYTES = env_int("WEBHOOKS_MAX_RESPONSE_BYTES", 64 * 1024)

# --- Security ---------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob: {media}; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
).format(media=env_str("S3_PUBLIC_ENDPOINT_URL", env_str("S3_ENDPOINT_URL", "")))
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logs, errors and mail (P18; docs/logging.md) ------------------------------------------
# One line per record on stderr: JSON (production default) or readable text (elsewhere),
# each with request_id, user (a pseudonym), job_id and task_id (core/logcontext.py).
LOG_FORMAT = env_str("LOG_FORMAT", "json" if PRODUCTION else "text")
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
# Errors go to Sentry only when SENTRY_DSN is set (Django and Celery integrations); events
# leave without cookies, bodies, addresses or emails, the user as its pseudonym only.
SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", DJANGO_ENV)
SENTRY_TRACES_SAMPLE_RATE = float(env_str("SENTRY_TRACES_SAMPLE_RATE") or 0)
if not 0 <= SENTRY_TRACES_SAMPLE_RATE <= 1:
    raise ImproperlyConfigured("SENTRY_TRACES_SAMPLE_RATE must be between 0 and 1")
sentry_init(
    dsn=SENTRY_DSN,
    environment=SENTRY_ENVIRONMENT,
    traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
)
# Mail leaves from the core.tasks.send_email task (default queue, retried with backoff),
# never from a request. EMAIL_PROVIDER: console (default), locmem, smtp (the EMAIL_HOST
# settings below), or an anymail provider with its ANYMAIL_* credentials
# (config/settings/mail.py).
EMAIL_PROVIDER = env_str("EMAIL_PROVIDER", "console")
EMAIL_BACKEND = email_backend(EMAIL_PROVIDER)
ANYMAIL = anymail_settings(EMAIL_PROVIDER, os.environ)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)  # seconds; a hung server becomes a retry
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Promptfolio <no-reply@promptfolio.local>")
CELERY_TASK_ROUTES["core.tasks.send_email"] = {"queue": "default"}

# --- Metrics (core/metrics.py, docs/metrics.md) ------------------------------------------------
# Prometheus scrapes /metrics with "Authorization: Bearer <METRICS_TOKEN>"; empty = the path
# answers 404 (off). Several web processes (gunicorn) or a prefork worker need a folder the
# processes share, emptied before they start (prometheus-client's multiprocess mode; the
# library reads the same variable). A Celery worker serves its own series on this port (0 =
# off; one port per worker on a host).
METRICS_TOKEN = env_str("METRICS_TOKEN")
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR")
if PROMETHEUS_MULTIPROC_DIR:
    Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)
WORKER_METRICS_PORT = env_int("WORKER_METRICS_PORT", 0)
# A scraper on the private network may use plain http (the token still guards the path).
SECURE_REDIRECT_EXEMPT = [r"^metrics$"]

# --- Running at scale (P18): previews behind a CDN --------------------------------------
# PUBLIC_MEDIA_URL: the base URL of a CDN or custom domain in front of the previews bucket
# (locally: in front of this site's /media/previews/). Preview and avatar URLs are built on
# it; content-addressed preview keys are stored and served with
# `Cache-Control: public, max-age=31536000, immutable` (core/media.py). Originals keep their
# short signed URLs from the private bucket. docs/operations.md "CDN".
PUBLIC_MEDIA_URL = env_str("PUBLIC_MEDIA_URL")
STORAGES = previews_on_cdn(STORAGES, public_media_url=PUBLIC_MEDIA_URL)
if PUBLIC_MEDIA_URL:
    CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
        "img-src 'self'", f"img-src 'self' {media_origin(PUBLIC_MEDIA_URL)}", 1
    )

# --- Follows and the home feed (P19; marketplace/services/follows.py) ----------------------
# Follows per user per window (a script following every creator is refused with a 429 page);
# a new listing's followers are notified by a Celery task, FOLLOW_NOTIFY_BATCH at a time.
FOLLOW_RATE_LIMIT_PER_USER = env_int("FOLLOW_RATE_LIMIT_PER_USER", 60)
FOLLOW_RATE_LIMIT_SECONDS = env_int("FOLLOW_RATE_LIMIT_SECONDS", 3600)
FOLLOW_NOTIFY_BATCH = env_int("FOLLOW_NOTIFY_BATCH", 500)

# --- Collections (P19, marketplace/services/collections.py) -----------------------------
# A person may keep COLLECTIONS_MAX_PER_USER collections of up to COLLECTION_MAX_ITEMS
# listings each. Creating a collection and adding a listing share one rate limit:
# COLLECTION_RATE_LIMIT_PER_USER per COLLECTION_RATE_LIMIT_SECONDS per person (429 beyond).
COLLECTIONS_MAX_PER_USER = env_int("COLLECTIONS_MAX_PER_USER", 100)
COLLECTION_MAX_ITEMS = env_int("COLLECTION_MAX_ITEMS", 500)
COLLECTION_RATE_LIMIT_PER_USER = env_int("COLLECTION_RATE_LIMIT_PER_USER", 60)
COLLECTION_RATE_LIMIT_SECONDS = env_int("COLLECTION_RATE_LIMIT_SECONDS", 600)

if PRODUCTION:
    refuse_unsafe_production(globals(), command=sys.argv[1] if len(sys.argv) > 1 else "")
